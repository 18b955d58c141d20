"""The page cache in Redis and the HTTP caching headers: fast, and never wrong."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    return ArticleFactory(
        headline="Fab opens", authors=[AuthorFactory(name="Jane Roe")], lead_photo=PhotoFactory()
    )


def test_a_second_anonymous_request_is_served_from_redis_without_the_database(
    client, redis_cache, story, django_assert_num_queries
):
    first = client.get(story.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(story.get_absolute_url())
    assert second["X-Page-Cache"] == "hit" and second.content == first.content


def test_public_pages_carry_cdn_headers(client, story):
    response = client.get(story.get_absolute_url())
    control = response["Cache-Control"]
    assert (
        "public" in control and "s-maxage=300" in control and "stale-while-revalidate=30" in control
    )
    assert "Cookie" in response["Vary"]
    assert response["ETag"] and response["Last-Modified"]


def test_a_repeated_conditional_request_gets_304(client, story):
    first = client.get("/")
    assert client.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_cache_lifetime_never_reaches_past_the_next_scheduled_publish(client):
    ArticleFactory()
    ArticleFactory(publish_at=timezone.now() + timedelta(seconds=42))
    control = client.get("/")["Cache-Control"]
    seconds = int(control.split("s-maxage=")[1].split(",")[0])
    assert 0 <= seconds <= 42


def test_a_scheduled_story_appears_at_its_instant_even_with_a_warm_cache(client, redis_cache):
    now = timezone.now()
    ArticleFactory(headline="Already out")
    ArticleFactory(headline="Embargoed until the minute", publish_at=now + timedelta(minutes=1))
    with time_machine.travel(now, tick=False) as traveller:
        assert "Embargoed" not in client.get("/").text
        assert client.get("/")["X-Page-Cache"] == "hit"  # warm
        traveller.move_to(now + timedelta(minutes=1))
        page = client.get("/")
        assert "Embargoed until the minute" in page.text and page["X-Page-Cache"] == "miss"


def test_staff_are_neither_served_from_nor_stored_in_the_cache(client, redis_cache, story, editor):
    url = story.get_absolute_url()
    client.get(url)  # an anonymous reader warms the cache
    client.force_login(editor)
    staff = client.get(url)
    assert "X-Page-Cache" not in staff and staff["Cache-Control"] == "private, no-store"
    client.logout()
    cache.clear()
    client.force_login(editor)
    client.get(url)
    client.logout()
    assert client.get(url)["X-Page-Cache"] == "miss"  # the staff view was not stored


def test_previews_are_private(client, editor, story):
    client.force_login(editor)
    assert "no-store" in client.get(f"/preview/{story.pk}/")["Cache-Control"]


def edit_story(story, editor):
    story.headline = "Fab opens early"
    story.save()
    return "Fab opens early"


def publish_new(story, editor):
    fresh = ArticleFactory(
        headline="Breaking chip news",
        status=Article.Status.DRAFT,
        publish_at=None,
        authors=[AuthorFactory()],
    )
    workflow.publish(article=fresh, by=editor)
    return "Breaking chip news"


def unpublish(story, editor):
    workflow.unpublish(article=story, by=editor)
    return None


def correct(story, editor):
    workflow.add_correction(
        article=story, by=editor, kind="correction", text="We erred on the date."
    )
    return "We erred on the date."


def change_photo(story, editor):
    story.lead_photo.credit = "New Agency"
    story.lead_photo.save()
    return "Photo: New Agency"


def change_author(story, editor):
    author = story.bylines.get().author
    author.name = "Jane Roe-Smith"
    author.save()
    return "Jane Roe-Smith"


@pytest.mark.parametrize(
    "change", [edit_story, publish_new, unpublish, correct, change_photo, change_author]
)
def test_every_kind_of_change_shows_at_once(
    client, redis_cache, story, editor, change, django_capture_on_commit_callbacks
):
    url = story.get_absolute_url()
    for page in ("/", url):
        client.get(page)
        assert client.get(page)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):  # the change commits
        expected = change(story, editor)
    home, page = client.get("/"), client.get(url)
    assert home["X-Page-Cache"] == "miss"
    if expected is None:  # unpublished: gone from the site
        assert page.status_code == 404 and "Fab opens" not in home.text
    else:
        assert expected in home.text + page.text


def test_with_the_cache_down_the_site_still_serves_and_says_so(client, settings, story, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.NEWSROOM_PAGE_CACHE = True
    for _ in range(3):
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200 and "Fab opens" in response.text
    assert caplog.text.count("unreachable") == 1  # one line for the outage, not one a call


def test_css_and_js_weigh_under_40_kb_compressed_and_no_script_blocks_rendering(client, story):
    import gzip
    import re
    from pathlib import Path

    html = client.get(story.get_absolute_url()).text
    static = Path(__file__).resolve().parent.parent / "static"
    assets = re.findall(r'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert assets, "the page links its stylesheet and script"
    weight = sum(len(gzip.compress((static / name).read_bytes(), 9)) for name in assets)
    assert weight < 40 * 1024, weight
    for tag in re.findall(r"<script [^>]*src=[^>]*>", html):
        assert " defer" in tag or " async" in tag, tag


def test_a_page_from_the_cache_carries_every_security_header(client, redis_cache, story):
    first = client.get(story.get_absolute_url())
    hit = client.get(story.get_absolute_url())
    assert hit["X-Page-Cache"] == "hit"
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "Permissions-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert hit[header] == first[header], header
    assert int(hit["Content-Length"]) == len(hit.content)


def test_a_reader_with_a_session_cookie_is_never_served_a_stored_page(client, redis_cache, story):
    client.get(story.get_absolute_url())
    client.cookies["sessionid"] = "not-a-real-session"
    response = client.get(story.get_absolute_url())
    assert response.get("X-Page-Cache") != "hit"
