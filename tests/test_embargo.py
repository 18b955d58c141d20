"""Embargo as its own state (issue 17, part 2): a promise to a source.

A story accepted under embargo is Published with its publish time at the embargo's end, so
it goes public at that instant by the rule of every scheduled story. Until then: locked for
all but editors, no preview link shows it, its photos reach only the staff. Lifting early and
extending are workflow actions, logged, editors only.
"""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from reversion.models import Version

from articles import history, share_cards, workflow
from articles.admin.lists import local_time
from articles.media import PREVIEW_COOKIE, PREVIEW_SALT
from articles.models import Activity, Article, PreviewLink
from articles.permissions import can_edit
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.test_media import body_with, rendition
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db

Status = Article.Status
Action = Activity.Action


@pytest.fixture
def reporter(staff_member):
    return staff_member("rita", "Reporter")


@pytest.fixture
def draft(reporter):
    """A reporter's own draft (creator and byline), ready to publish, with photos."""
    story = ArticleFactory(
        headline="Merger agreed",
        status=Status.IN_REVIEW,
        publish_at=None,
        created_by=reporter,
        authors=[AuthorFactory(user=reporter)],
        lead_photo=PhotoFactory(),
        body=body_with(PhotoFactory()),
    )
    history.ensure_initial_revision(story.pk)
    return story


def embargoed(story, editor, *, hours=2):
    until = timezone.now().replace(microsecond=0) + timedelta(hours=hours)
    return workflow.embargo(article=story, by=editor, until=until)


def logged(story, action) -> list[Activity]:
    return list(Activity.objects.filter(article=story, action=action))


def revisions(story) -> int:
    return Version.objects.get_for_object(story).count()


# --- the state ------------------------------------------------------------------------------


def test_an_embargo_is_published_at_its_instant_with_who_set_it_and_when(draft, editor):
    before = revisions(draft)
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        story = embargoed(draft, editor)
        now = timezone.now()
    story = Article.objects.get(pk=story.pk)
    assert (story.status, story.embargoed) == (Status.PUBLISHED, True)
    assert (story.embargo_set_by, story.embargo_set_at) == (editor, now)
    assert story.publish_at == now + timedelta(hours=2)
    assert story.is_under_embargo and not story.is_public
    assert list(Article.objects.under_embargo()) == [story]
    assert not Article.objects.public().filter(pk=story.pk).exists()
    [entry] = logged(story, Action.EMBARGOED)
    assert entry.user == editor and workflow._when(story.publish_at) in entry.detail
    assert revisions(story) == before + 1


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_under_embargo_and_its_property_agree_around_the_instant(draft, editor, offset):
    story = embargoed(draft, editor)
    with time_machine.travel(story.publish_at + timedelta(seconds=offset), tick=False):
        query = Article.objects.under_embargo().filter(pk=story.pk).exists()
        assert query == story.is_under_embargo == (offset < 0)
        assert Article.objects.public().filter(pk=story.pk).exists() == (offset >= 0)


def test_a_scheduled_story_is_not_under_embargo(editor):
    story = ArticleFactory(publish_at=timezone.now() + timedelta(hours=1))
    assert story.is_scheduled and not story.is_under_embargo
    assert not Article.objects.under_embargo().exists()


def test_the_database_refuses_an_embargo_on_a_story_that_is_not_published(draft):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=draft.pk).update(embargoed=True)


def test_embargo_fields_change_only_through_the_workflow(draft, editor):
    story = embargoed(draft, editor)
    story.embargoed = False
    with pytest.raises(PermissionDenied):
        story.save()
    assert Article.objects.get(pk=story.pk).embargoed


# --- accepting, lifting, extending ----------------------------------------------------------


def test_only_editors_accept_lift_or_extend_an_embargo(draft, editor, reporter):
    until = timezone.now() + timedelta(hours=1)
    with pytest.raises(PermissionDenied):
        workflow.embargo(article=draft, by=reporter, until=until)
    story = embargoed(draft, editor)
    with pytest.raises(PermissionDenied):
        workflow.lift_embargo(article=story, by=reporter)
    with pytest.raises(PermissionDenied):
        workflow.extend_embargo(article=story, by=reporter, until=until + timedelta(days=1))
    assert Article.objects.get(pk=story.pk).publish_at == story.publish_at
    assert not Activity.objects.filter(article=story, user=reporter).exists()


def test_an_embargo_needs_a_future_instant_and_passes_the_publish_checks(draft, editor):
    with pytest.raises(ValidationError, match="future"):
        workflow.embargo(article=draft, by=editor, until=timezone.now())
    draft.body = ""
    with pytest.raises(ValidationError, match="no body"):
        embargoed(draft, editor)
    assert Article.objects.get(pk=draft.pk).status == Status.IN_REVIEW


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.UNPUBLISHED])
def test_only_drafts_and_stories_in_review_are_put_under_embargo(editor, status):
    story = ArticleFactory(status=status, authors=[AuthorFactory()])
    with pytest.raises(ValidationError, match="draft or a story in review"):
        embargoed(story, editor)


def test_lifting_an_embargo_publishes_now_and_logs_the_promised_instant(draft, editor):
    story = embargoed(draft, editor)
    promised, before = story.publish_at, revisions(story)
    workflow.lift_embargo(article=story, by=editor)
    story = Article.objects.get(pk=story.pk)
    assert story.is_public and not story.is_under_embargo
    assert story.first_published_at == story.publish_at < promised
    [entry] = logged(story, Action.EMBARGO_LIFTED)
    assert entry.user == editor and workflow._when(promised) in entry.detail
    assert revisions(story) == before + 1
    with pytest.raises(ValidationError, match="not under embargo"):
        workflow.lift_embargo(article=story, by=editor)


def test_extending_moves_the_instant_later_and_never_sooner(draft, editor):
    story = embargoed(draft, editor)
    promised, before = story.publish_at, revisions(story)
    for too_soon in (promised - timedelta(minutes=1), timezone.now() - timedelta(minutes=1)):
        with pytest.raises(ValidationError, match="lift it"):
            workflow.extend_embargo(article=story, by=editor, until=too_soon)
    later = promised + timedelta(days=1)
    workflow.extend_embargo(article=story, by=editor, until=later)
    story = Article.objects.get(pk=story.pk)
    assert story.publish_at == later and story.is_under_embargo
    [entry] = logged(story, Action.EMBARGO_EXTENDED)
    assert workflow._when(promised) in entry.detail and workflow._when(later) in entry.detail
    assert revisions(story) == before + 1


def test_publish_and_schedule_refuse_a_story_under_embargo(draft, editor):
    story = embargoed(draft, editor)
    with pytest.raises(ValidationError, match="under embargo"):
        workflow.publish(article=story, by=editor)
    with pytest.raises(ValidationError, match="under embargo"):
        workflow.schedule(article=story, by=editor, at=story.publish_at + timedelta(days=1))
    assert Article.objects.get(pk=story.pk).publish_at == story.publish_at


def test_after_its_instant_a_story_is_an_ordinary_published_story(draft, editor):
    story = embargoed(draft, editor)
    with time_machine.travel(story.publish_at + timedelta(seconds=1), tick=False):
        story = Article.objects.get(pk=story.pk)
        # Rescheduling it now is plain scheduling, not a new embargo.
        workflow.schedule(article=story, by=editor, at=timezone.now() + timedelta(hours=1))
        story = Article.objects.get(pk=story.pk)
        assert story.is_scheduled and not story.embargoed and not story.is_under_embargo


def test_unpublishing_a_story_under_embargo_withdraws_it(draft, editor):
    story = workflow.unpublish(article=embargoed(draft, editor), by=editor)
    story = Article.objects.get(pk=story.pk)
    assert story.status == Status.UNPUBLISHED
    assert (story.embargoed, story.embargo_set_by, story.embargo_set_at) == (False, None, None)


# --- locked for all but editors --------------------------------------------------------------


def test_a_reporter_bylined_on_it_cannot_edit_it_by_any_path(client, draft, editor, reporter):
    story = embargoed(draft, editor)
    base = f"/admin/articles/article/{story.pk}"
    oldest = Version.objects.get_for_object(story).order_by("pk").first()
    client.force_login(reporter)
    assert not can_edit(reporter, story)
    attempts = {
        "change form": client.post(f"{base}/change/", change_form_data(story, headline="Leak")),
        "restore": client.post(f"{base}/compare/", {"version": oldest.pk}),
        "reversion": client.post(f"{base}/history/{oldest.pk}/", change_form_data(story)),
        "share": client.post(f"{base}/workflow/share/"),
        "publish": client.post(f"{base}/workflow/publish/"),
        "lift": client.post(f"{base}/workflow/lift/"),
        "extend": client.post(f"{base}/workflow/extend/", {"at": "2099-01-01T00:00"}),
    }
    for path, response in attempts.items():
        assert response.status_code in (302, 403, 404), path
    after = Article.objects.get(pk=story.pk)
    assert (after.headline, after.version, after.publish_at) == (
        "Merger agreed",
        story.version,
        story.publish_at,
    )
    assert not Activity.objects.filter(article=story, user=reporter).exists()
    assert not PreviewLink.objects.filter(article=story, revoked_at__isnull=True).exists()
    with pytest.raises(PermissionDenied):
        workflow.restore_revision(article=story, version=oldest, by=reporter)


def test_only_editors_edit_it_even_staff_who_may_edit_any_story(draft, editor, django_user_model):
    from django.contrib.auth.models import Permission

    story = embargoed(draft, editor)
    desk = django_user_model.objects.create_user("dana", password="x", is_staff=True)
    desk.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_article", "edit_any_article"])
    )
    desk = django_user_model.objects.get(pk=desk.pk)
    assert can_edit(desk, ArticleFactory())  # any other story, published or not
    assert not can_edit(desk, story) and can_edit(editor, story)
    with time_machine.travel(story.publish_at, tick=False):
        assert can_edit(desk, story)  # the promise is kept; the story is the desk's again


def test_an_editor_edits_it_in_the_admin(editor_client, draft, editor):
    story = embargoed(draft, editor)
    response = editor_client.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(Article.objects.get(pk=story.pk), headline="Merger agreed, say sources"),
    )
    assert response.status_code == 302
    story = Article.objects.get(pk=story.pk)
    assert story.headline == "Merger agreed, say sources" and story.is_under_embargo


# --- previews ----------------------------------------------------------------------------------


def test_an_embargo_revokes_open_preview_links_and_no_new_one_can_be_made(draft, editor):
    link = workflow.share_preview(article=draft, by=editor)
    story = embargoed(draft, editor)
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert "embargo" in logged(story, Action.PREVIEW_REVOKED)[0].detail
    with pytest.raises(ValidationError, match="under embargo"):
        workflow.share_preview(article=story, by=editor)


def test_a_link_left_open_shows_nothing_while_under_embargo_and_works_after(client, draft, editor):
    story = embargoed(draft, editor)
    # A link the embargo could not reach (made in a race, restored from a backup...).
    link = PreviewLink.objects.create(
        article=story, created_by=editor, expires_at=story.publish_at + timedelta(days=1)
    )
    photos = [rendition(story.lead_photo), *_body_renditions(story)]
    from django.core import signing

    client.cookies[PREVIEW_COOKIE] = signing.dumps([link.pk], salt=PREVIEW_SALT, compress=True)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 404 and "Merger" not in response.text
    assert [client.get(url).status_code for url in photos] == [404] * len(photos)
    assert client.get(share_cards.card_url(story)).status_code == 404
    with time_machine.travel(story.publish_at + timedelta(seconds=1), tick=False):
        assert "Merger agreed" in client.get(link.get_absolute_url()).text


def _body_renditions(story) -> list[str]:
    import re

    return re.findall(r'src="(/media/renditions/[^"]+)"', story.body_html)


# --- photos ------------------------------------------------------------------------------------


def test_its_photos_reach_the_staff_only_until_the_instant(client, draft, editor, reporter):
    story = embargoed(draft, editor)
    photos = [rendition(story.lead_photo), rendition(story.lead_photo, "card")]
    photos += _body_renditions(story)
    assert len(photos) >= 3
    with time_machine.travel(story.publish_at - timedelta(seconds=1), tick=False):
        assert [client.get(url).status_code for url in photos] == [404] * len(photos)
        client.force_login(reporter)  # staff who may view the library
        assert [client.get(url).status_code for url in photos] == [200] * len(photos)
        client.logout()
    with time_machine.travel(story.publish_at + timedelta(seconds=1), tick=False):
        assert [client.get(url).status_code for url in photos] == [200] * len(photos)


# --- the admin ---------------------------------------------------------------------------------


def workflow_post(client, story, action, **data):
    return client.post(f"/admin/articles/article/{story.pk}/workflow/{action}/", data)


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_admin_embargoes_only_with_the_box_ticked(editor_client, draft):
    at = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    workflow_post(editor_client, draft, "embargo", at=local(at))
    assert not Article.objects.get(pk=draft.pk).embargoed
    response = workflow_post(editor_client, draft, "embargo", at=local(at), confirm="yes")
    assert response.status_code == 302
    story = Article.objects.get(pk=draft.pk)
    assert story.is_under_embargo and story.publish_at == at


def test_the_admin_lifts_and_extends_with_confirmation(editor_client, draft, editor):
    story = embargoed(draft, editor)
    later = (story.publish_at + timedelta(days=1)).replace(second=0)
    workflow_post(editor_client, story, "extend", at=local(later))
    workflow_post(editor_client, story, "lift")
    assert Article.objects.get(pk=story.pk).publish_at == story.publish_at  # unconfirmed
    workflow_post(editor_client, story, "extend", at=local(later), confirm="yes")
    assert Article.objects.get(pk=story.pk).publish_at == later
    workflow_post(editor_client, story, "lift", confirm="yes")
    assert Article.objects.get(pk=story.pk).is_public
    assert [a.action for a in Activity.objects.filter(article=story).order_by("at", "id")][-3:] == [
        Action.EMBARGOED,
        Action.EMBARGO_EXTENDED,
        Action.EMBARGO_LIFTED,
    ]


def test_the_change_form_and_the_list_show_the_embargo_and_who_set_it(editor_client, draft, editor):
    story = embargoed(draft, editor)
    until = timezone.localtime(story.publish_at).strftime("%a %-d %b %Y, %H:%M %Z")
    page = editor_client.get(f"/admin/articles/article/{story.pk}/change/").text
    assert "Under embargo" in page and until in page and "set by edna" in page
    assert f'datetime="{timezone.localtime(story.publish_at).isoformat()}"' in page
    assert "Lift embargo now" in page and "Extend embargo" in page
    # Nothing that would publish it, schedule it or share it.
    assert "Publish now" not in page and "Schedule for" not in page
    assert "Share a preview link" not in page
    listing = editor_client.get("/admin/articles/article/?visibility=embargoed").text
    listing = listing.replace("\u00a0", " ")  # times break only after the date
    short = local_time(story.publish_at)
    assert "Merger agreed" in listing and "Under embargo" in listing and short in listing
    assert "admin/embargo_countdown" in listing
    schedule = editor_client.get("/admin/articles/article/schedule/").text
    assert "Merger agreed" in schedule and "nr-status-embargoed" in schedule
    assert "Under embargo" in schedule  # the chip's words, as on the dashboard and the list


def test_an_embargo_whose_setter_is_gone_says_when_not_by_a_dash(editor_client, draft, editor):
    story = embargoed(draft, editor)
    Article.objects.filter(pk=story.pk).update(embargo_set_by=None)  # the account was deleted
    page = editor_client.get(f"/admin/articles/article/{story.pk}/change/").text
    assert "Embargo set " in page and "set by —" not in page and "set by edna" not in page


def test_a_reporter_sees_the_embargo_but_no_button_to_change_it(client, draft, editor, reporter):
    story = embargoed(draft, editor)
    client.force_login(reporter)
    page = client.get(f"/admin/articles/article/{story.pk}/change/").text
    assert "Under embargo" in page and "set by edna" in page
    assert "Lift embargo now" not in page and "Extend embargo" not in page
    assert 'name="_save"' not in page


def test_drafts_offer_an_embargo_beside_schedule_to_editors_only(client, draft, editor, reporter):
    client.force_login(editor)
    assert "Embargo until" in client.get(f"/admin/articles/article/{draft.pk}/change/").text
    client.force_login(reporter)
    assert "Embargo until" not in client.get(f"/admin/articles/article/{draft.pk}/change/").text


def test_a_reporter_on_a_live_story_under_embargo_cannot_post_an_update(
    client, draft, editor, reporter
):
    from django.urls import reverse

    from articles import live
    from articles.models import LiveUpdate

    Article.objects.filter(pk=draft.pk).update(story_type=Article.StoryType.LIVE)
    story = embargoed(Article.objects.get(pk=draft.pk), editor)
    client.force_login(reporter)
    url = reverse("admin:articles_article_live_update", args=[story.pk])
    author = story.bylines.get().author
    response = client.post(url, {"body": "<p>Leaked early.</p>", "author": author.pk})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        live.add_update(story=story, by=reporter, body="<p>x</p>", author=author)
    live.add_update(story=story, by=editor, body="<p>Ready at the instant.</p>", author=author)
    assert list(LiveUpdate.objects.values_list("created_by", flat=True)) == [editor.pk]
    with time_machine.travel(story.publish_at + timedelta(seconds=1), tick=False):
        story = Article.objects.get(pk=story.pk)  # public now: its reporters write it live
        live.add_update(story=story, by=reporter, body="<p>Now live.</p>", author=author)


# --- the story form's side panel ----------------------------------------------------------------


def side_panel(html: str):
    """The story form's side-panel workflow block, and the page's forms by id."""
    import lxml.html

    tree = lxml.html.fromstring(html)
    side = tree.get_element_by_id("nr-side-workflow")
    forms = {form.get("id"): form for form in tree.iter("form") if form.get("id")}
    return side, forms


def test_the_embargo_lift_and_extend_controls_sit_in_the_side_panel_each_with_its_form(
    editor_client, draft, editor
):
    story = embargoed(draft, editor)
    side, forms = side_panel(editor_client.get(f"/admin/articles/article/{story.pk}/change/").text)
    text = side.text_content()
    assert "Lift embargo now" in text and "Extend embargo" in text and "set by edna" in text
    # Each control submits its own form (forms cannot nest inside the story's form).
    lift = side.xpath(".//button[normalize-space()='Lift embargo now']")[0]
    extend = side.xpath(".//button[normalize-space()='Extend embargo']")[0]
    assert forms[lift.get("form")].get("action").endswith(f"/{story.pk}/workflow/lift/")
    assert forms[extend.get("form")].get("action").endswith(f"/{story.pk}/workflow/extend/")
    for name, form in (("confirm", lift.get("form")), ("at", extend.get("form"))):
        assert side.xpath(f".//input[@name='{name}'][@form='{form}']"), (name, form)
    # The countdown still follows the end's <time>.
    time = side.xpath(".//time[@data-embargo-until]")[0]
    assert time.getnext().get("data-embargo-countdown") is not None


def test_the_status_line_sits_in_the_side_panel_with_its_time_zone(editor_client, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    story = ArticleFactory(publish_at=timezone.now() + timedelta(days=3), authors=[AuthorFactory()])
    html = editor_client.get(f"/admin/articles/article/{story.pk}/change/").text
    side, _ = side_panel(html)
    state = side.find_class("nr-workflow-state")[0]
    text = " ".join(state.text_content().split())
    zone = timezone.localtime(story.publish_at).strftime("%Z")
    assert "Scheduled" in text and "goes live" in text and zone in text, text
    assert f"version {story.version}" in text
    time = state.xpath(".//time")[0]
    assert datetime.fromisoformat(time.get("datetime")) == story.publish_at
    assert "+00:00" not in text and "+01:00" not in text
    assert html.count("nr-workflow-state") == 1


def test_preview_links_are_shared_and_revoked_from_the_side_panel(editor_client, draft, editor):
    link = workflow.share_preview(article=draft, by=editor)
    side, forms = side_panel(editor_client.get(f"/admin/articles/article/{draft.pk}/change/").text)
    share = side.xpath(".//button[starts-with(normalize-space(), 'Share a preview link')]")[0]
    assert forms[share.get("form")].get("action").endswith(f"/{draft.pk}/workflow/share/")
    revoke = side.xpath(".//button[normalize-space()='Revoke']")[0]
    form = forms[revoke.get("form")]
    assert form.get("action").endswith(f"/{draft.pk}/workflow/revoke/")
    assert form.xpath(".//input[@name='link']")[0].get("value") == str(link.pk)
    assert side.xpath(f".//a[@href='{link.get_absolute_url()}']")
    response = editor_client.post(form.get("action"), {"link": link.pk})
    assert response.status_code == 302
    assert not PreviewLink.objects.get(pk=link.pk).is_active
