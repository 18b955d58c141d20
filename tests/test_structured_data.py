"""Structured data: JSON-LD that parses and carries what search engines read."""

import json
import re

import pytest
from django.utils import timezone

from articles import workflow
from tests.factories import ArticleFactory, AuthorFactory, HandleFactory, PhotoFactory

pytestmark = pytest.mark.django_db


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_story_pages_carry_news_article_and_breadcrumbs(client, editor):
    author = AuthorFactory(name="Jane Roe", job_title="Chips reporter")
    HandleFactory(author=author, kind="x", value="janeroe")
    HandleFactory(author=author, kind="mastodon", value="@jane@mastodon.social")
    HandleFactory(author=author, kind="email", value="jane@example.com")
    photo = PhotoFactory(credit="VCG/Getty Images")
    story = ArticleFactory(headline="Fab </script><b>opens</b>", dek="It is big.", authors=[author],
                           lead_photo=photo, tags=["fabs"])  # fmt: skip
    workflow.add_correction(
        article=story, by=editor, kind="correction", text="We misspelled a name."
    )
    article, trail = json_ld(client.get(story.get_absolute_url()).text)
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == "Fab </script><b>opens</b>"
    assert article["datePublished"] == story.first_published_at.isoformat()
    story.refresh_from_db()
    assert article["dateModified"] == story.updated_at.isoformat()
    (person,) = article["author"]
    assert person["@type"] == "Person" and person["name"] == "Jane Roe"
    assert person["sameAs"] == ["https://x.com/janeroe", "https://mastodon.social/@jane"]
    assert article["publisher"]["@type"] == "NewsMediaOrganization"
    assert article["publisher"]["logo"]["url"].endswith("/static/img/logo.png")
    folder = f"http://testserver/media/renditions/{story.lead_photo.media_token}/"
    assert article["image"][0]["url"].startswith(folder)
    assert article["image"][0]["creditText"] == "Photo: VCG/Getty Images"
    assert article["correction"][0]["@type"] == "CorrectionComment"
    assert "misspelled" in article["correction"][0]["text"]
    assert trail["@type"] == "BreadcrumbList"
    assert [item["name"] for item in trail["itemListElement"]] == [
        "Newsroom",
        "News",
        story.headline,
    ]


def test_json_ld_cannot_close_its_script_element(client):
    story = ArticleFactory(headline="</script><script>alert(1)</script>")
    html = client.get(story.get_absolute_url()).text
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in block and ">" not in block


def test_author_pages_carry_a_person(client):
    author = AuthorFactory(name="Jane Roe", headshot=PhotoFactory())
    HandleFactory(author=author, kind="bluesky", value="jane.bsky.social")
    ArticleFactory(authors=[author])
    (person,) = json_ld(client.get(author.get_absolute_url()).text)
    assert person["@type"] == "Person" and person["name"] == "Jane Roe"
    assert person["sameAs"] == ["https://bsky.app/profile/jane.bsky.social"]
    assert person["image"].startswith(
        f"http://testserver/media/renditions/{author.headshot.media_token}/"
    )


def test_the_home_page_carries_organization_and_website_with_search(client):
    ArticleFactory(publish_at=timezone.now())
    (graph,) = json_ld(client.get("/").text)
    kinds = {node["@type"]: node for node in graph["@graph"]}
    assert kinds["NewsMediaOrganization"]["name"] == "Newsroom"
    action = kinds["WebSite"]["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "http://testserver/search/?q={search_term_string}"
