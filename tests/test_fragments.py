"""Pages assembled from cached pieces (newsroom/fragments.py), with the page cache off: as
fast as the pieces allow, and exactly as current as a page rendered whole."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article, Photo
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    HandleFactory,
    PhotoFactory,
    SectionFactory,
)
from tests.test_caching import (
    change_author,
    change_photo,
    correct,
    edit_story,
    publish_new,
    unpublish,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    section = SectionFactory(slug="chips", name="Chips")
    ArticleFactory(
        headline="Older news", section=section, publish_at=timezone.now() - timedelta(days=1)
    )
    return ArticleFactory(
        headline="Fab opens",
        section=section,
        authors=[AuthorFactory(name="Jane Roe", slug="jane")],
        lead_photo=PhotoFactory(),
        tags=["fabs"],
    )  # fmt: skip


def pages(story):
    return [
        "/",
        "/chips/",
        "/tags/fabs/",
        "/authors/jane/",
        "/search/?q=fab",
        story.get_absolute_url(),
    ]


def test_pieces_make_the_same_pages_as_rendering_them_whole(client, settings, story):
    whole = {url: client.get(url).content for url in pages(story)}
    settings.NEWSROOM_FRAGMENT_CACHE = True  # in the local cache: enough to compare
    for url, html in whole.items():
        client.get(url)  # fills the pieces
        assert client.get(url).content == html, url


def test_with_warm_pieces_a_story_costs_no_query_and_a_list_one(
    client, fragment_cache, story, django_assert_num_queries
):
    for url in pages(story):
        client.get(url)
    with django_assert_num_queries(0):  # even where the story lives is a piece
        page = client.get(story.get_absolute_url())
    assert "Fab opens" in page.text and "Photo: " in page.text and "Jane Roe" in page.text
    with django_assert_num_queries(1):  # the ids of the page's stories
        home = client.get("/")
    assert home.text.count('<article class="card') == 2


@pytest.mark.parametrize(
    "change", [edit_story, publish_new, unpublish, correct, change_photo, change_author]
)
def test_every_kind_of_change_shows_at_once(
    client, fragment_cache, story, editor, change, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    for page in ("/", url, "/search/?q=fab"):
        client.get(page)
    with django_capture_on_commit_callbacks(execute=True):  # the change commits
        expected = change(story, editor)
    home, page, found = client.get("/"), client.get(url), client.get("/search/?q=fab")
    if expected is None:  # unpublished: gone from the site
        assert page.status_code == 404
        assert "Fab opens" not in home.text and "Fab opens" not in found.text
    else:
        assert expected in home.text + page.text
        if change in (edit_story, change_author):  # what a search result shows
            assert expected in re.sub(r"<[^>]+>", "", found.text)  # without the <mark>s


def test_a_cards_author_box_follows_its_author_with_warm_pieces(
    client, fragment_cache, story, django_capture_on_commit_callbacks
):
    client.get("/")
    author = story.bylines.get().author
    with django_capture_on_commit_callbacks(execute=True):
        author.bio = "<p>Jane now covers batteries.</p>"
        author.save()
    with django_capture_on_commit_callbacks(execute=True):
        HandleFactory(author=author, kind="x", value="@janeroe")
    home = client.get("/").text
    assert "Jane now covers batteries." in home and "@janeroe" in home


def test_a_scheduled_story_appears_at_its_instant_with_warm_pieces(client, fragment_cache, story):
    now = timezone.now()
    ArticleFactory(headline="Embargoed until the minute", publish_at=now + timedelta(minutes=1))
    url = story.get_absolute_url()
    with time_machine.travel(now, tick=False) as traveller:
        for page in ("/", url):
            assert "Embargoed" not in client.get(page).text
        traveller.move_to(now + timedelta(minutes=1))
        for page in ("/", url):  # the home list and the story's latest-stories list
            assert "Embargoed until the minute" in client.get(page).text, page


def test_a_photo_leaves_its_cards_at_the_midnight_its_rights_run_out(client, fragment_cache, story):
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    midnight += timedelta(days=1)
    url = story.get_absolute_url()
    with time_machine.travel(midnight - timedelta(seconds=30), tick=False) as traveller:
        last_day = timezone.localdate()
        Photo.objects.filter(pk=story.lead_photo_id).update(rights_expire_on=last_day)
        assert "Photo: " in client.get("/").text and "Photo: " in client.get(url).text
        traveller.move_to(midnight + timedelta(seconds=10))  # the pieces are 40 s old
        assert "Photo: " not in client.get("/").text
        assert "Photo: " not in client.get(url).text


def stored_pieces(cache, settings) -> list:
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    return cache._cache.get_client().keys(f"{prefix}:*fragments:*")


def test_staff_never_read_nor_fill_pieces(client, settings, fragment_cache, story, editor):
    url = story.get_absolute_url()
    client.force_login(editor)
    client.get(url)
    client.get("/")
    assert stored_pieces(fragment_cache, settings) == []
    client.logout()
    client.get(url)  # a reader fills the pieces
    # A change that bypasses every signal (no new generation): readers keep the stored piece,
    # which shows the pieces are in use; staff still see the database.
    Article.objects.filter(pk=story.pk).update(headline="Quietly renamed")
    assert "Quietly renamed" not in client.get(url).text
    client.force_login(editor)
    assert "Quietly renamed" in client.get(url).text


def test_with_the_cache_down_pieces_are_skipped(client, settings, story, caplog):
    settings.CACHES = {
        "default": {"BACKEND": "newsroom.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    settings.NEWSROOM_FRAGMENT_CACHE = True
    settings.NEWSROOM_PAGE_CACHE = False
    for url in pages(story):
        assert client.get(url).status_code == 200
    assert "Fab opens" in client.get("/").text
    assert caplog.text.count("unreachable") == 1  # one line for the outage, not one a call


def test_a_new_release_never_serves_what_the_old_one_cached(
    client, redis_cache, story, monkeypatch
):
    url = story.get_absolute_url()
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    # A change no signal sees stands in for markup a deploy changed: the old page and pieces
    # must not be served by the new release.
    Article.objects.filter(pk=story.pk).update(headline="As the new release renders it")
    monkeypatch.setattr("newsroom.pagecache.release", lambda: "next-release")
    monkeypatch.setattr("newsroom.fragments.release", lambda: "next-release")
    page = client.get(url)
    assert page["X-Page-Cache"] == "miss" and "As the new release renders it" in page.text
    assert "As the new release renders it" in client.get("/").text
