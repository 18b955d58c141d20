"""The outbox: record an event with the change, hand its deliveries over after commit, do
one delivery, and send again whatever is not done (the relay)."""

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from events import registry
from events.models import Delivery, Event

logger = logging.getLogger("events")

# A delivery that keeps failing is tried again after 1, 2, 4... times EVENTS_RETRY_SECONDS,
# never less often than this.
MAX_BACKOFF = timedelta(hours=6)


def _lease() -> timedelta:
    """How long a delivery handed to the task engine may take before the relay sends it
    again: a lost message, a broker that was down, a worker killed mid-way."""
    return timedelta(seconds=settings.NEWSROOM_EVENTS_RETRY_SECONDS)


def record(
    kind: str,
    *,
    article=None,
    payload: dict,
    occurred_at: datetime | None = None,
    key: str | None = None,
) -> Event:
    """Write the event and one delivery per registered handler in the caller's transaction;
    they go to the handlers only if it commits. With a ``key`` already recorded (the clock's
    instants) nothing new is written and the existing event is returned."""
    if kind not in Event.Kind.values:
        raise ValueError(f"Unknown event kind {kind!r}.")
    now = timezone.now()
    event = Event(
        kind=kind,
        article=article,
        payload=payload,
        occurred_at=occurred_at or now,
        created_at=now,
        key=key,
    )
    if key is None:
        event.save()
    else:
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            return Event.objects.get(key=key)
    due = now + _lease()
    Delivery.objects.bulk_create(
        [Delivery(event=event, handler=name, due_at=due) for name in sorted(registry.handlers())]
    )
    transaction.on_commit(partial(dispatch, [event.pk]), robust=True)
    return event


def broker_url() -> str:
    return settings.NEWSROOM_TASKS_BROKER_URL


def dispatch(event_ids: list[int]) -> None:
    pending = Delivery.objects.filter(event_id__in=event_ids, done_at__isnull=True)
    send(list(pending.values_list("pk", flat=True)))


def send(delivery_ids: list[int]) -> None:
    """Hand deliveries to the workers, or, with no broker configured, do them here and now.

    A broker that cannot be reached is logged, not raised: the editor's save has committed,
    and the relay sends these again once their lease runs out."""
    if not delivery_ids:
        return
    if not broker_url():
        for pk in delivery_ids:
            deliver(pk)
        return
    from events.tasks import deliver as deliver_task
    from newsroom.celery import app

    try:
        with app.connection_for_write(broker_url()) as connection:
            for pk in delivery_ids:
                deliver_task.apply_async((pk,), connection=connection, retry=False)
    except Exception as error:  # noqa: BLE001 (any broker failure: the outbox keeps them)
        logger.warning(
            "Task broker unreachable (%s): %d event deliveries wait in the outbox for the relay.",
            error,
            len(delivery_ids),
        )


def _backoff(attempts: int) -> timedelta:
    return min(_lease() * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(delivery_id: int) -> bool:
    """Run one handler on one event, once: the delivery row is locked while the handler runs
    (another worker given the same delivery skips it) and marked done in the same transaction
    as whatever the handler wrote. A failure is noted and retried later. True when done."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, done_at__isnull=True)
            .first()
        )
        if delivery is None:
            return False  # done already, or being done by another worker right now
        event = Event.objects.select_related("article").get(pk=delivery.event_id)
        delivery.attempts += 1
        fn = registry.get(delivery.handler)
        try:
            if fn is None:
                raise LookupError(f"No event handler named {delivery.handler!r} in this process.")
            with transaction.atomic():
                fn(event)
        except Exception as error:  # noqa: BLE001 (a handler's failure is recorded, retried)
            logger.exception("Event handler %s failed on %s", delivery.handler, event)
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            delivery.due_at = timezone.now() + _backoff(delivery.attempts)
            delivery.save(update_fields=["attempts", "last_error", "due_at"])
            return False
        delivery.done_at = timezone.now()
        delivery.save(update_fields=["attempts", "done_at"])
        return True


def relay(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send again every delivery that is not done and whose time has come; each is leased
    for EVENTS_RETRY_SECONDS, so two relays (two clocks) do not both send it."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, due_at__lte=now)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        Delivery.objects.filter(pk__in=due).update(due_at=now + _lease())
    send(due)
    return len(due)
