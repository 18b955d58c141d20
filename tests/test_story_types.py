"""Story types (News, Analysis, Opinion, Review, Explainer, Sponsored, Live) on every surface:
labels in words on cards, story pages and search results; a Sponsored story's "Presented by"
sponsor, required to publish and linked rel="sponsored"; the schema.org type in JSON-LD;
filters in the admin, the API and feeds; no Sponsored story in the news sitemap."""

import json
import re
from datetime import timedelta

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from articles import workflow
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

TYPES = dict(Article.StoryType.choices)
SCHEMA = {
    "news": "NewsArticle",
    "analysis": "AnalysisNewsArticle",
    "opinion": "OpinionNewsArticle",
    "review": "ReviewNewsArticle",
    "explainer": "BackgroundNewsArticle",
    "sponsored": "AdvertiserContentArticle",
    "live": "LiveBlogPosting",
}
SPONSOR = {"sponsor_name": "Seagull Lines", "sponsor_url": "https://seagull.example/"}


@pytest.fixture
def stories():
    """One public story of each type, newest first in the order of the choices."""
    section = SectionFactory(slug="port", name="Port")
    author = AuthorFactory(name="Jane Roe")
    now = timezone.now()
    made = {}
    for k, story_type in enumerate(TYPES):
        extra = SPONSOR if story_type == "sponsored" else {}
        made[story_type] = ArticleFactory(
            headline=f"A {story_type} story",
            section=section,
            story_type=story_type,
            authors=[author],
            publish_at=now - timedelta(minutes=k + 1),
            **extra,
        )
    return made


def card_of(html: str, story) -> str:
    start = html.index(f'aria-labelledby="headline-{story.pk}"')
    return html[start : html.index("</article>", start)]


def label_in(html: str) -> str | None:
    found = re.search(r'<span class="story-type story-type-(\w+)">([^<]+)</span>', html)
    return found and found.group(2)


@pytest.mark.parametrize("url", ["/", "/port/"])
def test_cards_label_every_type_but_news_in_words(client, stories, url):
    html = client.get(url).text
    for story_type, story in stories.items():
        expected = None if story_type == "news" else TYPES[story_type]
        assert label_in(card_of(html, story)) == expected, story_type


def test_story_pages_label_their_type_in_words(client, stories):
    for story_type, story in stories.items():
        html = client.get(story.get_absolute_url()).text
        start = html.index('<header class="story-header"')
        header = html[start : html.index("</header>", start)]
        assert label_in(header) == (None if story_type == "news" else TYPES[story_type])


def test_search_results_label_the_type(client, stories):
    html = client.get("/search/", {"q": "opinion story"}).text
    results = html[html.index('class="results"') :]
    assert label_in(results) == "Opinion"


SPONSOR_LINK = (
    'Presented by <a href="https://seagull.example/" rel="sponsored noopener">Seagull Lines</a>'
)


@pytest.mark.parametrize("where", ["card", "page", "search"])
def test_a_sponsored_story_says_who_presents_it_with_a_sponsored_link(client, stories, where):
    sponsored = stories["sponsored"]
    if where == "card":
        html = card_of(client.get("/").text, sponsored)
    elif where == "page":
        html = client.get(sponsored.get_absolute_url()).text
    else:
        html = client.get("/search/", {"q": "sponsored story"}).text
    assert SPONSOR_LINK in html
    # Every link to the sponsor, wherever printed, says it is sponsored.
    for link in re.findall(r'<a [^>]*href="https://seagull\.example/"[^>]*>', html):
        assert 'rel="sponsored noopener"' in link


def test_a_sponsor_link_that_is_not_a_web_address_is_never_linked(client, stories):
    story = stories["sponsored"]
    Article.objects.filter(pk=story.pk).update(sponsor_url="javascript:alert(1)")
    html = client.get(story.get_absolute_url()).text
    assert "Presented by Seagull Lines" in html and "javascript:" not in html


def json_ld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_json_ld_has_the_schema_org_type_of_each_story_type(client, stories):
    for story_type, story in stories.items():
        data = json_ld(client.get(story.get_absolute_url()).text)
        assert data["@type"] == SCHEMA[story_type]
    sponsored = json_ld(client.get(stories["sponsored"].get_absolute_url()).text)
    assert sponsored["sponsor"] == {
        "@type": "Organization",
        "name": "Seagull Lines",
        "url": "https://seagull.example/",
    }


def test_publishing_a_sponsored_story_without_its_sponsor_is_refused(editor):
    story = ArticleFactory(
        status=Article.Status.DRAFT,
        publish_at=None,
        story_type="sponsored",
        authors=[AuthorFactory()],
    )
    with pytest.raises(ValidationError) as refused:
        workflow.publish(article=story, by=editor)
    assert "sponsor's name" in str(refused.value) and "link to its sponsor" in str(refused.value)
    story.sponsor_name, story.sponsor_url = SPONSOR["sponsor_name"], SPONSOR["sponsor_url"]
    story.save()
    workflow.publish(article=story, by=editor)
    assert Article.objects.get(pk=story.pk).is_public


def admin_form(story, **changes) -> dict:
    data = {
        "headline": story.headline,
        "slug": story.slug,
        "dek": story.dek,
        "section": story.section_id,
        "story_type": story.story_type,
        "sponsor_name": story.sponsor_name,
        "sponsor_url": story.sponsor_url,
        "body": story.body,
        "teaser": "",
        "new_tags": "",
        "loaded_version": story.version,
        "bylines-TOTAL_FORMS": 0,
        "bylines-INITIAL_FORMS": 0,
        "corrections-TOTAL_FORMS": 0,
        "corrections-INITIAL_FORMS": 0,
    }
    return {**data, **changes}


def test_the_admin_form_says_a_sponsored_story_needs_its_sponsor(editor_client, stories):
    story = stories["news"]
    url = f"/admin/articles/article/{story.pk}/change/"
    page = editor_client.get(url).text
    assert 'name="story_type"' in page and 'name="sponsor_name"' in page
    response = editor_client.post(url, admin_form(story, story_type="sponsored"))
    assert response.status_code == 200  # the form again, with what is missing
    errors = response.context["adminform"].form.errors
    assert "Presented by" in str(errors["sponsor_name"])
    assert "link to its sponsor" in str(errors["sponsor_url"])
    assert Article.objects.get(pk=story.pk).story_type == "news"


def test_the_admin_list_filters_by_type(editor_client, stories):
    html = editor_client.get("/admin/articles/article/", {"story_type__exact": "opinion"}).text
    assert "A opinion story" in html and "A news story" not in html


def test_the_api_gives_the_type_and_sponsor_and_filters_by_type(client, stories):
    listed = client.get("/api/v1/stories/", {"type": "opinion"}).json()["results"]
    assert [s["headline"] for s in listed] == ["A opinion story"]
    assert listed[0]["type"] == "opinion" and listed[0]["type_label"] == "Opinion"
    single = client.get(f"/api/v1/stories/{stories['sponsored'].pk}/").json()
    assert single["sponsor"] == {"name": "Seagull Lines", "url": "https://seagull.example/"}
    assert client.get(f"/api/v1/stories/{stories['news'].pk}/").json()["sponsor"] is None
    assert client.get("/api/v1/stories/", {"type": "gossip"}).status_code == 422
    schema = client.get(reverse("api:openapi-json")).json()
    parameters = schema["paths"]["/api/v1/stories/"]["get"]["parameters"]
    assert any(p["name"] == "type" for p in parameters)


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/port/feed/", "/port/feed/atom/"])
def test_feeds_filter_by_type(client, stories, url):
    entries = feedparser.parse(client.get(url, {"type": "opinion"}).content).entries
    assert [e.title for e in entries] == ["A opinion story"]
    assert len(feedparser.parse(client.get(url).content).entries) == len(TYPES)
    assert client.get(url, {"type": "gossip"}).status_code == 404


def test_a_typed_feed_has_its_own_validators(client, stories):
    whole = client.get("/feed/")
    typed = client.get("/feed/", {"type": "opinion"}, HTTP_IF_NONE_MATCH=whole["ETag"])
    assert typed.status_code == 200 and typed["ETag"] != whole["ETag"]


def test_sponsored_stories_stay_out_of_the_news_sitemap(client, stories):
    news = etree.fromstring(client.get("/sitemap-news.xml").content)
    listed = [loc.text for loc in news.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    urls = {t: f"http://testserver{s.get_absolute_url()}" for t, s in stories.items()}
    assert urls["sponsored"] not in listed
    assert all(urls[t] in listed for t in TYPES if t != "sponsored")


def test_list_pages_with_every_type_keep_their_query_budget(
    client, stories, django_assert_max_num_queries
):
    from tests.test_pages import LIST_BUDGET

    with django_assert_max_num_queries(LIST_BUDGET):
        assert client.get("/").status_code == 200


def test_wordpress_categories_named_for_a_type_give_it_and_a_sponsor_is_required():
    """tests/data/wordpress/roles-and-types.xml, read here with lxml: a post filed under a
    category whose name or slug is a story type gets that type; a Sponsored post takes its
    sponsor from custom fields, and one without is kept unpublished."""
    from tests.test_wordpress_corpus import CORPUS, run, story_for

    root = etree.parse(str(CORPUS / "roles-and-types.xml")).getroot()
    wp = root.nsmap["wp"]
    output = run("roles-and-types.xml")
    names = {label.lower(): value for value, label in Article.StoryType.choices}
    seen = set()
    for item in root.iterfind("channel/item"):
        meta = {
            m.findtext(f"{{{wp}}}meta_key"): m.findtext(f"{{{wp}}}meta_value")
            for m in item.iterfind(f"{{{wp}}}postmeta")
        }
        wanted = "news"
        for c in item.iterfind("category"):
            if c.get("domain") == "category":
                keys = [c.get("nicename").lower(), c.text.strip().lower()]
                found = [k if k in TYPES else names.get(k) for k in keys]
                if any(found):
                    wanted = next(f for f in found if f)
                    break
        story = story_for(item.findtext(f"{{{wp}}}post_id"))
        assert story.story_type == wanted, story.headline
        seen.add(wanted)
        if wanted == "sponsored":
            assert story.sponsor_name == meta.get("sponsor_name", "")
            assert story.sponsor_url == meta.get("sponsor_url", "")
            assert story.is_public == bool(meta.get("sponsor_name"))
    assert {"news", "opinion", "analysis", "sponsored"} <= seen
    assert "filed under Sponsored without a sponsor's name and link" in output


def test_an_edit_that_leaves_the_type_out_keeps_it_and_logs_no_type_change(editor_client):
    from articles.models import Activity
    from tests.test_workflow import change_form_data

    story = ArticleFactory(story_type=Article.StoryType.OPINION, authors=[AuthorFactory()])
    editor_client.post(
        f"/admin/articles/article/{story.pk}/change/", change_form_data(story, dek="New dek")
    )
    story.refresh_from_db()
    assert (story.dek, story.story_type) == ("New dek", Article.StoryType.OPINION)
    assert Activity.objects.filter(article=story).latest("pk").detail == "dek"
