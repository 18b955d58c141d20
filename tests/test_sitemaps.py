"""Sitemaps validate against the published schemas and list only public stories."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from articles.models import Article
from articles.sitemaps import StorySitemap
from tests.conftest import require
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

XSD = Path(__file__).resolve().parents[2] / "shared" / "xsd"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


def schema(name: str) -> etree.XMLSchema:
    require((XSD / name).exists(), f"{XSD / name} is missing: sitemap schema validation not run")
    return etree.XMLSchema(etree.parse(str(XSD / name)))


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return etree.fromstring(response.content)


@pytest.fixture
def newsroom():
    section = SectionFactory(slug="chips", name="Chips")
    author = AuthorFactory(slug="jane")
    fresh = ArticleFactory(
        headline="Fresh story",
        section=section,
        authors=[author],
        tags=["fabs"],
        lead_photo=PhotoFactory(),
        publish_at=timezone.now() - timedelta(hours=3),
    )
    old = ArticleFactory(
        headline="Old story",
        section=section,
        authors=[author],
        tags=["fabs"],
        publish_at=timezone.now() - timedelta(days=5),
    )
    hidden = [
        ArticleFactory(headline="Draft", section=section, authors=[author], tags=["secret"],
                       status=Article.Status.DRAFT, publish_at=None),
        ArticleFactory(headline="Scheduled", section=section, authors=[author], tags=["secret"],
                       publish_at=timezone.now() + timedelta(hours=2)),
        ArticleFactory(headline="Trashed", section=section, authors=[author],
                       deleted_at=timezone.now()),
    ]  # fmt: skip
    SectionFactory(slug="empty", name="Empty")
    return fresh, old, hidden


def test_the_index_validates_and_names_every_sitemap_with_lastmod(client, newsroom):
    index = fetch(client, "/sitemap.xml")
    schema("siteindex.xsd").assertValid(index)
    locs = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    for part in ("stories", "news", "sections", "authors", "tags"):
        assert f"http://testserver/sitemap-{part}.xml" in locs
    assert len(index.findall("s:sitemap/s:lastmod", NS)) == len(locs)


@pytest.mark.parametrize("part", ["stories", "news", "sections", "authors", "tags"])
def test_each_sitemap_validates_against_the_published_schemas(client, newsroom, part):
    urlset = fetch(client, f"/sitemap-{part}.xml")
    schema("all.xsd").assertValid(urlset)
    for url in urlset.findall("s:url", NS):
        assert url.find("s:lastmod", NS) is not None or part == "sections"


def test_stories_carry_their_photos_and_only_public_stories_appear(client, newsroom):
    fresh, old, hidden = newsroom
    urlset = fetch(client, "/sitemap-stories.xml")
    locs = [loc.text for loc in urlset.findall("s:url/s:loc", NS)]
    assert locs == [f"http://testserver{s.get_absolute_url()}" for s in (fresh, old)]
    (image,) = urlset.findall("s:url/image:image/image:loc", NS)
    assert image.text.startswith("http://testserver/media/renditions/")
    everything = b"".join(
        client.get(f"/sitemap-{p}.xml").content for p in ("stories", "news", "tags", "authors")
    )
    assert not any(s.slug.encode() in everything for s in hidden)
    assert b"/tags/secret/" not in everything


def test_the_news_sitemap_holds_the_last_two_days_only(client, newsroom):
    fresh, _, _ = newsroom
    urlset = fetch(client, "/sitemap-news.xml")
    (url,) = urlset.findall("s:url", NS)
    assert url.find("s:loc", NS).text.endswith(fresh.get_absolute_url())
    assert url.find("news:news/news:title", NS).text == "Fresh story"
    assert url.find("news:news/news:publication/news:name", NS).text == "Newsroom"


def test_large_sitemaps_are_split(client, newsroom, monkeypatch):
    monkeypatch.setattr(StorySitemap, "limit", 1)
    index = fetch(client, "/sitemap.xml")
    locs = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    assert "http://testserver/sitemap-stories.xml?p=2" in locs
    page_two = fetch(client, "/sitemap-stories.xml?p=2")
    schema("all.xsd").assertValid(page_two)
    assert len(page_two.findall("s:url", NS)) == 1


def test_robots_txt_names_the_sitemap_index(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.text
    assert "Disallow: /admin/" in response.text


def test_an_authors_lastmod_is_their_latest_public_story(client, newsroom):
    fresh, _, _ = newsroom  # the newer draft, scheduled and trashed stories do not count
    other = AuthorFactory(slug="otto")
    lone = ArticleFactory(authors=[other], publish_at=timezone.now() - timedelta(days=9))
    urlset = fetch(client, "/sitemap-authors.xml")
    lastmods = {
        url.find("s:loc", NS).text: url.find("s:lastmod", NS).text
        for url in urlset.findall("s:url", NS)
    }
    assert lastmods == {
        "http://testserver/authors/jane/": fresh.publish_at.isoformat(),
        "http://testserver/authors/otto/": lone.publish_at.isoformat(),
    }


def test_a_photo_whose_rights_ran_out_leaves_the_sitemap(client, newsroom):
    fresh, _, _ = newsroom
    fresh.lead_photo.rights_expire_on = timezone.localdate() - timedelta(days=1)
    fresh.lead_photo.save()
    urlset = fetch(client, "/sitemap-stories.xml")
    assert urlset.findall("s:url/image:image", NS) == []


# --- every file the index lists validates, in every state of the site (issue 15, item 7) ---


def _demo():
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)


def _no_recent_story():
    ArticleFactory(authors=[AuthorFactory()], publish_at=timezone.now() - timedelta(days=3))


def _no_public_author():
    # A public story without a byline, and an author whose only story is scheduled.
    ArticleFactory(publish_at=timezone.now() - timedelta(hours=1))
    ArticleFactory(authors=[AuthorFactory()], publish_at=timezone.now() + timedelta(hours=1))


STATES = {
    "empty site": lambda: None,
    "no recent story": _no_recent_story,
    "no public author": _no_public_author,
    "normal demo": _demo,
}


@pytest.mark.parametrize("state", STATES)
def test_the_index_and_every_file_it_lists_validate(client, state):
    STATES[state]()
    index = fetch(client, "/sitemap.xml")
    schema("siteindex.xsd").assertValid(index)
    every = schema("all.xsd")
    listed = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    for url in listed:
        every.assertValid(fetch(client, url.removeprefix("http://testserver")))
    # A file the index leaves out is empty, and answers 404 rather than an invalid <urlset/>.
    for part in ("stories", "news", "sections", "authors", "tags"):
        if f"http://testserver/sitemap-{part}.xml" not in listed:
            assert client.get(f"/sitemap-{part}.xml").status_code == 404, part


def test_an_empty_file_leaves_the_index_and_answers_404(client):
    _no_recent_story()
    locs = [loc.text for loc in fetch(client, "/sitemap.xml").findall("s:sitemap/s:loc", NS)]
    assert "http://testserver/sitemap-news.xml" not in locs
    assert "http://testserver/sitemap-stories.xml" in locs
    assert client.get("/sitemap-news.xml").status_code == 404
    ArticleFactory(publish_at=timezone.now() - timedelta(minutes=5))
    locs = [loc.text for loc in fetch(client, "/sitemap.xml").findall("s:sitemap/s:loc", NS)]
    assert "http://testserver/sitemap-news.xml" in locs


def test_the_index_reads_each_file_once_and_leaving_out_empty_ones_costs_nothing(
    client, newsroom, django_assert_max_num_queries
):
    # The schedule, then a count and a lastmod per file (the authors' and tags' computed
    # lists once each, not once for the count and again for the lastmod).
    with django_assert_max_num_queries(1 + 2 * 5):
        assert client.get("/sitemap.xml").status_code == 200


def test_the_home_page_heads_the_sections_file_so_the_index_is_never_empty(client, newsroom):
    fresh, _, _ = newsroom
    urlset = fetch(client, "/sitemap-sections.xml")
    home = urlset.find("s:url", NS)
    assert home.find("s:loc", NS).text == "http://testserver/"
    assert home.find("s:lastmod", NS).text == fresh.publish_at.isoformat()
