"""A photo the app stops serving is purged from the CDN by the event that took it down: a
live update's photo (its update deleted or changed, its story unpublished) and an author's
headshot (their only public story unpublished, their byline taken off). Each is served with
Surrogate-Control max-age=86400, so a photo the event does not name stays a day on the CDN."""

import pytest

from articles import live, workflow
from articles.models import Article
from events.models import Event, Kind
from newsroom.surrogate import keys_for_event
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory
from tests.test_media import rendition

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_story(editor, settings):
    settings.NEWSROOM_CDN_PURGE = "varnish"
    story = ArticleFactory(
        story_type=Article.StoryType.LIVE, lead_photo=None, authors=[AuthorFactory()]
    )
    photo = PhotoFactory()  # shown only by the live update
    update = live.add_update(
        story=story, by=editor, body="<p>Scene</p>", photo=photo, author=story.bylines.get().author
    )
    return story, photo, update


def served_for_a_day(client, photo) -> None:
    answer = client.get(rendition(photo))
    assert answer.status_code == 200
    assert f"photo-{photo.pk}" in answer["Surrogate-Key"].split()
    assert answer["Surrogate-Control"] == "max-age=86400"


def taken_down_and_purged(client, photo, story, kind) -> None:
    assert client.get(rendition(photo)).status_code == 404
    event = Event.objects.filter(article=story, kind=kind).latest("pk")
    assert f"photo-{photo.pk}" in keys_for_event(event)


def test_deleting_a_live_update_purges_its_photo(client, editor, live_story):
    story, photo, update = live_story
    served_for_a_day(client, photo)
    live.delete_update(update=update, by=editor)
    taken_down_and_purged(client, photo, story, Kind.STORY_UPDATED)


def test_taking_the_photo_off_a_live_update_purges_it(client, editor, live_story):
    story, photo, update = live_story
    served_for_a_day(client, photo)
    update.photo = None
    live.edit_update(update=update, by=editor)
    taken_down_and_purged(client, photo, story, Kind.STORY_UPDATED)


def test_an_edit_that_keeps_the_photo_does_not_purge_it(client, editor, live_story):
    story, photo, update = live_story
    update.body = "<p>Scene, corrected</p>"
    live.edit_update(update=update, by=editor)
    event = Event.objects.filter(article=story, kind=Kind.STORY_UPDATED).latest("pk")
    assert f"photo-{photo.pk}" not in keys_for_event(event)
    assert client.get(rendition(photo)).status_code == 200


def test_unpublishing_a_live_story_purges_its_updates_photos(client, editor, live_story):
    story, photo, update = live_story
    served_for_a_day(client, photo)
    workflow.unpublish(article=Article.objects.get(pk=story.pk), by=editor)
    taken_down_and_purged(client, photo, story, Kind.STORY_UNPUBLISHED)


def test_unpublishing_an_authors_only_story_purges_their_headshot(client, editor, settings):
    settings.NEWSROOM_CDN_PURGE = "varnish"
    headshot = PhotoFactory()
    story = ArticleFactory(lead_photo=None, authors=[AuthorFactory(headshot=headshot)])
    served_for_a_day(client, headshot)
    workflow.unpublish(article=Article.objects.get(pk=story.pk), by=editor)
    taken_down_and_purged(client, headshot, story, Kind.STORY_UNPUBLISHED)
