"""Two-factor sign-in: one gate in front of every staff view, and a second factor that only
an admin's invitation can set up (a stolen password alone never enrols an app)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RoutePattern
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import Article
from newsroom import twofactor
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
QR = 'class="two-factor-qr"'


@pytest.fixture(autouse=True)
def editors_and_admins_must_use_it(settings):
    settings.NEWSROOM_REQUIRE_2FA = ["editors", "admins"]


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(client, username, password=PASSWORD):
    response = client.post("/admin/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


def give_code(client, device):
    response = client.post("/admin/two-factor/", {"token": code_for(device)})
    assert response.status_code == 302, "the code was refused"


def enrol(client, link: str) -> TOTPDevice:
    """Open an invitation link and confirm the app with its first code."""
    page = client.get(link)
    assert page.status_code == 200 and QR in page.text
    device = TOTPDevice.objects.get(user=page.wsgi_request.user, confirmed=False)
    done = client.post(link, {"token": code_for(device)})
    assert done.status_code == 302, done.text
    device.refresh_from_db()
    return device


@pytest.fixture
def draft():
    return ArticleFactory(
        headline="Embargoed merger story",
        status=Article.Status.DRAFT,
        publish_at=None,
        authors=[AuthorFactory()],
    )


@pytest.fixture
def admin_user(django_user_model, roles):
    """Someone in the Admin role, signed in with their code."""
    user = django_user_model.objects.create_user("ada", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Admin"))
    return user


@pytest.fixture
def admin_client(admin_user):
    client = sign_in(Client(), "ada")
    give_code(client, TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True))
    return client


# The gate -------------------------------------------------------------------------------


def test_a_password_only_session_gets_no_draft_through_the_staff_preview(client, editor, draft):
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    sign_in(client, "edna")
    response = client.get(f"/preview/{draft.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/two-factor/?next=%2Fpreview%2F{draft.pk}%2F"
    assert "Embargoed merger story" not in response.text
    give_code(client, device)
    assert "Embargoed merger story" in client.get(f"/preview/{draft.pk}/").text


# Views readers may use, by name (or module.function for unnamed ones): a new view that is
# not here must be behind the gate, or this test fails.
PUBLIC = {
    "articles:home",
    "articles:search",
    "articles:feed",
    "articles:feed_atom",
    "articles:shared_preview",  # a signed, expiring link for someone without an account
    "articles:tag",
    "articles:tag_feed",
    "articles:tag_feed_atom",
    "articles:section",
    "articles:section_feed",
    "articles:section_feed_atom",
    "articles:story",
    # A live story's updates and their feed: readers' pages, under the story's public() rule.
    "articles:live_updates",
    "articles:live_feed",
    "authors:detail",
    "authors:feed",
    "authors:feed_atom",
    "healthz",
    "robots_txt",
    "sitemap_index",
    "sitemap",
    "newsroom.views.favicon",
    # Photo files: what readers may see; staff see more only without a code owed
    # (tests/test_media.py::test_staff_who_owe_a_second_factor_see_what_readers_see).
    "media",
}
PUBLIC_NAMESPACES = {"api"}  # the read-only content API: public content only
# Staff pages someone who still owes a code must reach to give it (or to leave).
OPEN_TO_STAFF = {
    "two_factor",
    "two_factor_enrol",
    "admin:login",
    "admin:logout",
    "admin:jsi18n",
}

SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uslug": "zürich",  # newsroom.slugs: a slug in any script
    "path": "x",
    "uuid": "0" * 8 + "-0000" * 3 + "-" + "0" * 12,
}


def sample_path(pattern) -> str:
    """A path the pattern matches, its parameters filled with sample values."""
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], str(pattern))
    regex = pattern._regex.lstrip("^").removesuffix("$").removesuffix(r"\Z")

    def fill(group):
        inner = group.group(1)
        candidates = [inner.split("|")[0], "1", "x", ""]
        return next(c for c in candidates if re.fullmatch(inner, c))

    regex = re.sub(r"\((?:\?P<\w+>)?([^()]*)\)", fill, regex)
    return re.sub(r"\\(.)", r"\1", regex)


def every_view(resolver=None, prefix="/", namespace=""):
    """(view name, sample path, callback) for every URL pattern of the site."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        path = prefix + sample_path(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from every_view(entry, path, inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            name = (
                f"{namespace}{entry.name}"
                if entry.name
                else f"{callback.__module__}.{callback.__name__}"
            )
            yield name, path, callback


def test_every_staff_view_is_behind_the_two_factor_gate(editor):
    """Every URL the site has, tried by an editor who signed in with a password only: each one
    that is not on the public list answers with the two-factor page, before the view runs."""
    client = Client()
    client.force_login(editor)
    staff_views = []
    for name, path, callback in every_view():
        if name in PUBLIC or name.split(":")[0] in PUBLIC_NAMESPACES:
            continue
        assert resolve(path).func == callback, f"{path} does not reach {name}; fix sample_path"
        if name in OPEN_TO_STAFF:
            continue
        staff_views.append(name)
        response = client.get(path)
        assert response.status_code == 302, f"{name} ({path}) is not behind the gate"
        assert response["Location"].startswith("/admin/two-factor/?next="), name
    # The walk found what it must (the staff preview, admin pages and revision views).
    assert {"articles:preview", "admin:index", "admin:articles_article_change"} <= set(staff_views)
    assert len(staff_views) > 50


def test_readers_with_an_account_are_sent_to_sign_in_as_staff(client, editor, draft):
    reader = type(editor).objects.create_user("rex", password=PASSWORD)
    client.force_login(reader)
    # Not staff: sent to sign in as staff, never shown the draft.
    assert client.get(f"/preview/{draft.pk}/")["Location"].startswith("/admin/login/")


# Enrolment ---------------------------------------------------------------------------------


def test_without_an_invitation_a_password_cannot_set_up_a_second_factor(client, editor):
    sign_in(client, "edna")
    assert client.get("/admin/")["Location"] == "/admin/two-factor/?next=%2Fadmin%2F"
    page = client.get("/admin/two-factor/")
    assert page.status_code == 403
    assert "invitation" in page.text and QR not in page.text
    assert not TOTPDevice.objects.filter(user=editor).exists()  # no secret made, or shown
    # Codes for a made-up key get nowhere either.
    client.post("/admin/two-factor/", {"token": "123456"})
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert client.get("/admin/").status_code == 302


def test_an_invitation_sets_up_the_app_once(client, editor):
    link = twofactor.enrolment_path(twofactor.invite(user=editor))
    # Signing in is still needed: the link alone is not an account.
    assert client.get(link)["Location"].startswith("/admin/login/?next=")
    sign_in(client, "edna")
    device = enrol(client, link)
    assert device.confirmed
    assert client.get("/admin/").status_code == 200
    # Used once: it cannot make another app, even for the same person.
    client.post("/admin/logout/")
    sign_in(client, "edna")
    again = client.get(link)
    assert again.status_code == 410 and QR not in again.text
    assert TOTPDevice.objects.filter(user=editor).count() == 1
    # From now on the code is asked, the usual way (a code is good once: the next one).
    with time_machine.travel(timedelta(seconds=device.step)):
        give_code(client, device)
        assert client.get("/admin/").status_code == 200


def test_an_expired_invitation_is_refused(client, editor, settings):
    settings.NEWSROOM_2FA_INVITATION_HOURS = 24
    link = twofactor.enrolment_path(twofactor.invite(user=editor))
    with time_machine.travel(timedelta(hours=25)):
        sign_in(client, "edna")
        response = client.get(link)
        assert response.status_code == 410 and "expired" in response.text
        client.post(link, {"token": "000000"})
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()


def test_an_invitation_works_only_for_its_own_account(client, editor, django_user_model):
    link = twofactor.enrolment_path(twofactor.invite(user=editor))
    mallory = django_user_model.objects.create_user("mal", password=PASSWORD, is_staff=True)
    sign_in(client, "mal")
    assert client.get(link).status_code == 410
    assert not TOTPDevice.objects.filter(user=mallory).exists()


def test_a_new_invitation_withdraws_the_last_one_and_its_secret(client, editor):
    first = twofactor.enrolment_path(twofactor.invite(user=editor))
    sign_in(client, "edna")
    client.get(first)
    seen = TOTPDevice.objects.get(user=editor, confirmed=False).key
    second = twofactor.enrolment_path(twofactor.invite(user=editor))
    assert client.get(first).status_code == 410
    client.get(second)
    assert TOTPDevice.objects.get(user=editor, confirmed=False).key != seen


def test_forged_invitation_links_are_refused(client, editor):
    twofactor.invite(user=editor)
    sign_in(client, "edna")
    for token in ("x", "A" * 43, "%00"):
        assert client.get(f"/admin/two-factor/enrol/{token}/").status_code in (404, 410)
    assert not TOTPDevice.objects.filter(user=editor).exists()


# Issuing invitations --------------------------------------------------------------------


def invite_from_user_admin(admin_client, user, action="invite_two_factor"):
    return admin_client.post("/admin/auth/user/", {"action": action, "_selected_action": [user.pk]})


def link_in(response) -> str:
    match = re.search(r"http://testserver(/admin/two-factor/enrol/[^/\s\"<]+/)", response.text)
    assert match, response.text
    return match.group(1)


def test_an_admin_invites_from_the_user_admin_and_the_link_works(admin_client, editor):
    response = invite_from_user_admin(admin_client, editor)
    assert response.status_code == 200
    link = link_in(response)
    client = sign_in(Client(), "edna")
    assert enrol(client, link).confirmed
    assert client.get("/admin/").status_code == 200


def test_an_admin_resets_a_lost_device_which_needs_a_new_invitation(admin_client, editor):
    TOTPDevice.objects.create(user=editor, name="lost phone", confirmed=True)
    # Someone with a device is not invited to make a second one; a reset replaces it.
    refused = invite_from_user_admin(admin_client, editor)
    assert "/admin/two-factor/enrol/" not in refused.text
    link = link_in(invite_from_user_admin(admin_client, editor, "reset_two_factor"))
    assert not TOTPDevice.objects.filter(user=editor).exists()
    client = sign_in(Client(), "edna")
    assert enrol(client, link).name != "lost phone"


def test_an_admin_cannot_reset_a_superusers_second_factor(admin_client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    TOTPDevice.objects.create(user=boss, name="phone", confirmed=True)
    response = invite_from_user_admin(admin_client, boss, "reset_two_factor")
    assert "/admin/two-factor/enrol/" not in response.text
    assert TOTPDevice.objects.filter(user=boss, confirmed=True).exists()


def test_a_new_operator_enrols_with_the_invite_2fa_command(django_user_model):
    """createsuperuser, then invite_2fa: the first admin's way in when 2FA is required."""
    django_user_model.objects.create_superuser("owner", password=PASSWORD)
    out = StringIO()
    call_command("invite_2fa", "owner", "--base-url", "https://news.example.com", stdout=out)
    link = re.search(r"https://news\.example\.com(/admin/two-factor/enrol/\S+/)", out.getvalue())
    client = sign_in(Client(), "owner")
    assert client.get("/admin/").status_code == 302
    enrol(client, link.group(1))
    assert client.get("/admin/").status_code == 200
    with pytest.raises(CommandError, match="already"):
        call_command("invite_2fa", "owner", stdout=StringIO())
    with pytest.raises(CommandError, match="No staff account"):
        call_command("invite_2fa", "nobody", stdout=StringIO())


def test_the_otp_librarys_device_admin_is_no_way_around_invitations(django_user_model):
    """django-otp's own admin makes an app for any account and shows its secret; invitations
    and resets from the user admin are the one way to set up a second factor."""
    boss = django_user_model.objects.create_superuser("boss", password=PASSWORD)
    client = sign_in(Client(), "boss")
    give_code(client, TOTPDevice.objects.create(user=boss, name="phone", confirmed=True))
    assert client.get("/admin/").status_code == 200
    for path in ("/admin/otp_totp/totpdevice/", "/admin/otp_totp/totpdevice/add/"):
        assert client.get(path).status_code == 404, path
