"""Webhooks on the task engine for real (#18): a Celery worker process on a redis-server of
the test's own, on the test database (PostgreSQL), sending to a receiver on a test port. Kill
the worker while deliveries are pending and start another: every event reaches the receiver,
and one that de-duplicates by webhook-id handles none twice."""

import pytest
from django.db import transaction

import events
from events import clock
from events.models import Event
from tests.conftest import require, uses_postgresql
from tests.factories import ArticleFactory
from tests.servers import RedisServer, celery_worker, kill, wait_for
from tests.webhook_receiver import Receiver
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db(transaction=True)

WORKER_ENV = {
    "WEBHOOKS_ALLOW_LOOPBACK": "1",
    "WEBHOOKS_ALLOW_HTTP": "1",
    "WEBHOOKS_CONNECT_TIMEOUT": "1",
    "WEBHOOKS_TIMEOUT": "1",
    "EVENTS_RETRY_SECONDS": "1",
}


@pytest.fixture
def broker(tmp_path, settings):
    require(uses_postgresql(), "a worker process shares the test database only on PostgreSQL")
    server = RedisServer(tmp_path)
    settings.NEWSROOM_TASKS_BROKER_URL = server.url
    settings.NEWSROOM_EVENTS_RETRY_SECONDS = 1
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_CONNECT_TIMEOUT = 1
    settings.WEBHOOKS_TIMEOUT = 1
    yield server
    server.stop()


def all_delivered(the_clock: clock.Clock) -> bool:
    """A round of the clock (relay the events, sweep the webhooks); all delivered yet?"""
    the_clock.tick()
    return not Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists()


def test_a_worker_killed_with_webhooks_pending_loses_none_and_repeats_none(broker, tmp_path):
    receiver = Receiver().start()
    try:
        subscription = Subscription.objects.create(
            name="App", url=receiver.url, event_kinds=["story.published"]
        )
        receiver.secret = subscription.secret
        stories = [ArticleFactory() for _ in range(12)]
        # Each answer takes a while, so that the worker is killed mid-way.
        receiver.delay = 0.3
        with celery_worker(broker.url, env=WORKER_ENV, log=tmp_path / "first.log") as first:
            recorded = []
            for story in stories:
                with transaction.atomic():
                    recorded.append(events.record("story.published", article=story, payload={}))
            wait_for(lambda: len(receiver.received) >= 3, 60, "the first deliveries")
            kill(first)
        pending = Delivery.objects.exclude(status=Delivery.Status.DELIVERED).count()
        assert pending or len(recorded) > Delivery.objects.count(), "nothing was left to test"

        receiver.delay = 0
        with celery_worker(broker.url, env=WORKER_ENV, log=tmp_path / "second.log"):
            the_clock = clock.Clock()
            wait_for(lambda: all_delivered(the_clock), 60, "every webhook delivered after restart")
        # Every event, those recorded here and the go-live events the clock recorded for
        # the same stories, reached the receiver; one delivery per event, however run.
        every = {str(uid) for uid in Event.objects.values_list("uid", flat=True)}
        assert {str(event.uid) for event in recorded} <= every
        assert set(receiver.unique) == every
        assert Delivery.objects.count() == len(every)
        assert all(request.verified for request in receiver.received)
    finally:
        receiver.stop()
