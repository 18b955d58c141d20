"""The editorial workflow: roles enforced on the server, transitions, schedule, trash, log."""

import importlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles import workflow
from articles.models import Activity, Article, Byline, Correction, StaleEdit
from events import jobs
from newsroom.roles import ROLES
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def staff(django_user_model, roles):
    def make(role: str | None, username: str | None = None):
        user = django_user_model.objects.create_user(
            username or (role or "nobody").lower().replace(" ", "-"), password="x", is_staff=True
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


def change_form_data(story, **changes):
    data = {
        "headline": story.headline,
        "slug": story.slug,
        "dek": story.dek,
        "section": story.section_id,
        "body": story.body,
        "teaser": story.teaser,
        "lead_photo": story.lead_photo_id or "",
        "tags": [],
        "new_tags": "",
        "loaded_version": story.version,
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "corrections-MIN_NUM_FORMS": "0",
        "corrections-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def edit(client, story):
    response = client.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(story, headline="Edited headline"),
    )
    story.refresh_from_db()
    return response.status_code == 302 and story.headline == "Edited headline"


def workflow_post(client, story, action, **data):
    response = client.post(f"/admin/articles/article/{story.pk}/workflow/{action}/", data)
    story.refresh_from_db()
    return response


def draft_by(user):
    return ArticleFactory(
        status=Status.DRAFT, publish_at=None, created_by=user, authors=[AuthorFactory()]
    )


# Each action as an editor would do it through the admin's own URLs; True when it took effect.
def act(action, client, user, other):
    if action == "see the story list":
        return client.get("/admin/articles/article/").status_code == 200
    if action == "start a story":
        return client.get("/admin/articles/article/add/").status_code == 200
    if action == "edit own draft":
        return edit(client, draft_by(user))
    if action == "edit someone else's draft":
        return edit(client, draft_by(other))
    if action == "edit a published story":
        return edit(client, ArticleFactory(created_by=user, authors=[AuthorFactory()]))
    if action == "submit own draft":
        story = draft_by(user)
        workflow_post(client, story, "submit")
        return story.status == Status.IN_REVIEW
    if action == "publish":
        story = draft_by(other)
        workflow_post(client, story, "publish")
        return story.is_public
    if action == "schedule":
        story = draft_by(other)
        at = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        workflow_post(client, story, "schedule", at=at)
        return story.is_scheduled
    if action == "unpublish":
        story = ArticleFactory(authors=[AuthorFactory()])
        workflow_post(client, story, "unpublish", confirmed="yes")  # past "Take it off?"
        return story.status == Status.UNPUBLISHED
    if action == "move to trash":
        story = ArticleFactory()
        client.post(f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"})
        story.refresh_from_db()
        return story.deleted_at is not None
    if action == "restore from trash":
        story = ArticleFactory(deleted_at=timezone.now())
        client.post(
            "/admin/articles/trashedarticle/",
            {"action": "restore_selected", "_selected_action": [story.pk]},
        )
        story.refresh_from_db()
        return story.deleted_at is None
    if action == "add a correction":
        story = ArticleFactory(authors=[AuthorFactory()])
        data = change_form_data(
            story,
            **{
                "corrections-TOTAL_FORMS": "1",
                "corrections-0-kind": "correction",
                "corrections-0-published_at_0": "2026-11-29",
                "corrections-0-published_at_1": "10:00",
                "corrections-0-text": "An earlier version misstated the capacity.",
            },
        )
        client.post(f"/admin/articles/article/{story.pk}/change/", data)
        return Correction.objects.filter(article=story).exists()
    if action == "manage sections":
        return client.get("/admin/articles/section/add/").status_code == 200
    if action == "manage photos":
        return client.get("/admin/articles/photo/add/").status_code == 200
    if action == "manage users":
        return client.get("/admin/auth/user/add/").status_code == 200
    if action == "read the activity log":
        return client.get("/admin/articles/activity/").status_code == 200
    raise AssertionError(action)


MATRIX = {
    #                           Reporter  Editor  Photo editor  Admin
    "see the story list":        (True,   True,   True,         False),
    "start a story":             (True,   True,   False,        False),
    "edit own draft":            (True,   True,   False,        False),
    "edit someone else's draft": (False,  True,   False,        False),
    "edit a published story":    (False,  True,   False,        False),
    "submit own draft":          (True,   True,   False,        False),
    "publish":                   (False,  True,   False,        False),
    "schedule":                  (False,  True,   False,        False),
    "unpublish":                 (False,  True,   False,        False),
    "move to trash":             (False,  True,   False,        False),
    "restore from trash":        (False,  True,   False,        False),
    "add a correction":          (False,  True,   False,        False),
    "manage sections":           (False,  True,   False,        False),
    "manage photos":             (True,   True,   True,         False),
    "manage users":              (False,  False,  False,        True),
    "read the activity log":     (False,  True,   False,        False),
}  # fmt: skip
ROLE_COLUMNS = ["Reporter", "Editor", "Photo editor", "Admin"]


@pytest.mark.parametrize("action", MATRIX)
@pytest.mark.parametrize("role", ROLE_COLUMNS)
def test_role_by_action_matrix(client, staff, role, action):
    user = staff(role)
    other = staff(None, username="someone-else")
    client.force_login(user)
    assert act(action, client, user, other) is MATRIX[action][ROLE_COLUMNS.index(role)]


def test_a_reporter_posting_a_publish_directly_is_refused(client, staff):
    reporter = staff("Reporter")
    story = draft_by(reporter)
    client.force_login(reporter)
    response = workflow_post(client, story, "publish")
    assert response.status_code == 403
    assert story.status == Status.DRAFT
    assert not Activity.objects.filter(action=Activity.Action.PUBLISHED).exists()


def test_a_reporter_cannot_publish_through_the_change_form(client, staff):
    reporter = staff("Reporter")
    story = draft_by(reporter)
    client.force_login(reporter)
    data = change_form_data(
        story, status="published", publish_at_0="2026-01-01", publish_at_1="09:00"
    )
    client.post(f"/admin/articles/article/{story.pk}/change/", data)
    story.refresh_from_db()
    assert story.status == Status.DRAFT and story.publish_at is None


def test_a_reporter_sees_their_own_stories_and_published_ones_only(client, staff):
    reporter = staff("Reporter")
    mine, other = draft_by(reporter), draft_by(staff(None, "other"))
    author = AuthorFactory(user=reporter)
    bylined = ArticleFactory(status=Status.DRAFT, publish_at=None, authors=[author])
    live = ArticleFactory()
    client.force_login(reporter)
    listed = set(client.get("/admin/articles/article/").context["cl"].result_list)
    assert listed == {mine, bylined, live} and other not in listed
    assert edit(client, bylined)


def test_transitions_are_validated_in_the_model():
    story = ArticleFactory(status=Status.DRAFT, publish_at=None)
    with pytest.raises(ValidationError, match="draft cannot become unpublished"):
        story.transition_to(Status.UNPUBLISHED)
    story.transition_to(Status.IN_REVIEW)
    with pytest.raises(ValidationError):
        story.transition_to(Status.UNPUBLISHED)


def test_every_step_is_recorded_with_who_and_when(staff):
    editor = staff("Editor")
    story = ArticleFactory(status=Status.DRAFT, publish_at=None, authors=[AuthorFactory()])
    with time_machine.travel("2026-11-29 09:00:00+00:00", tick=False):
        workflow.submit(article=story, by=editor)
        workflow.publish(article=story, by=editor)
        workflow.unpublish(article=story, by=editor)
        workflow.return_to_draft(article=story, by=editor)
    log = list(Activity.objects.filter(article=story).order_by("id"))
    assert [entry.action for entry in log] == ["submitted", "published", "unpublished", "returned"]
    assert {entry.user for entry in log} == {editor}
    assert {entry.at.isoformat() for entry in log} == {"2026-11-29T09:00:00+00:00"}


def test_a_story_without_an_author_or_body_cannot_be_published(staff):
    story = ArticleFactory(status=Status.DRAFT, publish_at=None, body="")
    with pytest.raises(ValidationError) as refused:
        workflow.publish(article=story, by=staff("Editor"))
    assert set(refused.value.messages) == {"The story has no body.", "The story has no author."}


def test_scheduling_into_the_past_is_refused(staff):
    story = draft_by(staff("Reporter"))
    with pytest.raises(ValidationError, match="in the future"):
        workflow.schedule(
            article=story, by=staff("Editor"), at=timezone.now() - timedelta(minutes=1)
        )


def test_a_scheduled_story_goes_live_at_its_minute_on_every_surface(client, staff):
    editor = staff("Editor")
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False) as traveller:
        story = ArticleFactory(
            status=Status.DRAFT, publish_at=None, authors=[AuthorFactory(slug="jo")], tags=["fabs"]
        )
        workflow.schedule(article=story, by=editor, at=now + timedelta(minutes=1))
        pages = ["/", f"/{story.section.slug}/", "/authors/jo/"]
        assert client.get(story.get_absolute_url()).status_code == 404
        assert all(story.headline not in client.get(url).text for url in pages)
        traveller.move_to(now + timedelta(minutes=1))
        assert client.get(story.get_absolute_url()).status_code == 200
        assert all(story.headline in client.get(url).text for url in [*pages, "/tags/fabs/"])


def test_the_schedule_page_lists_the_next_seven_days_by_day(client, staff):
    client.force_login(staff("Editor"))
    now = timezone.now()
    soon = ArticleFactory(headline="Goes live tomorrow", publish_at=now + timedelta(days=1))
    ArticleFactory(headline="Goes live in eight days", publish_at=now + timedelta(days=8))
    ArticleFactory(headline="Already live", publish_at=now - timedelta(hours=1))
    response = client.get("/admin/articles/article/schedule/")
    days = response.context["days"]
    assert [[s.headline for s in stories] for _, stories in days] == [[soon.headline]]
    assert days[0][0] == timezone.localdate(soon.publish_at)


def test_trash_hides_a_story_everywhere_and_restores_within_thirty_days(client, staff):
    editor = staff("Editor")
    story = ArticleFactory(headline="Soon in the trash")
    workflow.trash(article=story, by=editor)
    assert client.get(story.get_absolute_url()).status_code == 404
    assert "Soon in the trash" not in client.get("/").text
    client.force_login(editor)
    assert story not in client.get("/admin/articles/article/").context["cl"].result_list
    assert story in client.get("/admin/articles/trashedarticle/").context["cl"].result_list
    workflow.restore(article=story, by=editor)
    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_trash_empties_itself_after_thirty_days(client, staff):
    """The clock's hourly job deletes for good; the trash page only lists what can still be
    restored, whether the job has run yet or not (opening it deletes nothing)."""
    editor = staff("Editor")
    story = ArticleFactory()
    workflow.trash(article=story, by=editor)
    trash_page = "/admin/articles/trashedarticle/"
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        client.force_login(editor)
        jobs.purge_trash()
        assert Article.objects.filter(pk=story.pk).exists()
        assert story in client.get(trash_page).context["cl"].result_list
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        with pytest.raises(ValidationError):
            workflow.restore(article=story, by=editor)
        client.force_login(editor)
        assert story not in client.get(trash_page).context["cl"].result_list
        assert Article.objects.filter(pk=story.pk).exists()
        jobs.purge_trash()
        assert not Article.objects.filter(pk=story.pk).exists()
    assert Activity.objects.filter(action="purged", headline=story.headline).exists()


def test_only_editors_may_trash(staff):
    with pytest.raises(PermissionDenied):
        workflow.trash(article=ArticleFactory(), by=staff("Reporter"))


def test_a_stale_save_is_refused_by_the_database_update_itself():
    story = ArticleFactory()
    first, second = Article.objects.get(pk=story.pk), Article.objects.get(pk=story.pk)
    first.headline = "First"
    first.save()
    second.headline = "Second"
    with pytest.raises(StaleEdit):
        second.save()
    story.refresh_from_db()
    assert story.headline == "First" and story.version == 2


def test_sections_keep_their_old_address_when_renamed(client, staff):
    client.force_login(staff("Editor"))
    section = SectionFactory(slug="gadgets", name="Gadgets")
    story = ArticleFactory(section=section)
    client.post(
        f"/admin/articles/section/{section.pk}/change/",
        {"name": "Devices", "slug": "devices", "description": "", "order": 0},
    )
    client.logout()
    assert client.get("/gadgets/").headers["Location"] == "/devices/"
    response = client.get(f"/gadgets/{story.slug}/")
    assert response.status_code == 301 and response.headers["Location"] == f"/devices/{story.slug}/"


def test_the_latest_roles_migration_matches_the_roles_table():
    latest = importlib.import_module("newsroom.migrations.0008_live_update_roles")
    assert latest.ROLES == ROLES


def test_each_role_has_exactly_its_permissions(roles):
    for role, grants in ROLES.items():
        expected = {
            f"{model.split('.')[0]}.{action}_{model.split('.')[1]}"
            for model, actions in grants.items()
            for action in actions
        }
        group = Group.objects.get(name=role)
        actual = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert actual == expected, role


def test_a_lost_role_comes_back_on_the_next_migrate():
    from django.core.management import call_command

    Group.objects.filter(name="Editor").delete()
    call_command("migrate", verbosity=0)
    assert Group.objects.get(name="Editor").permissions.filter(codename="publish_article").exists()


def test_an_empty_unbylined_story_cannot_be_submitted_for_review(staff):
    reporter = staff("Reporter")
    story = ArticleFactory(
        status=Status.DRAFT, publish_at=None, created_by=reporter, headline=" ", body="<p> </p>"
    )
    with pytest.raises(ValidationError) as refused:
        workflow.submit(article=story, by=reporter)
    assert set(refused.value.messages) == {
        "The story has no headline.",
        "The story has no body.",
        "The story has no author.",
    }
    assert Article.objects.get(pk=story.pk).status == Status.DRAFT
    story.headline, story.body = "Fab opens", "<p>Words.</p>"
    story.save()
    Byline.objects.create(article=story, author=AuthorFactory(), position=0)
    workflow.submit(article=story, by=reporter)
    assert Article.objects.get(pk=story.pk).status == Status.IN_REVIEW
