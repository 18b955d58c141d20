"""Public pages: what each shows, and a constant number of queries whatever the page holds."""

import re
from datetime import timedelta

import html5lib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    HandleFactory,
    PhotoFactory,
    SectionFactory,
    paragraphs,
)

pytestmark = pytest.mark.django_db

# Layout (sections), the schedule (for cache lifetimes), count, page, bylines and the handles
# of the cards' author boxes; author pages add the author and their handles; the story page
# reads the story, bylines, handles, tags, corrections and the latest list. Never more than 8,
# whatever the data.
LIST_BUDGET = 8
STORY_BUDGET = 8


def parse(html: str):
    """Parse as HTML5, strictly: a markup error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(html)


@pytest.fixture
def newsroom():
    """Stories with photos, several authors with handles and tags, in one section."""

    def make(count: int):
        section = SectionFactory(slug="chips", name="Chips")
        authors = AuthorFactory.create_batch(3)
        for author in authors:
            HandleFactory(author=author)
            HandleFactory(author=author, kind="email", value=f"{author.slug}@example.com")
        photo = PhotoFactory()
        now = timezone.now()
        for k in range(count):
            ArticleFactory(
                section=section,
                lead_photo=photo,
                authors=authors,
                tags=["chips", "fabs", f"topic-{k % 5}"],
                publish_at=now - timedelta(minutes=k + 1),
            )
        return section, authors

    return make


@pytest.fixture(params=["rendered whole", "from pieces not yet cached"])
def pieces(request):
    """Without Redis; and with fragments whose pieces are all still to be made (the most a
    page costs with them)."""
    if request.param == "rendered whole":
        return None
    return request.getfixturevalue("fragment_cache")


@pytest.mark.parametrize("count", [1, 50])
@pytest.mark.parametrize("url", ["/", "/chips/", "/tags/chips/", "author"])
def test_list_pages_use_a_constant_number_of_queries(
    client, settings, newsroom, django_assert_max_num_queries, count, url, pieces
):
    settings.NEWSROOM_STORIES_PER_PAGE = 50
    _, authors = newsroom(count)
    if url == "author":
        url = authors[0].get_absolute_url()
    with django_assert_max_num_queries(LIST_BUDGET):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count('<article class="card') == count


@pytest.mark.parametrize("count", [1, 50])
def test_story_page_uses_a_constant_number_of_queries(
    client, newsroom, django_assert_max_num_queries, count, pieces
):
    newsroom(count)
    url = Article.objects.public().latest_first().first().get_absolute_url()
    with django_assert_max_num_queries(STORY_BUDGET):
        response = client.get(url)
    assert response.status_code == 200


def test_a_teaser_card_shows_everything_a_reader_needs(client):
    author = AuthorFactory(name="Jane Roe")
    second = AuthorFactory(name="Sam Poe")
    photo = PhotoFactory(credit="VCG/Getty Images", credit_kind="photo")
    ArticleFactory(headline="Lead story", publish_at=timezone.now())
    story = ArticleFactory(
        headline="Fab opens in Dresden",
        dek="The plant is the largest in Europe.",
        lead_photo=photo,
        authors=[author, second],
        body=paragraphs(10),
        publish_at=timezone.now() - timedelta(hours=2),
    )
    page = client.get("/").text
    card = page[page.index(f'aria-labelledby="headline-{story.pk}"') :]
    card = card[: card.index("</article>")]
    assert ">News</a>" in card
    assert "Fab opens in Dresden" in card
    assert "The plant is the largest in Europe." in card
    assert "Photo: VCG/Getty Images" in card
    name, width, height = photo.renditions["card"]["jpg"][1]
    assert f'<img src="/media/{name}" srcset="' in card
    assert f'alt="{photo.alt_text}" width="{width}" height="{height}" loading="lazy"' in card
    assert '<source type="image/webp" srcset="/media/renditions/' in card
    assert re.search(r"By <a href=\"/authors/[^\"]+/\">Jane Roe</a> and <a [^>]+>Sam Poe</a>", card)
    assert f'<time datetime="{story.publish_at.isoformat(timespec="seconds")}' in card
    assert story.teaser_html in card and story.teaser_html == paragraphs(1)  # a whole one
    assert f'<a class="keep-reading" href="{story.get_absolute_url()}"' in card


def test_a_card_ends_with_its_authors_boxes_after_keep_reading(client):
    author = AuthorFactory(name="Jane Roe", bio="<p>Jane writes about <em>chips</em>.</p>")
    HandleFactory(author=author, kind="x", value="@janeroe")
    second = AuthorFactory(name="Sam Poe", bio="<p>Sam edits the news desk.</p>")
    story = ArticleFactory(
        authors=[author, second],
        body=paragraphs(10),
        publish_at=timezone.now() - timedelta(hours=1),
    )
    ArticleFactory(authors=[author], body=paragraphs(10), publish_at=timezone.now())
    page = client.get("/").text
    card = page[page.index(f'aria-labelledby="headline-{story.pk}"') :]
    card = card[: card.index("</article>")]
    boxes = card[card.index("keep-reading") :]
    for box_of in (author, second):
        assert f'<a href="{box_of.get_absolute_url()}">{box_of.name}</a>' in boxes
        assert box_of.bio in boxes
    assert 'href="https://x.com/janeroe"' in boxes and "@janeroe" in boxes
    assert boxes.index("Jane Roe") < boxes.index("Sam Poe")  # in byline order
    parse(page)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # Jane's box is on two cards


def test_a_short_story_has_no_keep_reading(client):
    ArticleFactory(body="<p>Just a few words.</p>")
    assert "keep-reading" not in client.get("/").text


def test_home_leads_with_the_latest_story_then_lists_the_rest(client):
    older = ArticleFactory(headline="Older news", publish_at=timezone.now() - timedelta(hours=3))
    newest = ArticleFactory(headline="Newest news", publish_at=timezone.now() - timedelta(hours=1))
    response = client.get("/")
    lead = response.text.index('class="lead-story"')
    latest = response.text.index("Latest Stories")
    assert (
        lead < response.text.index(newest.headline) < latest < response.text.index(older.headline)
    )


def test_home_is_paginated(client, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 2
    ArticleFactory.create_batch(5)
    first = client.get("/")
    assert 'rel="next" href="?page=2"' in first.text
    third = client.get("/?page=3")
    assert third.status_code == 200 and third.text.count('<article class="card') == 1
    assert 'rel="next"' not in third.text and 'rel="prev" href="?page=2"' in third.text
    assert client.get("/?page=4").status_code == 404
    assert client.get("/?page=abc").status_code == 404
    assert client.get("/?page=last").status_code == 404


def test_list_pages_never_count_the_whole_archive(client):
    ArticleFactory.create_batch(3)
    for url in ("/", "/news/", "/?page=1"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries), url


def test_story_page_carries_canonical_social_tags_credit_times_and_author_boxes(client):
    author = AuthorFactory(name="Jane Roe", bio="<p>Jane writes about <em>chips</em>.</p>")
    HandleFactory(author=author, kind="x", value="@janeroe")
    HandleFactory(author=author, kind="email", value="jane@example.com")
    HandleFactory(author=author, kind="mastodon", value="@jane@mastodon.social")
    photo = PhotoFactory(
        caption="The new fab at night.", credit="Jane Roe/Newsroom", credit_kind="illustration"
    )
    story = ArticleFactory(
        headline="Fab opens", dek="It is big.", lead_photo=photo, authors=[author], tags=["fabs"]
    )
    html = client.get(story.get_absolute_url()).text
    url = f"http://testserver{story.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:url" content="{url}">' in html
    assert '<meta property="og:title" content="Fab opens">' in html
    largest = photo.renditions["story"]["jpg"][-1][0]
    assert f'<meta property="og:image" content="http://testserver/media/{largest}">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta name="twitter:creator" content="@janeroe">' in html
    assert "The new fab at night." in html and "Illustration: Jane Roe/Newsroom" in html
    assert f'<time datetime="{story.publish_at.isoformat(timespec="seconds")}' in html
    assert "Jane writes about <em>chips</em>." in html
    assert 'href="https://x.com/janeroe"' in html
    assert 'href="mailto:jane@example.com"' in html
    assert 'href="https://mastodon.social/@jane"' in html
    assert '<a href="/tags/fabs/">fabs</a>' in html
    assert "data-story-body" in html


def test_story_page_lists_latest_stories_but_not_itself_nor_unpublished_ones(client):
    story = ArticleFactory(headline="This story")
    ArticleFactory(headline="Another story")
    ArticleFactory(headline="A draft", status=Article.Status.DRAFT, publish_at=None)
    aside = client.get(story.get_absolute_url()).text.split('class="sidebar"')[1]
    assert "Another story" in aside and "This story" not in aside and "A draft" not in aside


def test_author_page_shows_bio_headshot_handles_and_stories(client):
    headshot = PhotoFactory()
    author = AuthorFactory(name="Jane Roe", job_title="Chips reporter", headshot=headshot)
    HandleFactory(author=author, kind="bluesky", value="janeroe.bsky.social")
    ArticleFactory(headline="Her story", authors=[author])
    ArticleFactory(headline="Someone else's story")
    html = client.get(author.get_absolute_url()).text
    assert "Jane Roe" in html and "Chips reporter" in html and "Jane writes about chips." in html
    assert f"/media/{headshot.renditions['square']['jpg'][0][0]} 96w" in html
    assert headshot.credit_line in html
    assert 'href="https://bsky.app/profile/janeroe.bsky.social"' in html
    assert "Her story" in html and "Someone else&#x27;s story" not in html


def test_section_page_shows_only_its_stories(client):
    chips = SectionFactory(slug="chips", name="Chips")
    ArticleFactory(headline="A chips story", section=chips)
    ArticleFactory(headline="A news story")
    html = client.get("/chips/").text
    assert "A chips story" in html and "A news story" not in html
    assert 'aria-current="page"' in html


def test_unknown_pages_answer_a_styled_404(client):
    response = client.get("/no-such-section/")
    assert response.status_code == 404
    assert "We couldn’t find that page" in response.text
    assert "site.css" in response.text


@pytest.mark.parametrize(
    "url", ["/", "/chips/", "/tags/chips/", "story", "author", "/nowhere/", "/search/?q=word1"]
)
def test_pages_are_valid_html5(client, newsroom, url):
    _, authors = newsroom(3)
    if url == "story":
        url = Article.objects.public().first().get_absolute_url()
    elif url == "author":
        url = authors[0].get_absolute_url()
    parse(client.get(url).text)


def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def broken():
        raise ConnectionError("database is down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"
