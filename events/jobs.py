"""Periodic jobs, started by the clock and run by a worker (or in the clock's own process
when there is no broker). Each is idempotent: two clocks may both start one."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("events.jobs")

# task name: how often it runs
EVERY = {
    "events.purge_trash": timedelta(hours=1),
    "events.forget_expired_previews": timedelta(hours=1),
    "events.forget_old_drafts": timedelta(hours=1),
}
_last_run: dict[str, object] = {}


def purge_trash() -> int:
    """Stories in the trash longer than TRASH_DAYS are deleted for good."""
    from articles import workflow

    return workflow.purge_trash()


def forget_expired_previews() -> int:
    """Shared preview links that expired or were revoked more than TRASH_DAYS ago are
    deleted (the activity log keeps that they were shared and revoked)."""
    from django.db.models import Q

    from articles.models import PreviewLink

    cutoff = timezone.now() - timedelta(days=settings.NEWSROOM_TRASH_DAYS)
    deleted, _ = PreviewLink.objects.filter(
        Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)
    ).delete()
    return deleted


def forget_old_drafts() -> int:
    """Autosaved drafts untouched for DRAFTS_KEEP_DAYS are deleted: a new story's draft is
    never forgotten by a save, and an abandoned edit is no longer worth offering back."""
    from articles import drafts

    return drafts.forget_old()


def run_due(now) -> None:
    from events import tasks

    for name, every in EVERY.items():
        last = _last_run.get(name)
        if last is not None and now - last < every:
            continue
        _last_run[name] = now
        task = getattr(tasks, name.split(".", 1)[1])
        if settings.NEWSROOM_TASKS_BROKER_URL:
            from newsroom.celery import app

            try:
                with app.connection_for_write(settings.NEWSROOM_TASKS_BROKER_URL) as connection:
                    task.apply_async(connection=connection, retry=False)
            except Exception as error:  # noqa: BLE001 (tried again next round)
                logger.warning("Could not start %s: %s", name, error)
                _last_run.pop(name, None)
        else:
            task()
