"""Search over public stories.

On PostgreSQL: weighted full-text search (headline over dek over body) on a stored,
GIN-indexed vector, ranked, with highlighted snippets, in the language NEWSROOM_SEARCH_CONFIG
names. On SQLite: a plain but correct fallback (every word must appear; headline matches
first). Whatever the reader types, the query is data: nothing reaches SQL unparameterised.
"""

import re

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.models import Article, LiveUpdate

MAX_QUERY = 200
MAX_TERMS = 12
# Private-use characters mark matches inside the snippet; the text is escaped, then they
# become <mark> elements. Nothing the story says can therefore turn into markup.
_START, _STOP = "\ue000", "\ue001"


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def clean_query(raw: str) -> str:
    """Printable text, at most MAX_QUERY characters, spaces folded."""
    text = "".join(ch for ch in raw if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:MAX_QUERY]


def update_search_vector(article: Article) -> None:
    update_search_vectors(Article.objects.filter(pk=article.pk))


def _public_updates_text():
    """The headlines and text of a story's updates whose time has come, as one string (the
    tags of the updates' HTML are no words to PostgreSQL's parser). An update of a story
    readers cannot see finds nothing: search lists public stories only. One timed for later
    is indexed by the next change to the story's updates (articles/live.py)."""
    updates = (
        LiveUpdate.objects.filter(story=OuterRef("pk"), published_at__lte=timezone.now())
        .order_by()
        .values("story")
        .annotate(
            text=StringAgg(
                Concat("headline", Value(" "), "body", output_field=TextField()), delimiter=" "
            )
        )
        .values("text")
    )
    return Subquery(updates, output_field=TextField())


def update_search_vectors(stories) -> None:
    """Recompute the search vector of every story in the queryset, in one UPDATE: headline,
    dek, body and the text of a Live story's public updates."""
    if not uses_postgres():
        return
    config = settings.NEWSROOM_SEARCH_CONFIG
    stories.update(
        search_vector=SearchVector("headline", weight="A", config=config)
        + SearchVector("dek", weight="B", config=config)
        + SearchVector("body_text", weight="C", config=config)
        + SearchVector(_public_updates_text(), weight="C", config=config)
    )


def highlight(text: str) -> str:
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def search(query: str, stories=None):
    """Public stories matching ``query``, best first, each with ``snippet`` and ``title``."""
    stories = Article.objects.public() if stories is None else stories
    if uses_postgres():
        return _postgres(query, stories)
    return _fallback(query, stories)


def _postgres(query, stories):
    config = settings.NEWSROOM_SEARCH_CONFIG
    ts_query = SearchQuery(query, search_type="websearch", config=config)
    marks = {"start_sel": _START, "stop_sel": _STOP, "config": config}
    return (
        stories.filter(search_vector=ts_query)
        .annotate(
            rank=SearchRank(F("search_vector"), ts_query),
            title_marked=SearchHeadline("headline", ts_query, highlight_all=True, **marks),
            snippet_marked=SearchHeadline(
                "body_text", ts_query, max_words=40, min_words=20, max_fragments=2, **marks
            ),
        )
        .order_by("-rank", "-publish_at", "-id")
        .defer("body_text")  # PostgreSQL cuts the snippet from it; Python never reads it
    )


def terms_of(query: str) -> list[str]:
    words = re.findall(r"\w[\w'’-]*", query)
    return list(dict.fromkeys(w.lower() for w in words))[:MAX_TERMS]


def _fallback(query, stories):
    terms = terms_of(query)
    if not terms:
        return stories.none()
    for term in terms:
        stories = stories.filter(
            Q(headline__icontains=term) | Q(dek__icontains=term) | Q(body_text__icontains=term)
        )
    in_headline = Q()
    for term in terms:
        in_headline |= Q(headline__icontains=term)
    return stories.annotate(
        rank=Case(When(in_headline, then=Value(2)), default=Value(1), output_field=IntegerField())
    ).order_by("-rank", "-publish_at", "-id")


def _mark_terms(text: str, terms: list[str]) -> str:
    if not terms:
        return text
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    return pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", text)


def decorate(results, query: str) -> None:
    """Give each result on the page its highlighted ``title`` and ``snippet``."""
    terms = terms_of(query)
    for story in results:
        if hasattr(story, "snippet_marked"):
            title, snippet = story.title_marked, story.snippet_marked
        else:
            title = _mark_terms(story.headline, terms)
            snippet = _fallback_snippet(story.body_text, terms)
        story.title = highlight(title)
        story.snippet = highlight(snippet)


def _fallback_snippet(text: str, terms: list[str], width: int = 220) -> str:
    lowered = text.lower()
    hits = [lowered.find(t) for t in terms if lowered.find(t) >= 0]
    start = max(0, min(hits) - 60) if hits else 0
    excerpt = text[start : start + width]
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(text) else ""
    return prefix + _mark_terms(excerpt, terms) + suffix
