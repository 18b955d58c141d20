"""Webhook attempts on the task engine (Celery), or in this process when no broker is set."""

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("webhooks")

# Redis hands a task whose ETA is further away than its visibility timeout (an hour) to a
# second worker; retries further off than this are left to the sweep, which finds them in the
# Delivery rows when they fall due.
LONGEST_ETA = timedelta(minutes=50)


@shared_task(name="webhooks.attempt", ignore_result=True)
def attempt_task(delivery_id: int) -> None:
    from webhooks.delivery import attempt

    attempt(delivery_id)


@shared_task(name="webhooks.send_due", ignore_result=True)
def send_due_task() -> None:
    from webhooks.delivery import send_due

    send_due()


def schedule(delivery_ids: list[int], *, eta: datetime | None = None) -> None:
    """Have these deliveries attempted at `eta` (now when None).

    With no broker (`make run`, tests) an attempt due now is made here and now; later ones
    wait for the sweep (webhooks.delivery.send_due). A broker that cannot be reached is
    logged: the rows keep the schedule and the sweep sends them."""
    from webhooks.delivery import attempt

    if not delivery_ids:
        return
    now = timezone.now()
    broker = settings.NEWSROOM_TASKS_BROKER_URL
    if not broker:
        if eta is None or eta <= now:
            for pk in delivery_ids:
                attempt(pk)
        return
    if eta is not None and eta - now > LONGEST_ETA:
        return
    from newsroom.celery import app

    try:
        with app.connection_for_write(broker) as connection:
            for pk in delivery_ids:
                attempt_task.apply_async((pk,), eta=eta, connection=connection, retry=False)
    except Exception as error:  # noqa: BLE001 (any broker failure: the rows keep the schedule)
        logger.warning(
            "Task broker unreachable (%s): %d webhook deliveries wait for the sweep.",
            error,
            len(delivery_ids),
        )
