"""The live updates admin (/admin/articles/liveupdate/) shows an update only to whoever may see
its story (articles.permissions.can_view / viewable): its list, search, change page, history and
revision pages. An outside review found a reporter reading the updates of every story there,
embargoed ones included."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles import live, workflow
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

SECRET = "EMBARGOED-UPDATE-BODY"


@pytest.fixture
def embargoed_update(editor, staff_member):
    rita = staff_member("rita", "Reporter")
    story = ArticleFactory(
        headline="Secret merger headline",
        status=Article.Status.IN_REVIEW,
        publish_at=None,
        created_by=rita,
        authors=[AuthorFactory(user=rita)],
        story_type=Article.StoryType.LIVE,
    )
    until = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    story = workflow.embargo(article=story, by=editor, until=until)
    author = story.bylines.get().author
    update = live.add_update(story=story, by=editor, body=f"<p>{SECRET}</p>", author=author)
    assert not Article.objects.public().filter(pk=story.pk).exists()
    return update


def _pages(update):
    return {
        "change": reverse("admin:articles_liveupdate_change", args=[update.pk]),
        "history": reverse("admin:articles_liveupdate_history", args=[update.pk]),
        "delete": reverse("admin:articles_liveupdate_delete", args=[update.pk]),
    }


def test_another_reporter_finds_no_update_of_a_story_hidden_from_him(
    client, staff_member, embargoed_update
):
    client.force_login(staff_member("otto", "Reporter"))
    changelist = reverse("admin:articles_liveupdate_changelist")
    listed = client.get(changelist)
    assert listed.status_code == 200
    assert embargoed_update not in listed.context["cl"].result_list
    assert b"Secret merger headline" not in listed.content
    searched = client.get(changelist, {"q": SECRET})
    assert list(searched.context["cl"].result_list) == []
    for name, url in _pages(embargoed_update).items():
        response = client.get(url)
        assert response.status_code in (302, 403, 404), name
        assert SECRET not in response.text and "Secret merger" not in response.text, name


def test_no_revision_page_of_a_hidden_update(client, staff_member, embargoed_update):
    from reversion.models import Version

    version = Version.objects.get_for_object(embargoed_update).first()
    assert version is not None
    client.force_login(staff_member("otto", "Reporter"))
    url = reverse("admin:articles_liveupdate_revision", args=[embargoed_update.pk, version.pk])
    for response in (client.get(url), client.post(url, {"body": "<p>x</p>"})):
        assert response.status_code in (302, 403, 404)
        assert SECRET not in response.text


def test_the_reporter_on_the_embargoed_story_reads_but_cannot_change_its_update(
    client, embargoed_update
):
    # Under embargo only editors change a story (can_edit); its own reporter still sees it.
    rita = embargoed_update.story.created_by
    client.force_login(rita)
    listed = client.get(reverse("admin:articles_liveupdate_changelist"))
    assert embargoed_update in listed.context["cl"].result_list
    response = client.get(_pages(embargoed_update)["change"])
    assert response.status_code == 200
    assert SECRET in response.text
    assert not response.context["has_change_permission"]


def test_an_editor_still_reads_and_corrects_every_update(editor_client, embargoed_update):
    listed = editor_client.get(reverse("admin:articles_liveupdate_changelist"), {"q": SECRET})
    assert list(listed.context["cl"].result_list) == [embargoed_update]
    pages = _pages(embargoed_update)
    assert editor_client.get(pages["history"]).status_code == 200
    response = editor_client.get(pages["change"])
    assert response.status_code == 200 and response.context["has_change_permission"]


def test_a_reporter_opening_an_update_read_only_gets_the_page(editor, staff_member):
    rita = staff_member("rita", "Reporter")
    story = ArticleFactory(
        status=Article.Status.PUBLISHED,
        story_type=Article.StoryType.LIVE,
        authors=[AuthorFactory(user=rita)],
        created_by=rita,
    )
    update = live.add_update(
        story=story, by=editor, body="<p>Read only</p>", author=story.bylines.get().author
    )
    client = Client(raise_request_exception=False)
    client.force_login(rita)
    response = client.get(_pages(update)["change"])
    assert response.status_code == 200
    assert "Read only" in response.text


def test_changing_an_update_needs_the_right_to_change_its_story(editor, staff_member):
    """live.edit_update / delete_update, every path's way in, ask can_edit of the story too."""
    from django.contrib.auth.models import Permission
    from django.core.exceptions import PermissionDenied

    story = ArticleFactory(status=Article.Status.PUBLISHED, story_type=Article.StoryType.LIVE)
    update = live.add_update(story=story, by=editor, body="<p>Was</p>", author=AuthorFactory())
    # A reporter given the model permissions to change and delete updates, but not the story.
    otto = staff_member("otto", "Reporter")
    otto.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_liveupdate", "delete_liveupdate"])
    )
    otto = type(otto).objects.get(pk=otto.pk)
    update.body = "<p>Changed</p>"
    with pytest.raises(PermissionDenied):
        live.edit_update(update=update, by=otto)
    with pytest.raises(PermissionDenied):
        live.delete_update(update=update, by=otto)
    update.refresh_from_db()
    assert "Was" in update.body
