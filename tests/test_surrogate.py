"""Surrogate keys: every public answer names what it shows (newsroom/surrogate.py), the same
whether rendered whole, assembled from cached pieces or replayed by the page cache; a CDN
purged by events may keep pages a day, never past the next scheduled publish."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles.markup import rendition_url
from newsroom.surrogate import keys_for_event
from tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory

pytestmark = pytest.mark.django_db


def keys(response) -> set[str]:
    named = set(response["Surrogate-Key"].split())
    assert named == set(response["Cache-Tag"].split(","))  # Cloudflare's spelling, same keys
    return named


@pytest.fixture
def world():
    section = SectionFactory(slug="chips", name="Chips")
    author = AuthorFactory(headshot=PhotoFactory())
    tag = Tag.objects.create(name="Fabs", slug="fabs")
    story = ArticleFactory(section=section, authors=[author], tags=[tag], lead_photo=PhotoFactory())
    other = ArticleFactory(section=SectionFactory(slug="science", name="Science"))
    return SimpleNamespace(section=section, author=author, tag=tag, story=story, other=other)


def printed(world) -> set[str]:
    """What a card or the page of world.story prints."""
    story, author = world.story, world.author
    return {
        f"story-{story.pk}",
        f"section-{world.section.pk}",
        f"author-{author.pk}",
        f"photo-{author.headshot_id}",
        f"photo-{story.lead_photo_id}",
    }


def expected_pages(world) -> dict[str, set[str]]:
    nav = {f"section-{world.section.pk}", f"section-{world.other.section_id}"}
    story, author, tag, section = world.story, world.author, world.tag, world.section
    cards = printed(world)
    return {
        story.get_absolute_url(): cards
        | nav
        | {f"tag-{tag.pk}", "latest", f"story-{world.other.pk}"},
        "/": cards | nav | {"home", f"story-{world.other.pk}"},
        section.get_absolute_url(): cards | nav | {f"list-section-{section.pk}"},
        f"/tags/{tag.slug}/": cards | nav | {f"tag-{tag.pk}", f"list-tag-{tag.pk}"},
        author.get_absolute_url(): cards | nav | {f"list-author-{author.pk}"},
    }


@pytest.mark.parametrize("mode", ["whole", "pieces", "replayed"])
def test_every_page_kind_names_what_it_shows(client, world, mode, request):
    if mode != "whole":
        request.getfixturevalue("fragment_cache" if mode == "pieces" else "redis_cache")
    for path, expected in expected_pages(world).items():
        first = client.get(path)
        assert first.status_code == 200, path
        assert keys(first) == expected, path
        if mode != "whole":
            again = client.get(path)  # from the page cache, or made of the pieces stored
            assert keys(again) == expected, path
            if mode == "replayed":
                assert again["X-Page-Cache"] == "hit" and "Age" in again


def test_feeds_sitemaps_search_and_the_api_name_themselves(client, world):
    answers = {
        "/feed/": "feeds",
        "/feed/atom/": "feeds",
        f"/tags/{world.tag.slug}/feed/": "feeds",
        world.section.get_absolute_url() + "feed/": "feeds",
        "/sitemap.xml": "sitemaps",
        "/sitemap-stories.xml": "sitemaps",
        "/search/?q=chipmaker": "search",
        "/api/v1/stories/": "api",
        f"/api/v1/stories/{world.story.pk}/": "api",
    }
    for path, key in answers.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert key in keys(response), path


def test_a_public_rendition_names_its_photo(client, world):
    response = client.get(rendition_url(world.story.lead_photo, "story"))
    assert response.status_code == 200
    assert keys(response) == {f"photo-{world.story.lead_photo_id}"}


def test_staff_and_errors_name_nothing(client, editor_client, world):
    assert "Surrogate-Key" not in editor_client.get(world.story.get_absolute_url())
    assert "Surrogate-Key" not in client.get("/chips/no-such-story/")
    assert "Surrogate-Key" not in editor_client.get(f"/preview/{world.story.pk}/")


def test_a_purged_cdn_keeps_pages_a_day_and_browsers_do_not(client, world, settings):
    response = client.get("/")
    assert "Surrogate-Control" not in response  # nothing purges the CDN: Cache-Control only
    settings.NEWSROOM_CDN_PURGE = "varnish"
    response = client.get("/")
    assert response["Surrogate-Control"] == f"max-age={settings.NEWSROOM_CDN_MAX_AGE}"
    assert response["CDN-Cache-Control"] == response["Surrogate-Control"]
    assert "max-age=0" in response["Cache-Control"]


def test_a_purged_cdn_never_keeps_a_page_past_the_next_scheduled_publish(client, world, settings):
    settings.NEWSROOM_CDN_PURGE = "varnish"
    ArticleFactory(publish_at=timezone.now() + timedelta(seconds=42))
    seconds = int(client.get("/")["Surrogate-Control"].removeprefix("max-age="))
    assert 0 <= seconds <= 42


def test_a_page_made_before_a_commit_is_not_given_to_the_cdn(client, world, settings, redis_cache):
    """The race a long CDN lifetime opens: a reader's page is read from the old rows, the
    editor's change commits and its purge goes out, then the old page arrives at the CDN."""
    from articles import views
    from newsroom import pagecache

    settings.NEWSROOM_CDN_PURGE = "varnish"
    render = views.render_story

    def render_then_commit(*args, **kwargs):
        response = render(*args, **kwargs)
        pagecache.move_generation()  # a commit lands while this page was being made
        return response

    views.render_story = render_then_commit
    try:
        response = client.get(world.story.get_absolute_url())
    finally:
        views.render_story = render
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "Surrogate-Control" not in response
    assert client.get(world.story.get_absolute_url())["X-Page-Cache"] == "miss"


def event(kind, *, story=None, before=None, **payload):
    if story is not None:
        payload = {"story": story, "before": before, "changed": [], **payload}
    return SimpleNamespace(kind=kind, payload=payload, article_id=story and story["id"])


SHAPE = {"id": 7, "section": 2, "tags": [3], "authors": [4, 5], "photos": [6]}
WHOLE = {"feeds", "sitemaps", "search", "api"}


LISTS = {"home", "latest", "list-section-2", "list-tag-3", "list-author-4", "list-author-5"}


def test_a_story_going_live_or_leaving_purges_every_list_it_is_in():
    hidden = {**SHAPE, "public": False}
    for kind, after, before in [
        ("story.published", SHAPE, None),
        ("story.unpublished", hidden, SHAPE),
        ("story.unpublished", hidden, None),
        ("story.trashed", hidden, SHAPE),
        ("story.embargo_lifted", SHAPE, hidden),
    ]:
        assert keys_for_event(event(kind, story=after, before=before)) == (
            {"story-7", "photo-6"} | LISTS | WHOLE
        ), kind


def test_an_edit_purges_its_story_and_only_the_lists_it_joined_or_left():
    assert keys_for_event(event("story.updated", story=SHAPE, before=SHAPE)) == {"story-7"} | WHOLE
    moved = {**SHAPE, "section": 9, "tags": [3, 8], "photos": [10]}
    assert keys_for_event(event("story.corrected", story=moved, before=SHAPE)) == (
        {"story-7", "list-section-2", "list-section-9", "list-tag-8", "photo-6", "photo-10"} | WHOLE
    )
    draft = {**SHAPE, "public": False}
    assert keys_for_event(event("story.updated", story=draft, before=draft)) == {"story-7"} | WHOLE
    assert keys_for_event(event("story.updated", story=SHAPE, before=draft)) == (
        {"story-7", "photo-6"} | LISTS | WHOLE
    )


def test_an_object_event_purges_the_object_and_the_stories_it_names():
    assert keys_for_event(event("author.changed", author=4, stories=[7, 8])) == (
        {"author-4", "list-author-4", "story-7", "story-8"} | WHOLE
    )
    assert keys_for_event(event("photo.rights_expired", photo=6)) == {"photo-6"} | WHOLE


# Photos inside a body (#18 part 3) ----------------------------------------------------------


def figure(photo) -> str:
    return f'<figure><img src="{photo.image.url}" alt=""></figure>'


def story_page_queries(client, story) -> tuple[set[str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as read:
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return keys(response), len(read)


def test_a_story_page_names_the_library_photos_in_its_body_without_a_query(
    client, world, django_assert_max_num_queries
):
    _, plain = story_page_queries(client, world.story)
    inside, again = PhotoFactory(), PhotoFactory()
    story = ArticleFactory(
        section=world.section,
        authors=[world.author],
        tags=[world.tag],
        lead_photo=PhotoFactory(),
        body=f"<p>Words.</p>{figure(inside)}<p>More.</p>{figure(again)}{figure(inside)}",
    )
    assert story.body_photos == [inside.pk, again.pk]  # stored on save, in order, once each
    with django_assert_max_num_queries(plain):  # as many as a story with no figure
        response = client.get(story.get_absolute_url())
    assert {f"photo-{inside.pk}", f"photo-{again.pk}"} <= keys(response)
    # A card prints the teaser, not the body's figures: it does not name them.
    assert f"photo-{inside.pk}" not in keys(client.get(world.section.get_absolute_url()))
    # An edit that takes a figure out stops naming it.
    story.body = f"<p>Words.</p>{figure(again)}"
    story.save()
    assert story.body_photos == [again.pk]


def test_a_change_to_a_photo_in_a_body_purges_the_story_page(client, world):
    """Both halves meet: the event recorded when the photo is saved names keys the page
    carries, through the photo's own key and through the stories the payload lists."""
    from events.content import changed

    inside = PhotoFactory()
    story = ArticleFactory(section=world.section, body=f"<p>Words.</p>{figure(inside)}")
    page = keys(client.get(story.get_absolute_url()))
    for kind in ("photo.changed", "photo.rights_expired"):
        event = changed(inside)
        event.kind = kind
        touched = keys_for_event(event)
        assert {f"photo-{inside.pk}", f"story-{story.pk}"} <= touched & page, kind
    assert keys_for_event(SimpleNamespace(kind="photo.changed", payload={"photo": inside.pk})) & (
        page
    ) == {f"photo-{inside.pk}"}  # a payload naming no story still purges the page


def test_a_live_story_names_its_updates_photos_on_its_page_and_updates_endpoint(client, editor):
    from django.urls import reverse

    from articles import live
    from articles.models import Article

    story = ArticleFactory(story_type=Article.StoryType.LIVE, body="<p>Leaders meet.</p>")
    attached, inside, byline = PhotoFactory(), PhotoFactory(), AuthorFactory()
    live.add_update(
        story=story, by=editor, body=f"<p>Now.</p>{figure(inside)}", author=byline, photo=attached
    )
    shown = {
        f"story-{story.pk}",
        f"author-{byline.pk}",
        f"photo-{attached.pk}",
        f"photo-{inside.pk}",
    }
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200 and shown <= keys(page)
    url = reverse(
        "articles:live_updates", kwargs={"section": story.section.slug, "slug": story.slug}
    )
    polled = client.get(url)
    assert polled.status_code == 200 and keys(polled) == shown
    # A change to the update's photo names the live story among those that show it.
    from events.content import photo_users

    assert photo_users(attached)[0] == [story.pk] and photo_users(inside)[0] == [story.pk]


def test_the_migration_fills_in_the_photos_of_bodies_saved_before(world):
    from django.apps import apps
    from django.db import connection

    from articles.models import Article

    migration = importlib.import_module("articles.migrations.0024_body_photos")
    inside = PhotoFactory()
    story = ArticleFactory(section=world.section, body=f"<p>Words.</p>{figure(inside)}")
    Article.objects.filter(pk=story.pk).update(body_photos=[])  # as saved before the field
    migration.backfill(apps, connection.schema_editor())
    assert Article.objects.get(pk=story.pk).body_photos == [inside.pk]
    assert Article.objects.get(pk=world.story.pk).body_photos == []
