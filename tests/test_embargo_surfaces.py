"""An embargoed story, surface by surface, with a warm page cache (issue 17, part 2).

One second before the instant nothing of it is anywhere a reader, a feed reader, a crawler
or an API client can reach: not its headline, dek, body words, slug, photos, caption, its
author (whose only story it is) or its tag (only on it), on pages, feeds, sitemaps, search,
the API, JSON-LD, photo and share-card URLs, tag and author pages, or preview links, even
from pages stored in Redis minutes before; and one second after, every one of them has
it, although those stored pages were warm: they were stored to end at the instant.
"""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles import share_cards, workflow
from articles.models import Article, PreviewLink
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory
from tests.test_media import body_with, rendition

pytestmark = pytest.mark.django_db

# Words only the embargoed story carries (its photos' secret tokens are added below).
SECRETS = ["Zqvhead", "zqvdek", "zqvbody", "zqvslug", "zqvauthor", "zqvtag", "zqvcaption"]
INSTANT = timezone.now().replace(microsecond=0) + timedelta(days=1)


@pytest.fixture
def embargoed(editor):
    section = SectionFactory(slug="markets", name="Markets")
    author = AuthorFactory(name="Zqvauthor Quill", slug="zqvauthor")
    # A public story beside it, so the section, its feed and the lists are pages already.
    ArticleFactory(
        headline="Shares close flat",
        section=section,
        authors=[AuthorFactory(slug="other")],
        tags=["markets"],
        publish_at=INSTANT - timedelta(days=2),
    )
    with time_machine.travel(INSTANT - timedelta(hours=1), tick=False):
        story = ArticleFactory(
            headline="Zqvhead: the merger is agreed",
            slug="zqvslug-merger",
            dek="A zqvdek line",
            section=section,
            status=Article.Status.IN_REVIEW,
            publish_at=None,
            authors=[author],
            tags=["zqvtag"],
            lead_photo=PhotoFactory(caption="A zqvcaption boardroom"),
            body="<p>The zqvbody figures.</p>" + body_with(PhotoFactory()),
        )
        link = workflow.share_preview(article=story, by=editor)  # revoked by the embargo
        story = workflow.embargo(article=story, by=editor, until=INSTANT)
        # One the embargo could not reach (made in a race, restored from a backup).
        left_open = PreviewLink.objects.create(
            article=story, created_by=editor, expires_at=INSTANT + timedelta(days=1)
        )
    return story, [link, left_open]


def photo_urls(story) -> list[str]:
    return [
        rendition(story.lead_photo),
        rendition(story.lead_photo, "card"),
        *re.findall(r'src="(/media/renditions/[^"]+)"', story.body_html),
    ]


def pages(story, links) -> list[str]:
    urls = ["/", "/markets/", "/markets/feed/", "/markets/feed/atom/", "/feed/", "/feed/atom/"]
    urls += ["/authors/zqvauthor/", "/authors/zqvauthor/feed/", "/authors/zqvauthor/feed/atom/"]
    urls += ["/tags/zqvtag/", "/tags/zqvtag/feed/", "/tags/markets/"]
    urls += ["/search/?q=zqvbody", "/search/?q=Zqvhead", "/search/?q=merger"]
    urls += [f"/sitemap-{name}.xml" for name in ("stories", "news", "authors", "tags")]
    urls += ["/sitemap.xml", "/api/v1/stories/", f"/api/v1/stories/{story.pk}/"]
    urls += ["/api/v1/authors/", "/api/v1/authors/zqvauthor/", "/api/v1/tags/"]
    urls += [f"/api/v1/photos/{story.lead_photo_id}/", "/api/v1/sections/markets/"]
    urls += [story.get_absolute_url(), share_cards.card_url(story)]
    urls += [link.get_absolute_url() for link in links]
    return urls + photo_urls(story)


def secrets_of(story) -> list[str]:
    photos = [story.lead_photo.media_token, *re.findall(r"renditions/([^/]+)/", story.body_html)]
    return SECRETS + photos + [f"/stories/{story.pk}/"]


def read(client, urls):
    return {url: client.get(url) for url in urls}


def test_nothing_of_it_one_second_before_and_everything_one_second_after(
    client, redis_cache, embargoed
):
    story, links = embargoed
    urls, secrets = pages(story, links), secrets_of(story)
    # Warm: every page stored in Redis and its pieces with it, 290 s before the instant.
    with time_machine.travel(INSTANT - timedelta(seconds=290), tick=False):
        warm = read(client, urls)
    stored = [url for url, r in warm.items() if r.get("X-Page-Cache") == "miss"]
    assert "/" in stored and "/markets/feed/" in stored and "/api/v1/stories/" in stored

    with time_machine.travel(INSTANT - timedelta(seconds=1), tick=False):
        before = read(client, urls)
    for url in stored:
        assert before[url].get("X-Page-Cache") == "hit", url  # the cache was warm
    for url, response in before.items():
        text = response.content.decode(errors="replace")
        # A search page repeats what the reader typed; a result would show the rest.
        typed = url.partition("?q=")[2].lower()
        shown = [s for s in secrets if s.lower() in text.lower() and s.lower() != typed]
        assert not shown, f"{url} shows {shown} one second before the instant"
    gone = [story.get_absolute_url(), "/authors/zqvauthor/", "/tags/zqvtag/"]
    gone += [f"/api/v1/stories/{story.pk}/", "/api/v1/authors/zqvauthor/"]
    gone += [share_cards.card_url(story), *photo_urls(story)]
    gone += [link.get_absolute_url() for link in links]
    for url in gone:
        assert before[url].status_code in (404, 410), url

    with time_machine.travel(INSTANT + timedelta(seconds=1), tick=False):
        after = read(client, urls)
    for url in urls:
        assert after[url].status_code == 200 or url == links[0].get_absolute_url(), url
    assert after[links[0].get_absolute_url()].status_code == 410  # revoked stays revoked
    lists = [url for url in urls if not url.startswith(("/media/", "/api/v1/photos/"))]
    lists.remove(links[0].get_absolute_url())
    lists.remove("/sitemap.xml")  # names the files, not the stories
    lists.remove("/tags/markets/")  # another tag's page
    lists.remove("/api/v1/sections/markets/")  # the section itself, not its stories
    for url in lists:
        text = after[url].content.decode(errors="replace").lower()
        typed = url.partition("?q=")[2].lower()
        assert text.replace(typed, "").count("zqv"), f"{url} lacks the story one second after"
    page = after[story.get_absolute_url()].text
    ld = [
        json.loads(b) for b in re.findall(r'application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    ]
    assert any("Zqvhead" in json.dumps(block) for block in ld)
    assert story.lead_photo.media_token in after["/api/v1/stories/"].text
