"""In a Sponsored story the links to other sites are paid for: rel="sponsored" on each, in the
body and the teaser, wherever readers or machines get them (page, feeds, API), because they
are marked once, when the story is saved (Article.prepare_to_save). An outside review found
only the "Presented by" link marked."""

import re

import pytest

from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

BODY = (
    '<p>Buy at <a href="https://acme.example/buy">our shop</a>, read '
    '<a href="/about/">about us</a> and <a href="https://cms.example.org/s/">our story</a>.</p>'
)


@pytest.fixture(autouse=True)
def site(settings):
    settings.NEWSROOM_SITE_URL = "https://cms.example.org"


def _rel(html, href):
    [tag] = re.findall(rf'<a [^>]*href="{re.escape(href)}"[^>]*>', html)
    found = re.search(r'rel="([^"]*)"', tag)
    return found.group(1) if found else ""


def _sponsored(**fields):
    return ArticleFactory(
        headline="Brought to you",
        story_type=Article.StoryType.SPONSORED,
        sponsor_name="Acme",
        sponsor_url="https://acme.example/",
        body=BODY,
        **fields,
    )


def test_links_to_other_sites_in_a_sponsored_story_are_sponsored_everywhere(client):
    story = _sponsored(teaser="")
    assert Article.objects.public().filter(pk=story.pk).exists()
    surfaces = {
        "page": client.get(story.get_absolute_url()).content.decode(),
        "feed": client.get("/feed/").content.decode().replace("&lt;", "<").replace("&gt;", ">"),
        "api": client.get(f"/api/v1/stories/{story.pk}/").json()["body_html"],
        "teaser": story.teaser_html,
    }
    for name, html in surfaces.items():
        html = html.replace("&quot;", '"')
        assert _rel(html, "https://acme.example/buy") == "sponsored noopener noreferrer", name
        if name != "teaser":
            # Links within the site are not paid placements.
            assert "sponsored" not in _rel(html, "/about/"), name
            assert "sponsored" not in _rel(html, "https://cms.example.org/s/"), name


def test_a_story_that_changes_type_is_rendered_again():
    story = ArticleFactory(body=BODY, sponsor_name="Acme", sponsor_url="https://acme.example/")
    assert "sponsored" not in story.body_html
    story.story_type = Article.StoryType.SPONSORED
    story.save(update_fields=["story_type"])
    story.refresh_from_db()
    assert _rel(story.body_html, "https://acme.example/buy") == "sponsored noopener noreferrer"
    story.story_type = Article.StoryType.NEWS
    story.save()
    story.refresh_from_db()
    assert _rel(story.body_html, "https://acme.example/buy") == "noopener noreferrer"


def test_the_migration_marks_sponsored_stories_saved_before():
    from importlib import import_module

    from django.apps import apps

    story = _sponsored()
    plain = story.body_html.replace("sponsored noopener", "noopener")
    Article.objects.filter(pk=story.pk).update(body_html=plain)
    import_module("articles.migrations.0023_sponsored_links").mark(apps, None)
    story.refresh_from_db()
    assert _rel(story.body_html, "https://acme.example/buy") == "sponsored noopener noreferrer"
    assert "sponsored" not in _rel(story.body_html, "/about/")
