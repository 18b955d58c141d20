"""Caching public pages for anonymous readers, in the shared cache (Redis), and the HTTP
headers a CDN needs.

Correctness first:
- Every change to published content (a story, its bylines, corrections, photos, authors,
  sections, handles, tags) moves the *generation* once it commits; each stored page carries
  the generation it was made in, and a page from an older one is never served again. A
  reader reads the generation before it reads the database, so a page made from rows older
  than a commit is stored under a generation that commit retires.
- No cached page outlives the next scheduled publish: its lifetime is cut to the whole
  seconds left before that instant, so a story scheduled for 09:00 is on every page at 09:00.
- Staff and previews are never served from the cache and never stored in it.
- With a CDN purged by surrogate keys (newsroom/surrogate.py) pages name what they show and a
  CDN may keep them a day (never past the next scheduled publish either); one that was made
  from rows a commit has since changed is not given to the CDN to keep, since the purge
  that commit sends may have gone out before it arrives.
- A cache that fails is logged and skipped: the site serves from the database.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Min, Q, Subquery
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.http import http_date, parse_http_date_safe

from newsroom import fragments, surrogate
from newsroom.cache import insisting, release
from newsroom.cache import safely as _safe

GENERATION_KEY = "pages:generation"
SCHEDULE_KEY = "pages:schedule"
PAGE_KEY = "pages:{digest}"
# Paths that are never cached: the staff side, previews, health.
PRIVATE_PREFIXES = ("/admin/", "/preview/", "/healthz", "/media/", "/static/", "/bench/")


def content_changed(*, using=None, **kwargs) -> None:
    """Something readers see has changed: every cached page is out of date once the change
    commits (at once outside a transaction; never, if it rolls back).

    Not before: a reader arriving between the write and the commit still reads the old rows,
    and would store its page under the new generation, to be served until it expired."""
    transaction.on_commit(move_generation, using=using, robust=True)
    transaction.on_commit(_record_change, using=using, robust=True)


def _record_change() -> None:
    from newsroom.models import ContentChange

    try:
        ContentChange.record()
    except DatabaseError:
        # `migrate` saves content (roles, data migrations) before this table exists.
        if ContentChange._meta.db_table in connection.introspection.table_names():
            raise


def move_generation(**kwargs) -> None:
    with insisting():
        _safe(lambda: cache.set(GENERATION_KEY, time.time(), None))


def _shared_cache() -> bool:
    """Whether every app server reads this cache (Redis), or each keeps its own."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def state() -> tuple[float, dict]:
    """The content generation, and when the next scheduled story goes live, the latest live
    one did and content last changed (for this generation), in one round trip to the cache.

    Without a shared cache another process's change does not move this one's generation:
    the stamps are then read from the database on every request, so all processes agree."""
    found = _safe(lambda: cache.get_many([GENERATION_KEY, SCHEDULE_KEY]), {})
    gen = found.get(GENERATION_KEY)
    if gen is None:
        gen = time.time()
        _safe(lambda: cache.add(GENERATION_KEY, gen, None))
    cached = found.get(SCHEDULE_KEY)
    now = timezone.now()
    current = cached is not None and cached.get("generation") == gen and _shared_cache()
    if current and (cached["next"] is None or cached["next"] > now):
        return gen, cached
    from articles.models import Article
    from newsroom.models import ContentChange

    # One query for both sides of the present instant (public() and scheduled() split here),
    # and the last recorded change.
    last_change = ContentChange.objects.order_by("-at").values("at")[:1]
    stamps = Article.objects.published().aggregate(
        latest=Max("publish_at", filter=Q(publish_at__lte=now)),
        next=Min("publish_at", filter=Q(publish_at__gt=now)),
        changed=Max(Subquery(last_change)),
    )
    stamps["generation"] = gen
    ttl = _seconds_until(stamps["next"], now)
    if _shared_cache():
        _safe(lambda: cache.set(SCHEDULE_KEY, stamps, ttl))
    return gen, stamps


def last_modified(stamps: dict) -> float:
    """A page's date, from the content alone: the last recorded change, or the last story
    to go live if later (going live at its time writes nothing)."""
    moments = [stamps[name] for name in ("changed", "latest") if stamps.get(name)]
    return max(moments).timestamp() if moments else 0


def _seconds_until(moment, now, limit: int | None = None) -> int:
    limit = settings.NEWSROOM_PAGE_CACHE_SECONDS if limit is None else limit
    if moment is None:
        return limit
    return max(0, min(limit, math.floor((moment - now).total_seconds())))


def _is_public_read(request) -> bool:
    """A GET or HEAD of a public path: the requests a stored page may answer."""
    return request.method in ("GET", "HEAD") and not request.path.startswith(PRIVATE_PREFIXES)


def _is_cacheable_request(request) -> bool:
    if not _is_public_read(request):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


def _key(request) -> str:
    raw = f"{release()}|{request.get_host()}|{request.get_full_path()}|{request.method == 'HEAD'}"
    return PAGE_KEY.format(digest=hashlib.sha256(raw.encode()).hexdigest())


def cached_page(request):
    """The stored page for this request if it is still current, in one round trip: the
    page comes with the generation it was made in and its deadline."""
    key = _key(request)
    found = _safe(lambda: cache.get_many([GENERATION_KEY, key]), {})
    entry = found.get(key)
    if entry is None:
        return None
    made_in, deadline, made_at, page = entry
    # The deadline travels with the page: even a cache whose clock runs late never
    # serves it past the next scheduled publish.
    if made_in != found.get(GENERATION_KEY) or time.time() >= deadline:
        return None
    page["X-Page-Cache"] = "hit"
    # A CDN counts the page's lifetime from when it was made, not from this replay.
    page["Age"] = str(max(0, int(time.time() - made_at)))
    page["Content-Length"] = str(len(page.content))
    # Stored with its ETag and Last-Modified: a repeat visit costs no hashing.
    return get_conditional_response(
        request,
        etag=page.get("ETag"),
        last_modified=parse_http_date_safe(page.get("Last-Modified", "")),
        response=page,
    )


# How long the one request rendering a page holds its turn, and how long the others wait
# for its copy before rendering themselves (a render that died must not stall readers).
RENDER_TURN_SECONDS = 5
RENDER_WAIT_SECONDS = 3
RENDER_POLL_SECONDS = 0.02


def render_once(request, make):
    """For an address thousands of readers ask for at the same instant (a live story's
    updates, polled by every open page): when the stored copy is missing, one request (per
    content generation) renders it with `make()`, and the others wait for that copy instead
    of rendering it again, so the origin renders it once per cache lifetime however many
    readers poll. Staff, and any request the cache does not serve, just render."""
    generation = getattr(request, "page_generation", None)
    if (
        not settings.NEWSROOM_PAGE_CACHE
        or generation is None
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or not _is_cacheable_request(request)
        or not _shared_cache()
    ):
        return make()
    turn = f"{_key(request)}:turn:{generation}"
    if _safe(lambda: cache.add(turn, 1, RENDER_TURN_SECONDS), True):
        return make()
    deadline = time.monotonic() + RENDER_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(RENDER_POLL_SECONDS)
        page = cached_page(request)
        if page is not None:
            return page
    return make()


class ServeCachedPages:
    """Early in the stack: a reader without a session gets a stored page before sessions,
    authentication, CSRF and the rest are set up. Anyone with a session cookie (staff) goes
    on to the full stack and is never served from the cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.NEWSROOM_PAGE_CACHE
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and _is_public_read(request)
        ):
            page = cached_page(request)
            if page is not None:
                return page
        return self.get_response(request)


class PublicPageCache:
    """Last in the stack: sets CDN headers on public pages and stores them for readers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _is_cacheable_request(request):
            response = self.get_response(request)
            if request.path.startswith(("/admin/", "/preview/")) or (
                getattr(request, "user", None) and request.user.is_authenticated
            ):
                response["Cache-Control"] = "private, no-store"
            return response
        enabled = settings.NEWSROOM_PAGE_CACHE
        # The generation first, the database after (the view): what this request stores is
        # at least as new as the generation it is stored under.
        gen, stamps = state()
        ttl = _seconds_until(stamps["next"], timezone.now())
        fragments.attach(request, gen, ttl)
        request.page_generation = gen
        response = self.get_response(request)
        if response.status_code != 200 or response.has_header("Cache-Control"):
            return response
        if response.cookies:
            # A cookie is one reader's: no shared cache may keep or replay it.
            response["Cache-Control"] = "private, no-store"
            return response
        if getattr(request, "user", None) and request.user.is_authenticated:
            response["Cache-Control"] = "private, no-store"
            return response
        swr = settings.NEWSROOM_STALE_WHILE_REVALIDATE
        # A view may ask browsers and CDNs to keep its answer only briefly (a live story and
        # its updates, which change without a story event to purge them): no CDN keeps it
        # longer, purged or not. This cache keeps it until content changes.
        short = getattr(response, "cache_seconds", None)
        if short is not None:
            short = min(short, ttl)
            response["Cache-Control"] = f"public, max-age={short}, s-maxage={short}"
        else:
            response["Cache-Control"] = f"public, max-age=0, s-maxage={ttl}" + (
                f", stale-while-revalidate={min(swr, ttl)}" if ttl else ""
            )
        response["Last-Modified"] = http_date(last_modified(stamps))
        patch_vary_headers(response, ["Cookie"])
        if short is None and response.has_header("Surrogate-Key") and surrogate.cdn_purges():
            if _safe(lambda: cache.get(GENERATION_KEY)) != gen:
                # Made from rows older than a commit whose purge may already have gone out:
                # fine for this reader, but no cache may keep it.
                response["Cache-Control"] = "no-store"
                return response
            now = timezone.now()
            cdn_ttl = _seconds_until(stamps["next"], now, settings.NEWSROOM_CDN_MAX_AGE)
            surrogate.cdn_lifetime(response, cdn_ttl)
        if enabled and ttl > 0 and not response.streaming:
            if hasattr(response, "render"):
                response = response.render()
            if not response.has_header("ETag"):
                set_response_etag(response)
            response["X-Page-Cache"] = "miss"
            made_at = time.time()
            entry = (gen, made_at + ttl, made_at, response)
            _safe(lambda: cache.set(_key(request), entry, ttl))
        return response
