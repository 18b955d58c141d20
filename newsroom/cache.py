"""The shared cache: Django's Redis backend with one redis-py client per connection pool, and
`safely()`, which every page-cache and fragment call goes through.

Django's backend builds a new redis.Redis for every cache call, and its constructor sets up
some 170 response callbacks: about a third of the time a stored page takes to serve. A
client is thread-safe and only borrows connections from the pool, so one serves every call.
"""

import hashlib
import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool


logger = logging.getLogger("newsroom.pagecache")


def safely(operation, default=None):
    """A cache call that may fail: logged and skipped, so the site serves from the database."""
    try:
        return operation()
    except Exception:
        logger.warning("Page cache unavailable; serving from the database", exc_info=True)
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
