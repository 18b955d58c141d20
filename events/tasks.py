"""The Celery tasks: what a worker runs (`make worker`)."""

from celery import shared_task

from events import jobs, outbox


@shared_task(name="events.deliver", ignore_result=True)
def deliver(delivery_id: int) -> None:
    outbox.deliver(delivery_id)


@shared_task(name="events.relay", ignore_result=True)
def relay() -> None:
    outbox.relay()


@shared_task(name="events.purge_trash", ignore_result=True)
def purge_trash() -> None:
    jobs.purge_trash()


@shared_task(name="events.forget_expired_previews", ignore_result=True)
def forget_expired_previews() -> None:
    jobs.forget_expired_previews()


@shared_task(name="events.forget_old_drafts", ignore_result=True)
def forget_old_drafts() -> None:
    jobs.forget_old_drafts()
