"""Names in any language: every story, section, tag and author gets a readable, working
address, whatever its name (accents, CJK, right-to-left, emoji, punctuation only, very long),
and that address works on every surface: pages, the links on them, feeds, sitemaps, the API,
search filters and the redirects from an old address."""

import re
from urllib.parse import unquote, urlsplit

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles import workflow
from articles.models import Article, Byline, Section
from authors.models import Author
from newsroom.links import link
from newsroom.slugs import is_slug, slugify
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db

# Names reporters and imports bring: any text, and a few that broke before.
names = st.text(min_size=1, max_size=300).filter(lambda name: name.strip() and "\x00" not in name)
KNOWN = ["Zürich", "São Paulo", "日本", "Café", "!!!", "🎉🎉", "القاهرة", "हिन्दी", "x" * 300]


def ok(client, path: str, data=None):
    response = client.get(path, data)
    assert response.status_code == 200, (path, data, response.status_code)
    return response


def hrefs(html: str, prefix: str) -> list[str]:
    return [h for h in re.findall(r'href="([^"]+)"', html) if h.startswith(prefix)]


def locations(xml: str) -> list[str]:
    return [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", xml)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=names)
@example(name="Zürich")
@example(name="São Paulo")
@example(name="日本")
@example(name="Café")
@example(name="!!!")
@example(name="🎉")
@example(name="שלום עולם")
@example(name="हिन्दी")
@example(name="x" * 300)
@example(name="\U00010858")  # a number, not a digit: the API refused its slug
def test_any_name_has_a_working_address_on_every_surface(client, name):
    cache.clear()
    with transaction.atomic():
        _every_surface(client, name)
        transaction.set_rollback(True)


def _every_surface(client, name):
    section = Section.objects.create(name=name[:80])
    author = Author.objects.create(name=name[:120])
    story = Article(headline=name[:200], section=section, status=Article.Status.PUBLISHED)
    story.publish_at = timezone.now() - timezone.timedelta(hours=1)
    story.first_published_at = story.publish_at
    story.body = "<p>Words about the place.</p>"
    with workflow.state_change():
        story.save()
    Byline.objects.create(article=story, author=author, position=0)
    story.tags.add(name[:100])
    tag = story.tags.get()

    for thing in (section, author, story, tag):
        assert thing.slug and is_slug(thing.slug), (type(thing).__name__, thing.slug)

    # Pages, and every link on the story page to a tag, section or author.
    page = ok(client, story.get_absolute_url()).content.decode()
    tag_url = reverse("articles:tag", kwargs={"slug": tag.slug})
    assert tag_url in hrefs(page, "/tags/")
    for href in {*hrefs(page, "/tags/"), *hrefs(page, "/authors/"), section.get_absolute_url()}:
        ok(client, href.replace("&amp;", "&"))
    ok(client, author.get_absolute_url())
    ok(client, section.get_absolute_url())

    # Feeds.
    for url in (
        reverse("articles:section_feed", kwargs={"section": section.slug}),
        reverse("articles:tag_feed", kwargs={"slug": tag.slug}),
        reverse("articles:tag_feed_atom", kwargs={"slug": tag.slug}),
        reverse("authors:feed", kwargs={"slug": author.slug}),
    ):
        assert story.get_absolute_url() in ok(client, url).content.decode()

    # Sitemaps: each lists the thing, and every listed address answers.
    for kind, thing in (
        ("stories", story),
        ("sections", section),
        ("tags", tag_url),
        ("authors", author),
    ):
        listed = locations(ok(client, f"/sitemap-{kind}.xml").content.decode())
        url = thing if isinstance(thing, str) else thing.get_absolute_url()
        assert url in listed, (kind, url, listed)
        ok(client, url)

    # The API: lists, items and filters by slug.
    ok(client, "/api/v1/stories/")
    assert tag.slug in [t["slug"] for t in ok(client, "/api/v1/tags/").json()]
    assert (
        ok(client, f"/api/v1/sections/{section.slug}/")
        .json()["url"]
        .endswith(section.get_absolute_url())
    )
    ok(client, f"/api/v1/authors/{author.slug}/")
    for field, value in (("section", section.slug), ("author", author.slug), ("tag", tag.slug)):
        found = ok(client, f"/api/v1/stories/?{field}={value}")
        assert [s["id"] for s in found.json()["results"]] == [story.pk], field

    # Search filters by section and author slug.
    found = ok(client, "/search/", {"q": "place", "section": section.slug, "author": author.slug})
    assert story.get_absolute_url() in found.content.decode()

    # A story moved to a new slug: the old address answers 301 to the new one.
    old_url = story.get_absolute_url()
    previous = Article.objects.get(pk=story.pk)
    story.slug = slugify(f"moved {name}", max_length=200)
    workflow.remember_old_urls(story, previous)
    story.save()
    cache.clear()
    response = client.get(old_url)
    assert response.status_code == 301, old_url
    assert response["Location"] == story.get_absolute_url()
    ok(client, response["Location"])


@pytest.mark.parametrize("name", KNOWN)
def test_a_slug_is_readable_and_never_empty(name):
    slug = slugify(name, max_length=100)
    assert slug and is_slug(slug) and len(slug) <= 100
    # Letters and digits of the name survive as they are (lowercase), in any script.
    if any(c.isalnum() for c in name):
        assert any(c.isalnum() for c in slug)


def test_accents_and_scripts_are_kept_not_stripped():
    assert slugify("Zürich", max_length=80) == "zürich"
    assert slugify("São Paulo", max_length=80) == "são-paulo"
    assert slugify("日本", max_length=80) == "日本"
    # Combining vowel signs and viramas are part of the word (Django's slugify drops them).
    assert slugify("हिन्दी", max_length=80) == "हिन्दी"


def test_a_name_without_letters_gets_a_deterministic_slug():
    assert slugify("!!!", max_length=100) == slugify("!!!", max_length=100)
    assert slugify("!!!", max_length=100) != slugify("???", max_length=100)


@given(value=st.text(min_size=1, max_size=40))
def test_a_link_is_what_reverse_gives_for_any_slug(value):
    slug = slugify(value, max_length=40)
    for name, kwargs in (
        ("articles:story", {"section": slug, "slug": slug}),
        ("articles:tag", {"slug": slug}),
        ("authors:detail", {"slug": slug}),
    ):
        url = link(name, **kwargs)
        assert url == reverse(name, kwargs=kwargs)
        assert url.isascii()
        assert unquote(url).strip("/").split("/")[-len(kwargs) :] == list(kwargs.values())


def test_tags_that_collide_get_distinct_readable_slugs():
    story = ArticleFactory()
    story.tags.add("!!!", "!!!!", "Café", "café?")
    slugs = sorted(Tag.objects.values_list("slug", flat=True))
    assert len(set(slugs)) == 4 and all(is_slug(s) for s in slugs)
    assert "café" in slugs


@pytest.mark.parametrize("model", [Article, Section, Author, Tag])
def test_the_database_refuses_an_empty_slug(model):
    story = ArticleFactory(tags=["chips"], authors=[AuthorFactory()])
    thing = {
        Article: story,
        Section: story.section,
        Author: story.authors.get(),
        Tag: story.tags.get(),
    }[model]
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=thing.pk).update(slug="")


def test_a_blank_slug_is_made_from_the_name_on_save():
    section = Section.objects.create(name="Wirtschaft & Börse")
    author = Author.objects.create(name="José Núñez")
    assert (section.slug, author.slug) == ("wirtschaft-börse", "josé-núñez")
    again = Author.objects.create(name="José Núñez")
    assert again.slug != author.slug and is_slug(again.slug)


def test_a_section_never_gets_a_reserved_address_from_its_name():
    assert Section.objects.create(name="Search").slug != "search"


def test_the_api_refuses_what_is_not_a_slug_with_a_422(client):
    assert client.get("/api/v1/stories/", {"tag": "a b"}).status_code == 422
    assert client.get("/api/v1/stories/", {"tag": "zürich"}).status_code == 200


def _migration(loader, app: str, name_ends: str) -> tuple[str, str]:
    return next(key for key in loader.graph.nodes if key[0] == app and key[1].endswith(name_ends))


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_rows_saved_with_empty_slugs_a_readable_one():
    """Rows from before: an empty slug (code that skipped the form), a percent-encoded old
    address. After migrating, each has a working slug and the database refuses empty ones."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    mine = [
        _migration(executor.loader, "articles", "_readable_slugs"),
        _migration(executor.loader, "authors", "_readable_slugs"),
    ]
    before = [p.key for node in mine for p in executor.loader.graph.node_map[node].parents]
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    section = old.get_model("articles", "Section").objects.create(name="Zürich", slug="")
    old.get_model("articles", "Section").objects.create(name="Feed", slug="zürich")
    story = old.get_model("articles", "Article").objects.create(
        headline="日本の新しい工場", slug="", section=section
    )
    author = old.get_model("authors", "Author").objects.create(name="José", slug="")
    tag = old.get_model("taggit", "Tag").objects.create(name="!!!", slug="")
    old.get_model("articles", "OldURL").objects.create(path="/z%C3%BCrich/x/", article=story)

    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    assert Section.objects.get(pk=section.pk).slug == "zürich-2"
    assert Article.objects.get(pk=story.pk).slug == "日本の新しい工場"
    assert Author.objects.get(pk=author.pk).slug == "josé"
    assert is_slug(Tag.objects.get(pk=tag.pk).slug)
    from articles.models import OldURL

    assert OldURL.objects.get().path == "/zürich/x/"
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.filter(pk=tag.pk).update(slug="")
