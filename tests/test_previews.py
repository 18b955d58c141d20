"""Previews: staff see any story in its public layout; shared links expire and can be revoked."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from articles import workflow
from articles.models import Activity, Article, Photo, PreviewLink
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.test_media import rendition, status

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model, roles):
    user = django_user_model.objects.create_user("ed", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def draft():
    return ArticleFactory(
        headline="Embargoed fab story",
        status=Article.Status.DRAFT,
        publish_at=None,
        authors=[AuthorFactory()],
    )


def test_staff_preview_any_story_in_its_public_layout_marked_and_private(client, editor, draft):
    client.force_login(editor)
    response = client.get(f"/preview/{draft.pk}/")
    assert response.status_code == 200
    assert "Embargoed fab story" in response.text
    assert 'class="preview-banner"' in response.text and "Draft: not public." in response.text
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_readers_cannot_use_the_staff_preview(client, draft):
    response = client.get(f"/preview/{draft.pk}/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_shared_preview_link_works_without_an_account_until_it_expires(client, editor, draft):
    link = workflow.share_preview(article=draft, by=editor)
    url = link.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200 and "Embargoed fab story" in response.text
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    with time_machine.travel(timezone.now() + timedelta(hours=47, minutes=59)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=48, minutes=1)):
        gone = client.get(url)
        assert gone.status_code == 410 and "expired" in gone.text


def test_a_revoked_preview_link_is_gone(client, editor, draft):
    link = workflow.share_preview(article=draft, by=editor)
    workflow.revoke_preview(link=link, by=editor)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410 and "withdrawn" in response.text


def test_forged_or_garbled_preview_tokens_are_not_found(client, editor, draft):
    link = workflow.share_preview(article=draft, by=editor)
    token = link.token
    assert client.get(f"/preview/s/{token[:-2]}xx/").status_code == 404
    assert client.get("/preview/s/not-a-token/").status_code == 404
    assert client.get(f"/preview/s/{PreviewLink(pk=link.pk + 1).token}/").status_code == 404


def test_a_preview_link_keeps_one_address(editor, draft, time_machine):
    link = workflow.share_preview(article=draft, by=editor)
    first = link.get_absolute_url()
    time_machine.move_to(timezone.now() + timedelta(minutes=5))
    assert link.get_absolute_url() == first


def test_sharing_and_revoking_through_the_admin(client, editor, draft):
    client.force_login(editor)
    client.post(f"/admin/articles/article/{draft.pk}/workflow/share/")
    link = PreviewLink.objects.get(article=draft)
    page = client.get(f"/admin/articles/article/{draft.pk}/change/").text
    assert link.get_absolute_url() in page
    client.post(f"/admin/articles/article/{draft.pk}/workflow/revoke/", {"link": link.pk})
    link.refresh_from_db()
    assert link.revoked_at is not None


# A takedown closes the story's shared links too: nobody outside keeps reading it.
@pytest.fixture
def live_story(editor):
    photo = PhotoFactory()
    return ArticleFactory(headline="Story legal wants down", lead_photo=photo)


def unpublish(article, by):
    workflow.unpublish(article=article, by=by)


def trash(article, by):
    workflow.trash(article=article, by=by)


@pytest.mark.parametrize("takedown", [unpublish, trash])
def test_unpublishing_or_trashing_revokes_open_preview_links_and_says_so(
    client, editor, live_story, takedown
):
    link = workflow.share_preview(article=live_story, by=editor)
    assert client.get(link.get_absolute_url()).status_code == 200
    photo = rendition(live_story.lead_photo)
    assert status(client, photo) == 200
    takedown(Article.objects.get(pk=live_story.pk), editor)
    link.refresh_from_db()
    assert link.revoked_at is not None
    gone = client.get(link.get_absolute_url())
    assert gone.status_code in (404, 410) and "Story legal wants down" not in gone.text
    assert status(client, photo) == 404
    logged = Activity.objects.filter(article=live_story, action=Activity.Action.PREVIEW_REVOKED)
    assert logged.get().user == editor


@pytest.mark.parametrize(
    "state",
    [{"status": Article.Status.UNPUBLISHED}, {"deleted_at": timezone.now()}],
    ids=["unpublished", "trashed"],
)
def test_a_shared_link_never_shows_a_story_taken_down(client, editor, live_story, state):
    """Defence in depth: even a link left open (a takedown written by a script) shows
    neither the story nor its photos."""
    link = workflow.share_preview(article=live_story, by=editor)
    assert client.get(link.get_absolute_url()).status_code == 200
    Article.objects.filter(pk=live_story.pk).update(**state)
    gone = client.get(link.get_absolute_url())
    assert gone.status_code in (404, 410) and "Story legal wants down" not in gone.text
    assert status(client, rendition(live_story.lead_photo)) == 404


def test_a_shared_preview_never_serves_a_photo_whose_rights_ran_out(client, editor, draft):
    photo = PhotoFactory()
    Article.objects.filter(pk=draft.pk).update(lead_photo=photo)
    link = workflow.share_preview(article=draft, by=editor)
    assert client.get(link.get_absolute_url()).status_code == 200
    assert status(client, rendition(photo)) == 200
    Photo.objects.filter(pk=photo.pk).update(
        rights_expire_on=timezone.localdate() - timedelta(days=1)
    )
    assert status(client, rendition(photo)) == 404
