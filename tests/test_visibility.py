"""The one visibility rule: Published and the publish time has come, on every public page."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
WHEN = {"past": NOW - timedelta(days=1), "now": NOW, "future": NOW + timedelta(minutes=1)}
CASES = [
    (status, when, status == Article.Status.PUBLISHED and when != "future")
    for status in Article.Status.values
    for when in WHEN
]


def story_in_state(status, when):
    author = AuthorFactory(slug="the-author")
    return ArticleFactory(
        status=status,
        publish_at=WHEN[when],
        headline=f"Story that is {status} with a {when} time",
        slug=f"story-{status}-{when}",
        authors=[author],
        tags=["chips"],
    )


def public_pages(story):
    return [
        "/",
        f"/{story.section.slug}/",
        "/authors/the-author/",
        "/tags/chips/",
    ]


@pytest.mark.parametrize(("status", "when", "public"), CASES)
def test_public_is_exactly_published_and_due(status, when, public):
    with time_machine.travel(NOW, tick=False):
        story = story_in_state(status, when)
        assert Article.objects.public().filter(pk=story.pk).exists() is public
        assert story.is_public is public


@pytest.mark.parametrize(("status", "when", "public"), CASES)
def test_every_public_page_shows_only_public_stories(client, status, when, public):
    with time_machine.travel(NOW, tick=False):
        story = story_in_state(status, when)
        page = client.get(story.get_absolute_url())
        assert page.status_code == (200 if public else 404)
        for url in public_pages(story):
            response = client.get(url)
            if public or url not in ("/tags/chips/", "/authors/the-author/"):
                assert response.status_code == 200, url
                assert (story.headline in response.text) is public, url
            else:
                # A tag, or an author, carried only by unpublished stories does not exist
                # publicly.
                assert response.status_code == 404


def test_a_story_scheduled_a_minute_ahead_appears_at_its_instant(client):
    with time_machine.travel(NOW, tick=False) as traveller:
        story = ArticleFactory(
            publish_at=NOW + timedelta(minutes=1), headline="Embargoed chip news"
        )
        assert client.get(story.get_absolute_url()).status_code == 404
        assert "Embargoed chip news" not in client.get("/").text
        traveller.move_to(NOW + timedelta(seconds=59, microseconds=999999))
        assert client.get(story.get_absolute_url()).status_code == 404
        traveller.move_to(NOW + timedelta(minutes=1))
        assert client.get(story.get_absolute_url()).status_code == 200
        assert "Embargoed chip news" in client.get("/").text


def test_counts_on_list_pages_count_only_public_stories(client):
    ArticleFactory.create_batch(3, tags=["fabs"])
    ArticleFactory.create_batch(2, tags=["fabs"], status=Article.Status.DRAFT, publish_at=None)
    ArticleFactory(tags=["fabs"], publish_at=timezone.now() + timedelta(hours=2))
    response = client.get("/tags/fabs/")
    assert response.context["paginator"].count == 3
    assert "3 stories" in response.text


def test_scheduled_queryset_is_published_with_a_future_time():
    due = ArticleFactory()
    ahead = ArticleFactory(publish_at=timezone.now() + timedelta(days=1))
    ArticleFactory(status=Article.Status.DRAFT, publish_at=timezone.now() + timedelta(days=1))
    assert list(Article.objects.scheduled()) == [ahead]
    assert ahead.is_scheduled and not due.is_scheduled


def test_a_story_under_the_wrong_section_redirects_permanently(client):
    story = ArticleFactory()
    response = client.get(f"/elsewhere/{story.slug}/")
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()


def test_publishing_without_a_time_publishes_now():
    story = ArticleFactory(status=Article.Status.PUBLISHED, publish_at=None)
    assert story.publish_at is not None and story.is_public
    assert story.first_published_at == story.publish_at


def test_rescheduling_before_going_live_moves_the_first_published_time(editor):
    ahead = timezone.now() + timedelta(days=1)
    story = ArticleFactory(publish_at=ahead, authors=[AuthorFactory()])
    workflow.schedule(article=story, by=editor, at=ahead + timedelta(days=1))
    assert story.first_published_at == ahead + timedelta(days=1)


def test_a_story_in_the_trash_is_never_public(client):
    story = ArticleFactory(headline="Trashed story", tags=["chips"], deleted_at=timezone.now())
    assert not Article.objects.public().filter(pk=story.pk).exists() and not story.is_public
    assert client.get(story.get_absolute_url()).status_code == 404
    assert "Trashed story" not in client.get("/").text
    assert client.get("/tags/chips/").status_code == 404
