"""Who has a story open right now: each open story form sends a heartbeat every few seconds
(static/admin/presence.js); a person counts as present until EXPIRY after their last one.

Kept in the shared cache (Redis in production), one small map per story. A lost update
between two heartbeats at the same instant is mended by the next heartbeat; presence is a
courtesy, so an unreachable cache shows nobody rather than failing the page.
"""

import time

from django.core.cache import cache

from newsroom.cache import safely

HEARTBEAT_SECONDS = 5
EXPIRY_SECONDS = 15


def _key(article_id: int) -> str:
    return f"presence:story:{article_id}"


def here(*, article_id: int, user, now: float | None = None) -> list[str]:
    """Record that ``user`` has the story open; return who else has (names, sorted)."""
    now = time.time() if now is None else now
    present = safely(lambda: cache.get(_key(article_id)), default=None) or {}
    present = {uid: seen for uid, seen in present.items() if seen[1] > now - EXPIRY_SECONDS}
    present[str(user.pk)] = (user.get_full_name() or user.get_username(), now)
    safely(lambda: cache.set(_key(article_id), present, EXPIRY_SECONDS * 2))
    return sorted(name for uid, (name, _) in present.items() if uid != str(user.pk))


def gone(*, article_id: int, user) -> None:
    """The person closed the story: others stop seeing them at once."""
    present = safely(lambda: cache.get(_key(article_id)), default=None) or {}
    if present.pop(str(user.pk), None) is not None:
        safely(lambda: cache.set(_key(article_id), present, EXPIRY_SECONDS * 2))
