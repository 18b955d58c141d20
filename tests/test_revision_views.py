"""django-reversion's own admin views (history/<version>, recover, recoverlist) and any other
path that writes a story: workflow state changes only through articles.workflow.

Each attack here was carried out against the admin: a reporter unpublished their story, a
bylined reporter took a story out of the trash, an editor put a story back live with a lead
photo whose rights had expired. Nothing was logged and the version went backwards.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reversion.models import Version

from articles import history, workflow
from articles.models import Activity, Article, StateChangeRefused
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.test_workflow import change_form_data

pytestmark = pytest.mark.django_db

Status = Article.Status


@pytest.fixture
def people(staff_member):
    make = staff_member
    return {"reporter": make("rita", "Reporter"), "editor": make("edna", "Editor")}


def state(story):
    story = Article.objects.get(pk=story.pk)
    return (story.status, story.publish_at, story.deleted_at, story.version)


def oldest_version(story):
    return Version.objects.get_for_object(story).order_by("pk").first()


def revert_post(client, url, story, version):
    """What the revision form posts back: the old revision's own fields, as rendered."""
    data = version.field_dict
    old = Article(**{k: v for k, v in data.items() if k in ("headline", "slug", "dek", "body")})
    old.section_id, old.teaser, old.lead_photo_id = data["section_id"], "", data["lead_photo_id"]
    old.version = data["version"]
    return client.post(url, {**change_form_data(old), "confirmed": "yes"})


@pytest.fixture
def published_by_reporter(people):
    """A reporter's story: drafted, submitted by the reporter, published by an editor."""
    author = AuthorFactory(user=people["reporter"])
    story = ArticleFactory(
        status=Status.DRAFT, publish_at=None, created_by=people["reporter"], authors=[author]
    )
    workflow.submit(article=story, by=people["reporter"])
    workflow.publish(article=story, by=people["editor"])
    return story


@pytest.mark.parametrize("route", ["history", "recover"])
def test_a_reporter_cannot_unpublish_through_an_old_revision(
    client, people, route, published_by_reporter
):
    story = published_by_reporter
    before = state(story)
    old = oldest_version(story)
    assert old.field_dict["status"] == Status.DRAFT
    client.force_login(people["reporter"])
    url = {
        "history": f"/admin/articles/article/{story.pk}/history/{old.pk}/",
        "recover": f"/admin/articles/article/recover/{old.pk}/",
    }[route]
    client.get(url)
    revert_post(client, url, story, old)
    assert state(story) == before
    assert (
        not Activity.objects.filter(article=story, user=people["reporter"])
        .exclude(action="submitted")
        .exists()
    )


def test_a_bylined_reporter_cannot_take_a_story_out_of_the_trash(client, people):
    author = AuthorFactory(user=people["reporter"])
    story = ArticleFactory(status=Status.DRAFT, publish_at=None, authors=[author])
    workflow.submit(article=story, by=people["reporter"])
    workflow.trash(article=story, by=people["editor"])
    before = state(story)
    assert before[2] is not None
    client.force_login(people["reporter"])
    for old in Version.objects.get_for_object(story):
        for url in (
            f"/admin/articles/article/{story.pk}/history/{old.pk}/",
            f"/admin/articles/article/recover/{old.pk}/",
        ):
            client.get(url)
            revert_post(client, url, story, old)
    assert state(story) == before


def test_an_editor_cannot_put_a_story_back_live_with_an_expired_photo(client, people):
    editor = people["editor"]
    photo = PhotoFactory()
    story = ArticleFactory(
        status=Status.DRAFT, publish_at=None, lead_photo=photo, authors=[AuthorFactory()]
    )
    workflow.publish(article=story, by=editor)
    workflow.unpublish(article=story, by=editor)
    photo.rights_expire_on = timezone.localdate() - timedelta(days=1)
    photo.save()
    published = next(
        v for v in history.versions_of(story) if v.field_dict["status"] == Status.PUBLISHED
    )
    client.force_login(editor)
    client.post(f"/admin/articles/article/{story.pk}/workflow/publish/")
    before = state(story)
    assert before[0] == Status.UNPUBLISHED  # Publish refused it
    url = f"/admin/articles/article/{story.pk}/history/{published.pk}/"
    client.get(url)
    revert_post(client, url, story, published)
    after = state(story)
    assert after[:3] == before[:3] and after[3] >= before[3]
    assert not Article.objects.public().filter(pk=story.pk).exists()


def test_restoring_words_cannot_put_an_expired_photo_on_a_live_story(client, people):
    editor = people["editor"]
    expired, fresh = PhotoFactory(), PhotoFactory()
    story = ArticleFactory(
        status=Status.DRAFT, publish_at=None, lead_photo=expired, authors=[AuthorFactory()]
    )
    workflow.publish(article=story, by=editor)
    story.lead_photo = fresh
    workflow.touch(article=story, by=editor, comment="new photo")
    expired.rights_expire_on = timezone.localdate() - timedelta(days=1)
    expired.save()
    old = next(v for v in history.versions_of(story) if v.field_dict["lead_photo_id"] == expired.pk)
    before = state(story)
    client.force_login(editor)
    for url in (
        f"/admin/articles/article/{story.pk}/history/{old.pk}/",
        f"/admin/articles/article/{story.pk}/compare/",
    ):
        response = client.post(url, {"version": old.pk, "confirmed": "yes"}, follow=True)
        assert "rights expired" in response.text
    assert state(story) == before
    assert Article.objects.get(pk=story.pk).lead_photo == fresh


def test_an_old_revision_restores_words_through_the_workflow_logged_and_the_version_grows(
    client, people, published_by_reporter
):
    story = published_by_reporter
    editor = people["editor"]
    old = oldest_version(story)
    story.refresh_from_db()
    story.headline = "A newer headline"
    workflow.touch(article=story, by=editor, comment="edit")
    before = state(story)
    client.force_login(editor)
    url = f"/admin/articles/article/{story.pk}/history/{old.pk}/"
    assert client.get(url).status_code in (200, 302)
    response = revert_post(client, url, story, old)
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.headline == old.field_dict["headline"]
    assert (story.status, story.publish_at, story.deleted_at) == before[:3]
    assert story.version > before[3]
    assert Activity.objects.filter(article=story, action="reverted", user=editor).exists()


def test_the_recover_list_is_closed(client, people):
    client.force_login(people["editor"])
    assert client.get("/admin/articles/article/recover/").status_code in (403, 404)


def test_reverting_a_revision_in_code_cannot_change_the_state_or_lower_the_version(people):
    story = ArticleFactory(status=Status.DRAFT, publish_at=None, authors=[AuthorFactory()])
    workflow.publish(article=story, by=people["editor"])
    before = state(story)
    with pytest.raises(StateChangeRefused):
        oldest_version(story).revision.revert()
    assert state(story) == before


def test_a_plain_save_cannot_change_the_workflow_state(people):
    story = ArticleFactory(status=Status.DRAFT, publish_at=None)
    for field, value in [
        ("status", Status.PUBLISHED),
        ("publish_at", timezone.now()),
        ("deleted_at", timezone.now()),
    ]:
        copy = Article.objects.get(pk=story.pk)
        setattr(copy, field, value)
        with pytest.raises(StateChangeRefused):
            copy.save()
    assert state(story) == (Status.DRAFT, None, None, 1)
    assert issubclass(StateChangeRefused, PermissionDenied)


def test_restoring_a_revision_whose_slug_another_story_took_says_so(client, people):
    editor = people["editor"]
    story = ArticleFactory(slug="fab-opens", authors=[AuthorFactory()])
    old = history.versions_of(story) or None
    story.slug = "fab-opens-in-may"
    workflow.touch(article=story, by=editor, comment="new slug")
    old = oldest_version(story)
    ArticleFactory(slug="fab-opens")
    before = state(story)
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{story.pk}/compare/",
        {"version": old.pk, "confirmed": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "fab-opens" in response.text and "another story" in response.text
    assert state(story) == before
    assert Article.objects.get(pk=story.pk).slug == "fab-opens-in-may"


def test_the_change_form_cannot_put_an_expired_photo_on_a_live_story(client, people):
    editor = people["editor"]
    expired = PhotoFactory(rights_expire_on=timezone.localdate() - timedelta(days=1))
    story = ArticleFactory(authors=[AuthorFactory()])
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(story, lead_photo=expired.pk),
    )
    assert response.status_code == 200 and "rights expired" in response.text
    assert Article.objects.get(pk=story.pk).lead_photo is None
    # A draft may carry it: Publish will refuse it then.
    draft = ArticleFactory(status=Status.DRAFT, publish_at=None)
    response = client.post(
        f"/admin/articles/article/{draft.pk}/change/",
        change_form_data(draft, lead_photo=expired.pk),
    )
    assert response.status_code == 302


def test_an_edit_through_the_admin_is_logged_with_the_fields_it_changed(client, people):
    editor = people["editor"]
    story = ArticleFactory(authors=[AuthorFactory()])
    client.force_login(editor)
    client.post(
        f"/admin/articles/article/{story.pk}/change/",
        change_form_data(story, headline="A sharper headline", dek="A new dek"),
    )
    entry = Activity.objects.get(article=story, user=editor)
    assert entry.action == Activity.Action.EDITED
    assert entry.detail == "headline, dek"


def an_old_revision_naming(story, editor, *, photo, section):
    """The story's first revision shows ``photo`` in ``section``; it has moved on since, and
    both were then deleted from the library."""
    Article.objects.filter(pk=story.pk).update(lead_photo=photo, section=section)
    story = Article.objects.get(pk=story.pk)
    workflow.touch(article=story, by=editor, comment="with the old photo and section")
    old = Version.objects.get_for_object(story).order_by("-pk").first()
    story.lead_photo, story.section = None, SectionFactory()
    workflow.touch(article=story, by=editor, comment="moved on")
    return old


@pytest.mark.parametrize("gone", ["photo", "section", "both"])
@pytest.mark.parametrize("status", [Status.DRAFT, Status.PUBLISHED])
def test_restoring_a_revision_whose_photo_or_section_was_deleted_says_so(
    client, people, gone, status
):
    editor = people["editor"]
    story = ArticleFactory(status=status, authors=[AuthorFactory()])
    photo, section = PhotoFactory(), SectionFactory()
    old = an_old_revision_naming(story, editor, photo=photo, section=section)
    if gone in ("photo", "both"):
        photo.delete()
    if gone in ("section", "both"):
        section.delete()
    before = state(story)
    client.force_login(editor)
    response = client.post(
        f"/admin/articles/article/{story.pk}/compare/",
        {"version": old.pk, "confirmed": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "no longer exists" in response.text and "Nothing was restored" in response.text
    assert state(story) == before
    assert not Activity.objects.filter(article=story, action=Activity.Action.REVERTED).exists()
