"""The shared cache: Django's Redis backend with one redis-py client per connection pool, that
a hung or lost Redis cannot take down; and `safely()`, which every page-cache and fragment call
goes through.

Django's backend builds a new redis.Redis for every cache call, and its constructor sets up
some 170 response callbacks: about a third of the time a stored page takes to serve. A
client is thread-safe and only borrows connections from the pool, so one serves every call.

A cache is an optimisation, never a dependency. Every call gives up after a short connect and
read timeout; a call that fails trips a breaker, and for a few seconds every call (the API's
throttle, pages, pieces, whoever uses Django's cache) answers as a miss without touching
Redis; then one call tries again. One log line when an outage starts, one when it ends (per
process). When it ends, `cache_back` is sent: the page cache moves its generation then, since
a change committed during the outage could not. Moving the generation is also the one write
that tries Redis even while the breaker is open (`insisting()`).
"""

import functools
import hashlib
import logging
import threading
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.dispatch import Signal
from redis.exceptions import RedisError

logger = logging.getLogger("newsroom.cache")

# Used when the settings name none (a LAN round trip is well under a millisecond).
CONNECT_TIMEOUT = 0.25
READ_TIMEOUT = 0.5
RETRY_SECONDS = 5

# Sent once when a cache that failed answers again.
cache_back = Signal()


class Breaker:
    """Keeps a failing cache out of the way: after a failure it is skipped for `pause`
    seconds, then one caller tries it again while the others go on skipping it."""

    def __init__(self, name: str, pause: float):
        self.name, self.pause = name, pause
        self.down = False
        self.retry_at = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        if not self.down:
            return True
        with self._lock:
            now = time.time()
            # Still pausing (a clock stepped back counts as the pause being over).
            if now < self.retry_at <= now + self.pause:
                return False
            self.retry_at = now + self.pause  # this caller tries; the rest keep skipping
            return True

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.retry_at = time.time() + self.pause
            starts, self.down = not self.down, True
        if starts:
            logger.error(
                "Cache %s unreachable (%s: %s); serving without it, trying again every %s s",
                self.name,
                type(error).__name__,
                error,
                self.pause,
            )

    def recovered(self) -> bool:
        with self._lock:
            was_down, self.down = self.down, False
        if was_down:
            logger.warning("Cache %s reachable again", self.name)
        return was_down


# One breaker per Redis per process: every thread's client shares what is known of it.
_breakers: dict[str, Breaker] = {}


def breaker_for(location: str, pause: float) -> Breaker:
    return _breakers.setdefault(location, Breaker(location.split("@")[-1], pause))


def forget_outages() -> None:
    """Start afresh, as a new process does (tests)."""
    for breaker in _breakers.values():
        breaker.down, breaker.retry_at = False, 0.0


_insisting = threading.local()


@contextmanager
def insisting():
    """Calls in this block try Redis even while this process is leaving it alone: a write
    that must land if it can (moving the generation), which a hiccup only this process saw
    must not skip while every other process goes on serving from Redis. Still bounded by
    the timeouts."""
    before = getattr(_insisting, "on", False)
    _insisting.on = True
    try:
        yield
    finally:
        _insisting.on = before


def _or(fallback):
    """A client call that answers `fallback(*args)` instead of failing or waiting."""

    def decorate(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            breaker = self.breaker
            if not (getattr(_insisting, "on", False) or breaker.allows()):
                return fallback(*args, **kwargs)
            try:
                if breaker.down:
                    self.get_client(write=True).ping()
                    if breaker.recovered():
                        cache_back.send(sender=type(self))
                return method(self, *args, **kwargs)
            except (RedisError, OSError) as error:
                breaker.failed(error)
                return fallback(*args, **kwargs)

        return call

    return decorate


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, servers, *, retry_seconds=RETRY_SECONDS, **options):
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", READ_TIMEOUT)
        super().__init__(servers, **options)
        self._clients = {}
        self.breaker = breaker_for(",".join(servers), retry_seconds)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client

    add = _or(lambda *args: False)(RedisCacheClient.add)
    get = _or(lambda key, default: default)(RedisCacheClient.get)
    set = _or(lambda *args: None)(RedisCacheClient.set)
    touch = _or(lambda *args: False)(RedisCacheClient.touch)
    delete = _or(lambda *args: False)(RedisCacheClient.delete)
    get_many = _or(lambda *args: {})(RedisCacheClient.get_many)
    has_key = _or(lambda *args: False)(RedisCacheClient.has_key)
    set_many = _or(lambda *args: None)(RedisCacheClient.set_many)
    delete_many = _or(lambda *args: None)(RedisCacheClient.delete_many)

    def reachable(self) -> bool:
        """Does Redis answer now? At most one timeout, and none while the breaker is open."""
        return self._ping() is True

    @_or(lambda: False)
    def _ping(self):
        return self.get_client(write=True).ping()


class RedisCache(DjangoRedisCache):
    """OPTIONS: redis-py's connection options (socket_connect_timeout, socket_timeout:
    seconds) and retry_seconds, how long a failed cache is left alone."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def reachable(self) -> bool:
        return self._cache.reachable()


def reachable(backend) -> bool:
    """For /healthz: does this cache answer, within a bounded time?"""
    if hasattr(backend, "reachable"):
        return backend.reachable()
    backend.set("healthz", "ok", 5)
    return backend.get("healthz") == "ok"


def safely(operation, default=None):
    """A cache call that may fail: logged and skipped, so the site serves from the database.
    (Redis being unreachable is handled, and logged once, by the client above.)"""
    try:
        return operation()
    except Exception:
        logger.exception("Cache call failed; serving from the database")
        return default


# What public pages are made of: the code and templates that render them, and the static
# files whose hashed names they print.
_RENDERING_CODE = ("newsroom", "articles", "authors", "public_templates", "static")
_SUFFIXES = (".py", ".html", ".xml", ".txt", ".css", ".js", ".svg", ".png")


@cache
def release() -> str:
    """A digest of what renders public pages, read once per process (about 10 ms).

    Cached pages and pieces carry it in their keys, so a deploy never serves what the old
    code rendered (and during a rolling deploy old and new workers keep apart)."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    for folder in _RENDERING_CODE:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in _SUFFIXES and "migrations" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
