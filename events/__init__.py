"""Content events: a transactional outbox, handlers, and their delivery (issue #18).

Every change readers can see calls ``events.record(kind, article=..., payload=...)`` in the
transaction that makes the change; the row is the durable record. After commit each
(event, handler) delivery goes to the task engine (Celery), or runs in this process when no
broker is configured (``make run``, most tests). The relay (``manage.py clock``) sends again
whatever is not done, so a broker that is down or a worker that is killed loses nothing.

Handlers register with ``@events.handler("name")`` in an app's ``handlers.py`` (found at start
up, as the admin finds ``admin.py``); each must be idempotent: delivery is at least once.
"""

from events.registry import handler, handlers

__all__ = ["handler", "handlers", "record"]


def record(kind: str, *, article=None, payload: dict, occurred_at=None, key: str | None = None):
    """Write an event in the caller's transaction (see events.outbox.record)."""
    from events.outbox import record as record_event

    return record_event(kind, article=article, payload=payload, occurred_at=occurred_at, key=key)
