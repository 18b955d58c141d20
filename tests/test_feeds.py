"""Feeds: RSS and Atom that a real feed parser reads, public stories only, conditional GETs."""

from datetime import timedelta

import feedparser
import pytest
import time_machine
from django.utils import timezone
from lxml import etree
from lxml import html as lxml_html
from taggit.models import Tag

from articles.models import Article, Section
from authors.models import Author
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    HandleFactory,
    PhotoFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom():
    chips = SectionFactory(slug="chips", name="Chips")
    jane, sam = (
        AuthorFactory(name="Jane Roe", slug="jane"),
        AuthorFactory(name="Sam Poe", slug="sam"),
    )
    HandleFactory(author=jane)
    photo = PhotoFactory(credit="VCG/Getty Images", caption="The fab at night.")
    public = ArticleFactory(
        headline="Fab opens",
        section=chips,
        authors=[jane, sam],
        tags=["fabs", "Dresden"],
        lead_photo=photo,
        publish_at=timezone.now() - timedelta(hours=1),
    )
    hidden = [
        ArticleFactory(headline="Draft story", section=chips, authors=[jane], tags=["fabs"],
                       status=Article.Status.DRAFT, publish_at=None),
        ArticleFactory(headline="Scheduled story", section=chips, authors=[jane], tags=["fabs"],
                       publish_at=timezone.now() + timedelta(hours=1)),
        ArticleFactory(headline="Unpublished story", section=chips, authors=[jane], tags=["fabs"],
                       status=Article.Status.UNPUBLISHED),
        ArticleFactory(headline="Trashed story", section=chips, authors=[jane], tags=["fabs"],
                       deleted_at=timezone.now()),
    ]  # fmt: skip
    return public, hidden


FEEDS = ["/feed/", "/chips/feed/", "/authors/jane/feed/", "/tags/fabs/feed/"]


@pytest.mark.parametrize("url", [u for f in FEEDS for u in (f, f + "atom/")])
def test_feeds_parse_and_carry_the_story_fully(client, newsroom, url):
    public, _ = newsroom
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version in ("rss20", "atom10")
    (entry,) = feed.entries
    assert entry.title == "Fab opens"
    assert entry.link == f"http://testserver{public.get_absolute_url()}"
    assert [a.name for a in entry.authors] == ["Jane Roe", "Sam Poe"]
    assert {t.term for t in entry.tags} == {"Chips", "fabs", "Dresden"}
    assert entry.published_parsed
    if feed.version == "atom10":
        assert entry.updated_parsed
    assert "word0" in entry.summary
    (media,) = entry.media_content
    assert media["url"].startswith("http://testserver/media/renditions/")
    assert entry.media_credit[0]["content"] == "Photo: VCG/Getty Images"


@pytest.mark.parametrize("url", [u for f in FEEDS for u in (f, f + "atom/")])
def test_feeds_hold_no_story_that_is_not_public(client, newsroom, url):
    _, hidden = newsroom
    body = client.get(url).content.decode()
    assert not any(story.headline in body for story in hidden)


def test_full_text_feeds_by_setting(client, settings, newsroom):
    settings.NEWSROOM_FEED_FULL_TEXT = True
    entry = feedparser.parse(client.get("/feed/").content).entries[0]
    assert "word39" in entry.content[0].value


@pytest.mark.parametrize(
    ("page", "rss", "atom"),
    [
        ("/", "/feed/", "/feed/atom/"),
        ("/chips/", "/chips/feed/", "/chips/feed/atom/"),
        ("/authors/jane/", "/authors/jane/feed/", "/authors/jane/feed/atom/"),
        ("/tags/fabs/", "/tags/fabs/feed/", "/tags/fabs/feed/atom/"),
    ],
)
def test_pages_link_their_own_feeds(client, newsroom, page, rss, atom):
    html = client.get(page).text
    assert '<link rel="alternate" type="application/rss+xml" title="' in html
    assert f'href="{rss}"' in html and f'href="{atom}"' in html


def test_a_repeated_conditional_request_gets_304(client, newsroom):
    first = client.get("/feed/")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    since = client.get("/feed/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


def test_a_scheduled_story_going_live_changes_the_feed_validators(client, newsroom):
    first = client.get("/feed/")
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        later = client.get("/feed/", HTTP_IF_NONE_MATCH=first["ETag"])
        assert later.status_code == 200 and "Scheduled story" in later.content.decode()


def test_a_tag_only_on_unpublished_stories_has_no_feed(client):
    ArticleFactory(tags=["secret"], status=Article.Status.DRAFT, publish_at=None)
    assert client.get("/tags/secret/feed/").status_code == 404


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_a_feed_leaves_in_one_piece(client, newsroom, url):
    # The feed writer appends every element separately; sent as they come, each piece is a
    # write of its own (a cached feed served 6 times slower than a page of the same size).
    response = client.get(url)
    assert len(list(response)) == 1
    assert feedparser.parse(response.content).entries


@pytest.mark.parametrize(
    "url, expected",
    [
        ("/chips/feed/", "<img src=x onerror=alert(1)> Chips & fabs"),
        ("/authors/jane/feed/", "Stories by Jane <b>Roe</b>"),
        ("/tags/fabs/feed/", "Stories about <i>fabs</i>"),
    ],
)
def test_a_channel_description_reaches_feed_readers_as_text_not_html(
    client, newsroom, url, expected
):
    """RSS readers treat a channel's <description> as HTML: a section description, an author's
    name or a tag's name with markup in it must arrive as those very characters."""
    Section.objects.filter(slug="chips").update(
        description="<img src=x onerror=alert(1)> Chips & fabs"
    )
    Author.objects.filter(slug="jane").update(name="Jane <b>Roe</b>")
    Tag.objects.filter(slug="fabs").update(name="<i>fabs</i>")

    channel = etree.fromstring(client.get(url).content).find("channel")
    as_html = lxml_html.fragment_fromstring(channel.findtext("description"), create_parent="div")
    assert len(as_html) == 0, "markup in the description would be rendered"
    assert as_html.text_content() == expected
    # Atom says its subtitle is text; the same words, not escaped twice.
    atom = etree.fromstring(client.get(url + "atom/").content)
    assert atom.findtext("{http://www.w3.org/2005/Atom}subtitle") == expected
