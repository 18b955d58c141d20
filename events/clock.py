"""The clock: instants the database schedules become events at that instant, once.

A scheduled story goes live (or its embargo lifts) at its publish time; a photo's rights
expire at midnight, in the newsroom's TIME_ZONE, after its last day. Nothing has to happen
for readers at those instants (visibility is decided when a page is read), but caches and
other systems must hear of them: the clock records the event, under a once-only key, so two
clocks or a restart never record one twice, and a clock that was down catches up.

Each round also relays deliveries not done (events.outbox.relay) and starts the periodic jobs
that are due (events.jobs).
"""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events import jobs, outbox
from events.content import photo_changed
from events.models import Event, Kind
from events.stories import live_key, snapshot

logger = logging.getLogger("events.clock")

# Each round looks back this far past the previous one: a story scheduled moments before its
# instant may commit just after it.
OVERLAP = timedelta(minutes=1)


def _midnight(day) -> datetime:
    """The first instant of ``day`` in the newsroom's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def go_live_events(*, since: datetime, now: datetime) -> int:
    """Stories whose publish time fell in (since, now] and that have no go-live event yet."""
    from articles.models import Article

    stories = list(
        Article.objects.published()
        .filter(publish_at__gt=since, publish_at__lte=now)
        .order_by("publish_at")
    )
    keys = {live_key(article): article for article in stories}
    done = set(Event.objects.filter(key__in=keys).values_list("key", flat=True))
    recorded = 0
    for key, article in keys.items():
        if key in done:
            continue
        kind = Kind.STORY_EMBARGO_LIFTED if getattr(article, "embargoed", False) else None
        with transaction.atomic():
            event = outbox.record(
                kind or Kind.STORY_PUBLISHED,
                article=article,
                payload={"story": snapshot(article), "before": None, "changed": ["went live"]},
                occurred_at=article.publish_at,
                key=key,
            )
        recorded += event.occurred_at == article.publish_at and event.key == key
    return recorded


def rights_expiry_events(*, since: datetime, now: datetime) -> int:
    """Photos shown on public pages whose rights ran out at a midnight in (since, now]."""
    from articles.models import Photo

    recorded = 0
    day = timezone.localdate(since)
    while _midnight(day) <= now:
        instant = _midnight(day)
        if instant > since:
            for photo in Photo.objects.filter(rights_expire_on=day - timedelta(days=1)):
                with transaction.atomic():
                    recorded += bool(
                        photo_changed(
                            photo,
                            kind=Kind.PHOTO_RIGHTS_EXPIRED,
                            occurred_at=instant,
                            key=f"rights:{photo.pk}:{day.isoformat()}",
                        )
                    )
        day += timedelta(days=1)
    return recorded


def next_instant(now: datetime) -> datetime | None:
    """The next instant the clock has to record: a publish time ahead, or the coming
    midnight when a photo's rights end today."""
    from articles.models import Article, Photo

    story = (
        Article.objects.published()
        .filter(publish_at__gt=now)
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )
    today = timezone.localdate(now)
    midnight = (
        _midnight(today + timedelta(days=1))
        if Photo.objects.filter(rights_expire_on=today).exists()
        else None
    )
    return min(filter(None, [story, midnight]), default=None)


class Clock:
    def __init__(self):
        self.since = timezone.now() - timedelta(hours=settings.NEWSROOM_CLOCK_CATCH_UP_HOURS)

    def tick(self) -> float:
        """Do what is due and return the seconds until the clock should look again."""
        poll = float(settings.NEWSROOM_CLOCK_POLL_SECONDS)
        try:
            now = timezone.now()
            recorded = go_live_events(since=self.since, now=now)
            recorded += rights_expiry_events(since=self.since, now=now)
            if recorded:
                logger.info("Recorded %d scheduled events.", recorded)
            self.since = now - OVERLAP
            sent = outbox.relay(now=now)
            if sent:
                logger.info("Relayed %d event deliveries.", sent)
            jobs.run_due(now)
            upcoming = next_instant(now)
        except Exception:  # a database hiccup must not stop the clock: try again next round
            logger.exception("Clock round failed")
            return poll
        try:
            from webhooks.delivery import send_due

            # Webhook retries are due by their rows (webhooks.delivery): whatever the task
            # engine lost or a killed worker left is sent from here.
            send_due()
        except Exception:
            logger.exception("Webhook sweep failed")
        if upcoming is None:
            return poll
        return max(0.0, min(poll, (upcoming - timezone.now()).total_seconds()))
