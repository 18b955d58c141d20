"""No leak, ever: stories in random states, with random publish times, some in the trash;
every public surface shows exactly what `Article.objects.public()` says, and nothing else.

Each story carries a unique marker word in its headline and slug, so a leak anywhere (a
teaser, a feed item, a sitemap URL, a search result, JSON-LD, a "latest" list on a story page)
shows up as a marker that should not be there.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
MARKER = re.compile(r"zq(\d+)x")

story_states = st.fixed_dictionaries(
    {
        "status": st.sampled_from(Article.Status.values),
        "minutes": st.one_of(st.none(), st.integers(-3000, 3000), st.sampled_from([0, 1, -1])),
        "trashed": st.booleans(),
        "section": st.integers(0, 1),
        "author": st.integers(0, 1),
        "tag": st.sampled_from(["chips", "fabs"]),
    }
)


def make_world(states):
    sections = [SectionFactory(slug=f"s{k}", name=f"Section {k}") for k in range(2)]
    authors = [AuthorFactory(slug=f"a{k}", name=f"Author {k}") for k in range(2)]
    for number, state in enumerate(states):
        when = None if state["minutes"] is None else NOW + timedelta(minutes=state["minutes"])
        if state["status"] == Article.Status.PUBLISHED and when is None:
            when = NOW  # a published story always has its time
        ArticleFactory(
            headline=f"Story zq{number}x about chips",
            slug=f"story-zq{number}x",
            status=state["status"],
            publish_at=when,
            deleted_at=NOW - timedelta(minutes=5) if state["trashed"] else None,
            section=sections[state["section"]],
            authors=[authors[state["author"]]],
            tags=[state["tag"]],
        )


def markers(text: str) -> set[str]:
    return set(MARKER.findall(text))


def surfaces(client) -> dict[str, str]:
    """Every public surface a reader, a feed reader or a crawler can reach."""
    urls = ["/", "/search/?q=chips", "/search/?q=story", "/feed/", "/feed/atom/"]
    for k in range(2):
        urls += [f"/s{k}/", f"/s{k}/feed/", f"/authors/a{k}/", f"/authors/a{k}/feed/atom/"]
    for tag in ("chips", "fabs"):
        urls += [f"/tags/{tag}/", f"/tags/{tag}/feed/"]
    urls += ["/sitemap.xml", "/sitemap-stories.xml", "/sitemap-news.xml", "/sitemap-tags.xml"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        pages[url] = response.text if response.status_code == 200 else ""
    return pages


@pytest.fixture(params=["rendered whole", "from cached pieces"])
def pieces(request):
    """Each surface rendered whole, then assembled from fragments in Redis (page cache off)."""
    if request.param == "rendered whole":
        return None
    return request.getfixturevalue("fragment_cache")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(states=st.lists(story_states, min_size=1, max_size=7))
def test_every_public_surface_shows_exactly_the_public_stories(client, pieces, states):
    if pieces is not None:
        # The database rolls back after each example, Redis does not; and with the clock
        # frozen every example's changes would move the generation to the same instant.
        pieces.clear()
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        make_world(states)
        public = Article.objects.public()
        expected = {MARKER.search(a.slug).group(1) for a in public}
        pages = surfaces(client)
        if pieces is not None:  # again, now from the pieces the first pass left
            assert surfaces(client) == pages
        for url, text in pages.items():
            leaked = markers(text) - expected
            assert not leaked, f"{url} shows non-public stories {leaked}"
        # Lists that show everything public (all fit on one page) show all of it.
        for url in ("/", "/feed/", "/feed/atom/", "/search/?q=story", "/sitemap-stories.xml"):
            assert markers(pages[url]) == expected, url
        # Counts: a tag page counts only public stories; a tag with none is not a page.
        for tag in ("chips", "fabs"):
            count = public.filter(tags__name=tag).count()
            if count:
                assert f"{count} stor" in pages[f"/tags/{tag}/"]
            else:
                assert pages[f"/tags/{tag}/"] == ""
        # Every story page answers exactly when the story is public; its own page and the
        # lists on it (latest stories, JSON-LD) leak nothing either.
        for article in Article.objects.all():
            for _ in range(2 if pieces is not None else 1):  # the second from the pieces
                response = client.get(f"/{article.section.slug}/{article.slug}/")
                assert response.status_code == (200 if article.is_public else 404), article.slug
                assert not markers(response.text) - expected
        transaction.set_rollback(True)
