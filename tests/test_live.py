"""Live coverage (#17 part 4): a Live story's updates on its page, its updates endpoint, its
feed, its JSON-LD, the admin's "Add update" page and "End coverage", the archive, and the rule
that an update follows its story's visibility everywhere."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from articles import live, workflow
from articles.models import Activity, Article, LiveUpdate, Photo
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db

LIVE = Article.StoryType.LIVE


@pytest.fixture
def live_story(editor):
    author = AuthorFactory(name="Jane Roe", user=editor)
    story = ArticleFactory(
        headline="Chip summit, live",
        story_type=LIVE,
        section=SectionFactory(slug="chips", name="Chips"),
        authors=[author],
        body="<p>Leaders meet in Dresden. Here is what we know.</p>",
    )
    return story


def post(story, by, text, **kwargs):
    author = kwargs.pop("author", None) or AuthorFactory()
    return live.add_update(story=story, by=by, body=f"<p>{text}</p>", author=author, **kwargs)


def updates_json(client, story):
    url = reverse(
        "articles:live_updates", kwargs={"section": story.section.slug, "slug": story.slug}
    )
    return client.get(url)


def live_feed(client, story):
    return client.get(f"{story.get_absolute_url()}feed/")


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_a_live_story_page_shows_its_updates_newest_first_with_anchors(client, editor, live_story):
    photo = PhotoFactory(caption="Delegates arrive.", credit="Pixelwire Agency")
    first = post(
        live_story,
        editor,
        "Doors open.",
        author=AuthorFactory(name="Ann Lee"),
        at=timezone.now() - timedelta(minutes=5),
    )
    second = post(
        live_story,
        editor,
        "The chancellor speaks.",
        key_event=True,
        photo=photo,
        headline="Chancellor: fabs are coming",
    )
    page = client.get(live_story.get_absolute_url()).content.decode()
    assert "js/live.js" in page
    html = page[page.index("<main") :]  # the page, not its JSON-LD
    assert html.index("Leaders meet in Dresden") < html.index("The chancellor speaks.")
    assert html.index("The chancellor speaks.") < html.index("Doors open.")
    assert f'id="update-{second.pk}"' in html and f'id="update-{first.pk}"' in html
    assert f'href="#update-{second.pk}"' in html  # the visible permalink
    assert "By <a" in html and "Ann Lee" in html
    assert "Key event" in html and "Photo: Pixelwire Agency" in html
    # The key events list at the top links to the key event's anchor, before the stream.
    key_list = html.index("data-key-events-list")
    assert key_list < html.index(f'id="update-{second.pk}"')
    assert html.index(f'href="#update-{second.pk}"', key_list) < html.index("data-live-stream")
    assert f'data-poll-url="{live_story.get_absolute_url()}updates.json"' in html
    assert 'data-open="true"' in html


def test_a_story_that_is_not_live_has_no_updates_machinery(client):
    story = ArticleFactory()
    html = client.get(story.get_absolute_url()).content.decode()
    assert "data-live-coverage" not in html and "live.js" not in html
    assert updates_json(client, story).status_code == 404
    assert live_feed(client, story).status_code == 404


def test_the_live_page_and_endpoint_keep_to_a_query_budget(
    client, editor, live_story, django_assert_max_num_queries
):
    photo = PhotoFactory()
    for k in range(12):
        post(live_story, editor, f"Update {k}", key_event=k % 3 == 0, photo=photo)
    client.get(live_story.get_absolute_url())  # the schedule and the layout warm
    # The story page's budget (tests/test_pages.py) plus one query for the updates.
    with django_assert_max_num_queries(9):
        response = client.get(live_story.get_absolute_url())
    assert response.content.decode().count("data-update-id=") == 12
    with django_assert_max_num_queries(4):
        response = updates_json(client, live_story)
    assert len(response.json()["updates"]) == 12


def test_the_endpoint_is_one_cacheable_copy_for_every_reader(client, editor, live_story, settings):
    settings.NEWSROOM_LIVE_CACHE_SECONDS = 7
    update = post(live_story, editor, "Doors open.")
    response = updates_json(client, live_story)
    assert response["Cache-Control"] == "public, max-age=7, s-maxage=7"
    assert response.has_header("Last-Modified")
    data = response.json()
    assert data["open"] is True and data["complete"] is True
    assert [u["id"] for u in data["updates"]] == [update.pk]
    assert f'id="update-{update.pk}"' in data["updates"][0]["html"]


def test_no_cdn_keeps_an_open_live_story_longer_than_its_updates(
    client, editor, live_story, settings
):
    """Updates are posted without a story event, so a purged CDN (which may keep pages a day)
    must not hold a live story's page or its updates past LIVE_CACHE_SECONDS."""
    settings.NEWSROOM_CDN_PURGE = "varnish"
    settings.NEWSROOM_LIVE_CACHE_SECONDS = 6
    post(live_story, editor, "Doors open.")
    for response in (client.get(live_story.get_absolute_url()), updates_json(client, live_story)):
        assert response["Cache-Control"] == "public, max-age=6, s-maxage=6"
        assert not response.has_header("Surrogate-Control")
        assert not response.has_header("CDN-Cache-Control")
    live.end_coverage(story=live_story, by=editor)
    ended = client.get(live_story.get_absolute_url())
    assert "max-age=6" not in ended["Cache-Control"]  # a closed story is an ordinary page


def test_the_page_cache_holds_the_endpoint_and_drops_it_when_an_update_is_posted(
    client,
    editor,
    live_story,
    redis_cache,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    post(live_story, editor, "Doors open.")
    first = updates_json(client, live_story)
    assert first["X-Page-Cache"] == "miss" and first.has_header("ETag")
    with django_assert_max_num_queries(0):
        again = updates_json(client, live_story)
    assert again["X-Page-Cache"] == "hit"
    not_modified = client.get(
        reverse("articles:live_updates", kwargs={"section": "chips", "slug": live_story.slug}),
        HTTP_IF_NONE_MATCH=first["ETag"],
    )
    assert not_modified.status_code == 304
    # The reader's page sees a new update at its next poll: nothing stale is served.
    with django_capture_on_commit_callbacks(execute=True):  # the update commits
        newer = post(live_story, editor, "The chancellor speaks.")
    response = updates_json(client, live_story)
    assert response["X-Page-Cache"] == "miss"
    assert response.json()["updates"][0]["id"] == newer.pk


def test_ending_coverage_tells_the_page_and_the_endpoint(client, editor, live_story):
    post(live_story, editor, "Doors open.")
    live.end_coverage(story=live_story, by=editor)
    html = client.get(live_story.get_absolute_url()).content.decode()
    assert 'data-open="false"' in html and "Live coverage has ended." in html
    data = updates_json(client, live_story).json()
    assert data["open"] is False and "Live coverage has ended." in data["status"]
    (article,) = [d for d in json_ld(html) if d.get("@type") == "LiveBlogPosting"]
    assert article["coverageEndTime"] == live_story.coverage_ended_at.isoformat()
    assert Activity.objects.filter(
        article=live_story, action=Activity.Action.COVERAGE_ENDED, user=editor
    ).exists()
    live.reopen_coverage(story=live_story, by=editor)
    assert 'data-open="true"' in client.get(live_story.get_absolute_url()).content.decode()


def test_json_ld_is_a_live_blog_posting_with_its_updates(client, editor, live_story):
    update = post(live_story, editor, "The chancellor speaks.", headline="Chancellor speaks")
    html = client.get(live_story.get_absolute_url()).content.decode()
    (article,) = [d for d in json_ld(html) if d.get("@type") == "LiveBlogPosting"]
    assert article["coverageStartTime"] == live_story.first_published_at.isoformat()
    assert "coverageEndTime" not in article
    (entry,) = article["liveBlogUpdate"]
    assert entry["@type"] == "BlogPosting"
    assert entry["headline"] == "Chancellor speaks"
    assert entry["articleBody"] == "The chancellor speaks."
    assert entry["datePublished"] == update.published_at.isoformat()
    assert entry["author"]["name"] == update.author.name
    assert entry["url"].endswith(f"{live_story.get_absolute_url()}#update-{update.pk}")
    assert article["dateModified"] >= update.published_at.isoformat()


def test_the_story_feed_carries_updates_as_items_and_the_site_feed_the_story_once(
    client, editor, live_story
):
    post(live_story, editor, "Doors open.", headline="Doors open")
    post(live_story, editor, "The chancellor speaks.", key_event=True, headline="Chancellor")
    feed = live_feed(client, live_story).content.decode()
    assert feed.count("<item>") == 2
    assert feed.index("Chancellor") < feed.index("Doors open")
    assert "Key event" in feed
    site = client.get("/feed/").content.decode()
    assert site.count("Chip summit, live") == 1
    html = client.get(live_story.get_absolute_url()).content.decode()
    assert f'href="{live_story.get_absolute_url()}feed/"' in html


def test_the_api_carries_a_live_storys_coverage(client, editor, live_story):
    update = post(live_story, editor, "Doors open.", key_event=True)
    data = client.get(f"/api/v1/stories/{live_story.pk}/").json()
    assert data["live"]["ended_at"] is None
    (entry,) = data["live"]["updates"]
    assert (entry["id"], entry["key_event"]) == (update.pk, True)
    assert entry["url"].endswith(f"#update-{update.pk}")
    assert client.get(f"/api/v1/stories/{ArticleFactory().pk}/").json()["live"] is None


def not_public(kind: str, story: Article, editor) -> None:
    if kind == "draft":
        workflow.unpublish(article=story, by=editor)
        workflow.return_to_draft(article=story, by=editor)
    elif kind == "scheduled":
        workflow.schedule(article=story, by=editor, at=timezone.now() + timedelta(hours=2))
    elif kind == "unpublished":
        workflow.unpublish(article=story, by=editor)
    elif kind == "trashed":
        workflow.trash(article=story, by=editor)


@pytest.mark.parametrize("kind", ["draft", "scheduled", "unpublished", "trashed"])
def test_updates_of_a_story_that_is_not_public_appear_nowhere(client, editor, live_story, kind):
    photo = PhotoFactory()
    update = post(live_story, editor, "Zanzibar is the secret word.", photo=photo, key_event=True)
    assert LiveUpdate.objects.public().filter(pk=update.pk).exists()
    assert Photo.objects.public().filter(pk=photo.pk).exists()
    not_public(kind, live_story, editor)
    live_story.refresh_from_db()
    assert not LiveUpdate.objects.public().filter(pk=update.pk).exists()
    assert not Photo.objects.public().filter(pk=photo.pk).exists()  # its file 404s to readers
    surfaces = [
        client.get(live_story.get_absolute_url()),
        updates_json(client, live_story),
        live_feed(client, live_story),
        client.get("/feed/"),
        client.get("/api/v1/stories/"),
        client.get(f"/api/v1/stories/{live_story.pk}/"),
        client.get("/search/?q=zanzibar"),
        client.get("/"),
    ]
    for response in surfaces:
        assert "secret word" not in response.content.decode()
        assert f"update-{update.pk}" not in response.content.decode()
    assert updates_json(client, live_story).status_code == 404
    assert live_feed(client, live_story).status_code == 404


def test_an_update_with_a_future_time_waits_for_it(client, editor, live_story):
    post(live_story, editor, "Later: zanzibar.", at=timezone.now() + timedelta(hours=1))
    assert "zanzibar" not in client.get(live_story.get_absolute_url()).content.decode()
    assert updates_json(client, live_story).json()["updates"] == []


def test_posting_and_ending_are_content_events_only_while_the_story_is_public(editor, live_story):
    """story.updated purges the story's page from a CDN and tells webhook receivers."""
    from events.models import Event

    post(live_story, editor, "Doors open.")
    live.end_coverage(story=live_story, by=editor)
    events = Event.objects.filter(article=live_story, kind="story.updated")
    assert sorted(e.payload["changed"] for e in events) == [
        ["coverage_ended_at"],
        ["live_updates"],
    ]
    draft = ArticleFactory(story_type=LIVE, status=Article.Status.DRAFT)
    post(draft, editor, "Not yet.")
    assert not Event.objects.filter(article=draft).exists()


def test_update_bodies_are_sanitized_like_story_bodies(editor, live_story):
    update = post(live_story, editor, 'Hi<script>alert(1)</script><a href="javascript:x">y</a>')
    assert "<script" not in update.body and "javascript:" not in update.body_html


# The admin


def test_a_reporter_on_the_byline_posts_an_update_from_the_small_page(
    client, staff_member, live_story
):
    rita = staff_member("rita", "Reporter")
    own = AuthorFactory(name="Rita Reporter", user=rita)
    live_story.bylines.create(author=own, position=1)
    client.force_login(rita)
    url = reverse("admin:articles_article_live_update", args=[live_story.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'<option value="{own.pk}" selected>' in page.content.decode()  # her own byline
    response = client.post(
        url, {"body": "<p>Doors open at the venue.</p>", "author": own.pk, "key_event": "on"}
    )
    assert response.status_code == 302 and response["Location"] == url
    update = LiveUpdate.objects.get(story=live_story)
    assert (update.author, update.key_event, update.created_by) == (own, True, rita)
    entry = Activity.objects.get(article=live_story, action=Activity.Action.LIVE_UPDATE)
    assert entry.user == rita and "Doors open" in entry.detail
    # Reached from the story list's row and from the story's own admin page.
    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert url in listing
    change = client.get(reverse("admin:articles_article_change", args=[live_story.pk]))
    assert url in change.content.decode()


def test_a_reporter_not_on_the_story_may_not_post(client, staff_member, live_story):
    rita = staff_member("rita", "Reporter")
    client.force_login(rita)
    url = reverse("admin:articles_article_live_update", args=[live_story.pk])
    response = client.post(url, {"body": "<p>x</p>", "author": AuthorFactory().pk})
    assert response.status_code == 403
    assert not LiveUpdate.objects.exists()
    with pytest.raises(PermissionDenied):
        post(live_story, rita, "x")


def test_only_editors_end_coverage(client, staff_member, editor, live_story):
    rita = staff_member("rita", "Reporter")
    live_story.bylines.create(author=AuthorFactory(user=rita), position=1)
    with pytest.raises(PermissionDenied):
        live.end_coverage(story=live_story, by=rita)
    client.force_login(editor)
    response = client.post(reverse("admin:articles_article_coverage", args=[live_story.pk, "end"]))
    assert response.status_code == 302
    live_story.refresh_from_db()
    assert live_story.coverage_ended_at is not None


def test_no_updates_on_a_story_that_is_not_live(editor):
    story = ArticleFactory()
    with pytest.raises(PermissionDenied):
        post(story, editor, "x")
