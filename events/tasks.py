"""The Celery tasks: what a worker runs (`make worker`)."""

from celery import shared_task

from events import outbox


@shared_task(name="events.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    outbox.deliver(delivery_id)


@shared_task(name="events.relay", ignore_result=True)
def relay() -> None:
    outbox.relay()
