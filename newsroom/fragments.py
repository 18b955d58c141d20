"""Pieces of public pages kept in the shared cache (Redis): teaser cards, a story's <head>
tags and <article>, its address (id and section), the latest-stories list, the section
navigation, search results and the search filters' options.

A page the page cache does not hold (the page cache off, a page number or a search no one
asked for yet, a list whose cards other lists already rendered) is assembled from pieces.
Each piece is exactly as current as a cached page (newsroom/pagecache.py):
- its key carries the content generation, which every change readers can see moves;
- it never outlives the next scheduled publish (its lifetime and stored deadline end there);
- its key carries today's date, so a photo whose rights ran out leaves at midnight;
- its key carries the release (newsroom/cache.py), so a deploy never serves old markup.
Only anonymous readers' requests use them; staff and previews always get a fresh render.
Without a shared cache (no REDIS_URL) nothing is kept: a per-process cache could keep a
piece another process already replaced.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from newsroom.cache import release
from newsroom.cache import safely as _safe

_ABSENT = object()


class Fragments:
    """The pieces for one request: read in as few round trips as the view can manage
    (`read_ahead`), each read at most once."""

    def __init__(self, generation: float, ttl: int):
        day = timezone.localdate().isoformat()
        self.prefix = f"fragments:{release()}:{generation}:{day}:"
        self.ttl = ttl
        self.read = {}  # name -> piece, or _ABSENT: asked for already in this request

    def get_many(self, names) -> dict:
        unread = [name for name in names if name not in self.read]
        if unread:
            keys = {self.prefix + name: name for name in unread}
            found = _safe(lambda: cache.get_many(list(keys)), {})
            now = time.time()
            for name in unread:
                self.read[name] = _ABSENT
            for key, (deadline, piece) in found.items():
                if now < deadline:
                    self.read[keys[key]] = piece
        return {name: self.read[name] for name in names if self.read[name] is not _ABSENT}

    read_ahead = get_many

    def set_many(self, pieces: dict) -> None:
        self.read.update(pieces)
        if self.ttl <= 0 or not pieces:
            return
        deadline = time.time() + self.ttl
        entries = {self.prefix + name: (deadline, piece) for name, piece in pieces.items()}
        _safe(lambda: cache.set_many(entries, self.ttl))

    def get_or_make(self, names, make) -> dict:
        """Every piece named: from the cache, else `make(missing names)` (which returns a
        dict of them), storing what it made."""
        found = self.get_many(names)
        missing = [name for name in names if name not in found]
        if missing:
            made = make(missing)
            self.set_many(made)
            found.update(made)
        return found


def attach(request, generation: float, ttl: int) -> None:
    """Called by the page cache middleware for an anonymous reader's GET (it has already
    read the generation and the schedule); views find the pieces with `of(request)`."""
    if settings.NEWSROOM_FRAGMENT_CACHE:
        request.fragments = Fragments(generation, ttl)


def of(request):
    """This request's Fragments, or None: render everything (staff, previews, no Redis)."""
    return getattr(request, "fragments", None)


def get_or_make(request, names, make) -> dict:
    """Fragments.get_or_make for this request; without fragments, everything is made."""
    fragments = of(request)
    if fragments is None:
        return make(list(names))
    return fragments.get_or_make(list(names), make)


def read_ahead(request, names) -> None:
    """Fetch these pieces now, in one round trip, for the calls that will ask for them."""
    fragments = of(request)
    if fragments is not None:
        fragments.read_ahead(list(names))
