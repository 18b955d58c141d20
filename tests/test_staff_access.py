"""Object-level permissions on every staff page, and staff-side bad input that gave 500s."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from articles import workflow
from articles.models import Article, Photo, PreviewLink
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def people(staff_member):
    make = staff_member
    return {
        "reporter": make("rita", "Reporter"),
        "other": make("otto", "Reporter"),
        "editor": make("edna", "Editor"),
    }


@pytest.fixture
def hidden_from_rita(people):
    """Stories of another reporter that the story list does not show Rita."""
    other = people["other"]
    author = AuthorFactory(user=other)
    return {
        "draft": ArticleFactory(
            headline="Otto's draft", status=Status.DRAFT, publish_at=None, authors=[author]
        ),
        "embargoed": ArticleFactory(
            headline="Embargoed story",
            publish_at=timezone.now() + timedelta(days=1),
            authors=[author],
        ),
        "trashed": ArticleFactory(
            headline="Trashed story",
            status=Status.DRAFT,
            publish_at=None,
            created_by=other,
            deleted_at=timezone.now(),
        ),
    }


@pytest.mark.parametrize("kind", ["draft", "embargoed", "trashed"])
@pytest.mark.parametrize("page", ["preview", "compare", "history", "change"])
def test_a_reporter_cannot_read_what_the_story_list_hides(
    client, people, hidden_from_rita, kind, page
):
    story = hidden_from_rita[kind]
    client.force_login(people["reporter"])
    listed = client.get("/admin/articles/article/").context["cl"].result_list
    assert story not in listed
    url = {
        "preview": f"/preview/{story.pk}/",
        "compare": f"/admin/articles/article/{story.pk}/compare/",
        "history": f"/admin/articles/article/{story.pk}/history/",
        "change": f"/admin/articles/article/{story.pk}/change/",
    }[page]
    response = client.get(url)
    assert response.status_code in (302, 403, 404)
    assert story.headline not in response.text


def test_an_editor_still_reads_every_story(client, people, hidden_from_rita):
    client.force_login(people["editor"])
    for story in hidden_from_rita.values():
        assert client.get(f"/preview/{story.pk}/").status_code == 200
    embargoed = hidden_from_rita["embargoed"]
    assert client.get(f"/admin/articles/article/{embargoed.pk}/compare/").status_code == 200


def test_a_reporter_reads_their_own_draft_and_public_stories(client, people):
    mine = ArticleFactory(status=Status.DRAFT, publish_at=None, created_by=people["reporter"])
    public = ArticleFactory()
    client.force_login(people["reporter"])
    for story in (mine, public):
        assert client.get(f"/preview/{story.pk}/").status_code == 200
        assert client.get(f"/admin/articles/article/{story.pk}/compare/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/article/abc/workflow/publish/",
        "/admin/articles/article/abc/compare/",
        "/admin/articles/article/1%00/compare/",
        "/admin/articles/article/99999999999999999999999/workflow/submit/",
        "/admin/articles/article/abc/history/1/",
    ],
)
def test_non_numeric_story_ids_are_not_found(client, people, url):
    client.force_login(people["editor"])
    response = client.post(url) if "workflow" in url else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("link", ["abc", "", "1.5", "99999999999999999999999"])
def test_revoking_a_preview_link_by_a_bad_id_is_not_found(client, people, link):
    story = ArticleFactory(authors=[AuthorFactory()])
    kept = workflow.share_preview(article=story, by=people["editor"])
    client.force_login(people["editor"])
    response = client.post(f"/admin/articles/article/{story.pk}/workflow/revoke/", {"link": link})
    assert response.status_code == 404
    assert PreviewLink.objects.get(pk=kept.pk).revoked_at is None


# Photo rights: licence, usage notes and expiry belong to photo editors and editors.
def photo_form(photo, **changes):
    data = {
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "credit_kind": photo.credit_kind,
        "credit": photo.credit,
        "source": photo.source,
        "focal_x": "0.5",
        "focal_y": "0.5",
        "licence": photo.licence,
        "cc_variant": photo.cc_variant,
        "usage_notes": photo.usage_notes,
        "rights_expire_on": photo.rights_expire_on.isoformat() if photo.rights_expire_on else "",
    }
    data.update(changes)
    return data


def rights(photo):
    photo = Photo.objects.get(pk=photo.pk)
    return (photo.licence, photo.cc_variant, photo.usage_notes, photo.rights_expire_on)


@pytest.fixture
def expired_agency_photo():
    return PhotoFactory(
        licence=Photo.Licence.AGENCY,
        usage_notes="Editorial use only.",
        rights_expire_on=timezone.localdate() - timedelta(days=1),
    )


def test_a_reporter_cannot_change_any_photos_rights(client, people, expired_agency_photo):
    photo = expired_agency_photo
    before = rights(photo)
    client.force_login(people["reporter"])
    client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        photo_form(photo, licence="staff", usage_notes="", rights_expire_on="2099-01-01"),
    )
    assert rights(photo) == before


def test_a_reporter_edits_the_words_of_their_own_upload_but_not_its_rights(
    client, people, expired_agency_photo
):
    photo = expired_agency_photo
    photo.uploaded_by = people["reporter"]
    photo.save()
    before = rights(photo)
    client.force_login(people["reporter"])
    page = client.get(f"/admin/articles/photo/{photo.pk}/change/")
    form = page.context["adminform"].form
    assert "caption" in form.fields and "rights_expire_on" not in form.fields
    response = client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        photo_form(photo, caption="A better caption.", rights_expire_on="2099-01-01"),
    )
    assert response.status_code == 302
    assert Photo.objects.get(pk=photo.pk).caption == "A better caption."
    assert rights(photo) == before


def test_a_reporter_cannot_change_the_words_of_someone_elses_photo(client, people):
    photo = PhotoFactory(uploaded_by=people["other"])
    client.force_login(people["reporter"])
    client.post(f"/admin/articles/photo/{photo.pk}/change/", photo_form(photo, caption="Mine"))
    assert Photo.objects.get(pk=photo.pk).caption == photo.caption


@pytest.mark.parametrize("role", ["Editor", "Photo editor"])
def test_editors_and_photo_editors_set_rights(
    client, django_user_model, roles, role, expired_agency_photo
):
    user = django_user_model.objects.create_user("pat", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    photo = expired_agency_photo
    client.force_login(user)
    response = client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        photo_form(photo, rights_expire_on="2099-01-01", usage_notes="Renewed."),
    )
    assert response.status_code == 302
    assert rights(photo)[2:] == ("Renewed.", date(2099, 1, 1))


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/article/photos/?q=chip%00",
        "/admin/articles/photo/?q=chip%00",
        "/admin/articles/article/?q=chip%00",
    ],
)
def test_a_null_byte_in_an_admin_search_is_no_500(client, people, url):
    PhotoFactory()
    client.force_login(people["editor"])
    assert client.get(url).status_code in (200, 400)


# The Admin role manages users and roles, and stops below superuser.
@pytest.fixture
def admin_role(django_user_model, roles):
    user = django_user_model.objects.create_user("ada", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Admin"))
    return user


def user_form(user, **changes):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-11-01",
        "date_joined_1": "09:00:00",
        "groups": [g.pk for g in user.groups.all()],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_admin_role_cannot_make_itself_or_others_superuser(client, admin_role, people):
    everything = list(Permission.objects.values_list("pk", flat=True))
    client.force_login(admin_role)
    for user in (admin_role, people["reporter"]):
        response = client.post(
            f"/admin/auth/user/{user.pk}/change/",
            user_form(user, is_superuser="on", user_permissions=everything),
        )
        assert response.status_code in (302, 403)
        user.refresh_from_db()
        assert not user.is_superuser and not user.user_permissions.exists()
    admin_role.refresh_from_db()
    assert not admin_role.has_perm("auth.change_group")


def test_the_admin_role_cannot_take_over_a_superuser(client, admin_role, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="old password 123")
    client.force_login(admin_role)
    client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": "taken over 4567", "password2": "taken over 4567"},
    )
    client.post(f"/admin/auth/user/{root.pk}/change/", user_form(root, is_active=None))
    root.refresh_from_db()
    assert root.is_active and root.check_password("old password 123")


def test_the_admin_role_still_assigns_roles(client, admin_role, people):
    editor_group = Group.objects.get(name="Editor")
    client.force_login(admin_role)
    response = client.post(
        f"/admin/auth/user/{people['other'].pk}/change/",
        user_form(people["other"], groups=[editor_group.pk]),
    )
    assert response.status_code == 302
    assert list(people["other"].groups.all()) == [editor_group]


# Bidirectional controls (RLO and the like) re-order what staff read in the admin.
SPOOFED = "Invoice \u202egpj.exe\u202c and \u2066isolated\u2069 text"


def test_bidi_controls_are_removed_from_short_text_on_save(people):
    author = AuthorFactory(name=f"Jane {SPOOFED}")
    story = ArticleFactory(headline=SPOOFED, dek=SPOOFED, authors=[author])
    photo = PhotoFactory(caption=SPOOFED, credit=SPOOFED, alt_text=SPOOFED)
    story.refresh_from_db(), author.refresh_from_db(), photo.refresh_from_db()
    for text in (story.headline, story.dek, author.name, photo.caption, photo.credit):
        assert not any(
            ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        )
    assert story.headline == "Invoice gpj.exe and isolated text"


def test_bidi_controls_never_reach_the_admin_list(client, people):
    ArticleFactory(headline=SPOOFED)
    client.force_login(people["editor"])
    assert "\u202e" not in client.get("/admin/articles/article/").text


def test_the_admin_role_cannot_delete_a_superuser_from_the_list(
    client, admin_role, django_user_model
):
    root = django_user_model.objects.create_superuser("root", password="old password 123")
    client.force_login(admin_role)
    client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [root.pk], "post": "yes"},
    )
    assert django_user_model.objects.filter(pk=root.pk).exists()


def test_the_schedule_page_shows_a_reporter_only_what_they_may_see(
    client, people, hidden_from_rita
):
    mine = ArticleFactory(
        headline="Rita's scheduled story",
        publish_at=timezone.now() + timedelta(days=2),
        created_by=people["reporter"],
    )
    client.force_login(people["reporter"])
    page = client.get("/admin/articles/article/schedule/").text
    assert mine.headline.replace("'", "&#x27;") in page
    assert hidden_from_rita["embargoed"].headline not in page


def test_where_a_photo_is_used_names_only_stories_the_user_may_see(
    client, people, django_user_model
):
    photo = PhotoFactory(uploaded_by=people["reporter"])
    hidden = ArticleFactory(
        headline="Otto writes a secret draft",
        status=Status.DRAFT,
        publish_at=None,
        lead_photo=photo,
    )
    public = ArticleFactory(headline="A public story", lead_photo=photo)
    client.force_login(people["reporter"])
    page = client.get(f"/admin/articles/photo/{photo.pk}/change/").text
    assert public.headline in page and hidden.headline not in page
    assert "1 more story you cannot open" in page
    client.force_login(people["editor"])
    page = client.get(f"/admin/articles/photo/{photo.pk}/change/").text
    assert public.headline in page and hidden.headline in page


# A photo a published or scheduled story shows is the desk's: its uploader no longer edits it.
@pytest.fixture
def ritas_photo(people):
    return PhotoFactory(uploaded_by=people["reporter"])


def use_as_lead(photo, **story):
    return ArticleFactory(lead_photo=photo, **story)


def use_in_body(photo, **story):
    body = f'<p>Words.</p><figure><img src="{photo.image.url}" alt=""></figure>'
    return ArticleFactory(body=body, **story)


@pytest.mark.parametrize("use", [use_as_lead, use_in_body])
@pytest.mark.parametrize("when", ["published", "scheduled"])
def test_a_reporter_cannot_change_their_photo_once_a_published_story_shows_it(
    client, people, ritas_photo, use, when
):
    photo = ritas_photo
    at = timezone.now() + (timedelta(days=1) if when == "scheduled" else -timedelta(hours=1))
    use(photo, publish_at=at)
    client.force_login(people["reporter"])
    client.post(
        f"/admin/articles/photo/{photo.pk}/change/",
        photo_form(photo, caption="Changed live.", alt_text="Changed", credit="Me"),
    )
    after = Photo.objects.get(pk=photo.pk)
    assert (after.caption, after.alt_text, after.credit) == (
        photo.caption,
        photo.alt_text,
        photo.credit,
    )


def test_a_reporter_still_edits_their_photo_while_only_drafts_use_it(client, people, ritas_photo):
    use_as_lead(ritas_photo, status=Status.DRAFT)
    client.force_login(people["reporter"])
    response = client.post(
        f"/admin/articles/photo/{ritas_photo.pk}/change/",
        photo_form(ritas_photo, caption="Better words."),
    )
    assert response.status_code == 302
    assert Photo.objects.get(pk=ritas_photo.pk).caption == "Better words."


def test_credit_is_a_rights_field_a_reporter_cannot_change(client, people, ritas_photo):
    client.force_login(people["reporter"])
    page = client.get(f"/admin/articles/photo/{ritas_photo.pk}/change/")
    form = page.context["adminform"].form
    assert "caption" in form.fields
    assert "credit" not in form.fields and "credit_kind" not in form.fields
    client.post(
        f"/admin/articles/photo/{ritas_photo.pk}/change/",
        photo_form(ritas_photo, caption="Words.", credit="Rita", credit_kind="illustration"),
    )
    after = Photo.objects.get(pk=ritas_photo.pk)
    assert after.caption == "Words."
    assert (after.credit, after.credit_kind) == (ritas_photo.credit, ritas_photo.credit_kind)


@pytest.mark.parametrize("role", ["Editor", "Photo editor"])
def test_the_desk_changes_the_credit_of_a_photo_a_live_story_shows(
    client, django_user_model, roles, role, ritas_photo
):
    user = django_user_model.objects.create_user("pat", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    use_as_lead(ritas_photo)
    client.force_login(user)
    response = client.post(
        f"/admin/articles/photo/{ritas_photo.pk}/change/",
        photo_form(ritas_photo, credit="Corrected Agency"),
    )
    assert response.status_code == 302
    assert Photo.objects.get(pk=ritas_photo.pk).credit == "Corrected Agency"


def test_a_reporter_reads_a_photo_they_cannot_change(client, people):
    photo = PhotoFactory(uploaded_by=people["other"])
    client.force_login(people["reporter"])
    page = client.get(f"/admin/articles/photo/{photo.pk}/change/")
    assert page.status_code == 200
    assert photo.credit in page.text and not page.context["has_change_permission"]


# Bad input on any admin page, whoever registered it: a clear answer, never a 500.
@pytest.mark.parametrize(
    "url",
    [
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=lead_photo&term=%00",
        "/admin/autocomplete/?app_label=articles&model_name=article&field_name=tags&term=a%00",
        "/admin/autocomplete/?app_label=articles&model_name=byline&field_name=author&term=%00",
    ],
)
def test_a_null_byte_in_an_autocomplete_search_is_no_500(client, people, url):
    PhotoFactory()
    ArticleFactory(tags=["chips"], authors=[AuthorFactory()])
    client.force_login(people["editor"])
    response = client.get(url)
    assert response.status_code == 200 and "results" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/articles/activity/?at__year=9999",
        "/admin/articles/activity/?at__year=9999&at__month=12&at__day=31",
    ],
)
def test_a_date_hierarchy_link_past_the_calendar_is_no_500(client, people, url):
    """Django's answer to any bad filter: the list again, without it."""
    story = ArticleFactory()
    workflow.log(article=story, by=people["editor"], action="edited")  # the activity list
    client.force_login(people["editor"])
    response = client.get(url, follow=True)
    assert response.status_code == 200 and response.redirect_chain
    assert story.headline in response.text


@pytest.mark.parametrize("selected", ["abc", "\x00", "99999999999999999999999", "1.5"])
@pytest.mark.parametrize(
    "changelist, action",
    [("article", "submit_selected"), ("trashedarticle", "restore_selected")],
)
def test_an_action_on_ids_that_are_not_ids_is_a_message(
    client, people, changelist, action, selected
):
    story = ArticleFactory(status=Status.DRAFT)
    workflow.trash(article=story, by=people["editor"]) if changelist == "trashedarticle" else None
    before = Article.objects.values_list("status", "deleted_at").get(pk=story.pk)
    client.force_login(people["editor"])
    response = client.post(
        f"/admin/articles/{changelist}/",
        {"action": action, "_selected_action": [str(story.pk), selected]},
        follow=True,
    )
    assert response.status_code == 200
    assert "not in this list" in response.text
    assert Article.objects.values_list("status", "deleted_at").get(pk=story.pk) == before
