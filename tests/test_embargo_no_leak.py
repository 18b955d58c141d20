"""No leak under embargo, drawn by hypothesis: stories accepted under embargo until random
instants (some lifted early, some extended), beside public, scheduled and draft ones, read
through a warm page cache at random moments and one second either side of an instant.

At every moment every public surface shows exactly the stories whose time has come by an
oracle kept here (not by ``public()``): an embargoed story is absent until its final instant
(never before, even from a page stored earlier) and present from then on; its preview link
shows nothing until then.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles import workflow
from articles.models import Article, PreviewLink
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory
from tests.test_no_leak import MARKER, markers, surfaces

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)
HOUR = 3600

stories = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["embargo", "embargo", "embargo", "public", "scheduled", "draft"]),
        "seconds": st.one_of(st.integers(1, 2 * HOUR), st.sampled_from([1, 2, 60])),
        "then": st.sampled_from([None, None, "lift", "extend"]),
        "extra": st.integers(1, HOUR),
        "section": st.integers(0, 1),
        "author": st.integers(0, 1),
        "tag": st.sampled_from(["chips", "fabs"]),
    }
)
# When to read: near an instant of a drawn story (one second before, at, after) or anywhere.
moments = st.lists(
    st.one_of(
        st.tuples(st.integers(0, 5), st.sampled_from([-1, 0, 1])),
        st.integers(0, 3 * HOUR),
    ),
    min_size=1,
    max_size=3,
)


def make_world(states, editor) -> tuple[dict[str, object], dict[str, PreviewLink]]:
    """The stories, made at NOW; returns when each is public (None: never) and the open
    preview link of each embargoed one."""
    sections = [SectionFactory(slug=f"s{k}", name=f"Section {k}") for k in range(2)]
    authors = [AuthorFactory(slug=f"a{k}", name=f"Author {k}") for k in range(2)]
    public_from, links = {}, {}
    for number, state in enumerate(states):
        instant = NOW + timedelta(seconds=state["seconds"])
        kind = state["kind"]
        story = ArticleFactory(
            headline=f"Story zq{number}x about chips",
            slug=f"story-zq{number}x",
            status=Article.Status.IN_REVIEW if kind == "embargo" else Article.Status.DRAFT,
            publish_at=None,
            section=sections[state["section"]],
            authors=[authors[state["author"]]],
            tags=[state["tag"]],
        )
        marker = str(number)
        if kind == "public":
            workflow.publish(article=story, by=editor)
            public_from[marker] = NOW
        elif kind == "scheduled":
            workflow.schedule(article=story, by=editor, at=instant)
            public_from[marker] = instant
        elif kind == "embargo":
            workflow.embargo(article=story, by=editor, until=instant)
            public_from[marker] = instant
            if state["then"] == "lift":
                workflow.lift_embargo(article=story, by=editor)
                public_from[marker] = NOW
            elif state["then"] == "extend":
                later = instant + timedelta(seconds=state["extra"])
                workflow.extend_embargo(article=story, by=editor, until=later)
                public_from[marker] = later
            links[marker] = PreviewLink.objects.create(
                article=story, created_by=editor, expires_at=NOW + timedelta(days=1)
            )
        else:
            public_from[marker] = None
    return public_from, links


def when(moment, states) -> object:
    if isinstance(moment, int):
        return NOW + timedelta(seconds=moment)
    index, shift = moment
    state = states[index % len(states)]
    seconds = state["seconds"] + (state["extra"] if state["then"] == "extend" else 0)
    return NOW + timedelta(seconds=seconds + shift)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(states=st.lists(stories, min_size=1, max_size=6), reads=moments)
def test_no_surface_shows_an_embargoed_story_before_its_instant(
    client, redis_cache, editor, states, reads
):
    redis_cache.clear()  # the database rolls back after each example, Redis does not
    with transaction.atomic():
        with time_machine.travel(NOW, tick=False):
            public_from, links = make_world(states, editor)
        # In order of time, so pages stored at one moment are warm for the next.
        for at in sorted(when(moment, states) for moment in reads):
            with time_machine.travel(at, tick=False):
                expected = {m for m, since in public_from.items() if since and since <= at}
                pages = surfaces(client)
                for url, text in pages.items():
                    leaked = markers(text) - expected
                    assert not leaked, f"{url} at {at} shows stories {leaked} before their time"
                for url in ("/", "/feed/", "/feed/atom/", "/search/?q=story"):
                    assert markers(pages[url]) == expected, (url, at)
                for story in Article.objects.select_related("section"):
                    marker = MARKER.search(story.slug).group(1)
                    response = client.get(story.get_absolute_url())
                    assert response.status_code == (200 if marker in expected else 404), at
                for marker, link in links.items():
                    response = client.get(link.get_absolute_url())
                    assert response.status_code == (200 if marker in expected else 404), at
        transaction.set_rollback(True)
