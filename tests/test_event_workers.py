"""The task engine for real (#18): a Celery worker process on a redis-server of the test's
own, on the test database (PostgreSQL). A worker killed mid-batch or a broker that is down
loses no event, and an idempotent receiver handles none twice."""

import time

import pytest
from django.db import transaction

import events
from events import outbox, registry
from events.models import Delivery, Event
from tests.conftest import require, uses_postgresql
from tests.servers import RedisServer, celery_worker, kill, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker(tmp_path, settings):
    require(uses_postgresql(), "a worker process shares the test database only on PostgreSQL")
    server = RedisServer(tmp_path)
    settings.NEWSROOM_TASKS_BROKER_URL = server.url
    settings.NEWSROOM_EVENTS_RETRY_SECONDS = 1
    yield server
    server.stop()


@pytest.fixture
def receiver(monkeypatch):
    """The receipts handler, the only one in this process for these tests (imported here,
    not at collection, so that it registers into the copy the test throws away)."""
    monkeypatch.setattr(registry, "_handlers", {})
    from tests import event_receivers

    events.handler("test-receipts")(event_receivers.receipt)
    event_receivers.create_table()
    yield event_receivers
    event_receivers.drop_table()


def worker(broker, tmp_path, name, **env):
    return celery_worker(
        broker.url,
        env={"EVENT_HANDLERS": "tests.event_receivers", "EVENTS_RETRY_SECONDS": "1", **env},
        log=tmp_path / f"{name}.log",
    )


def record_some(count: int) -> list[Event]:
    recorded = []
    for n in range(count):
        with transaction.atomic():  # each its own change, sent after its own commit
            recorded.append(events.record("tag.changed", payload={"tag": n}))
    return recorded


def all_done() -> bool:
    """Relay what is due (as the clock does) and say whether every delivery is done."""
    outbox.relay()
    return not Delivery.objects.filter(done_at__isnull=True).exists()


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(broker, receiver, tmp_path):
    with worker(broker, tmp_path, "first", RECEIPT_SECONDS="0.2") as first:
        recorded = record_some(20)
        wait_for(lambda: sum(receiver.receipts().values()) >= 3, 20, "the first receipts")
        kill(first)  # SIGKILL: no goodbye, tasks in hand unacknowledged
    pending = Delivery.objects.filter(done_at__isnull=True, handler="test-receipts").count()
    assert pending > 0, "the worker finished before it was killed; nothing was tested"

    with worker(broker, tmp_path, "second"):
        wait_for(all_done, 25, "every delivery done after the restart")
    assert receiver.receipts() == {str(event.uid): 1 for event in recorded}


def test_events_wait_in_the_outbox_while_the_broker_is_down(broker, receiver, tmp_path):
    with worker(broker, tmp_path, "worker"):
        broker.stop()
        started = time.monotonic()
        recorded = record_some(3)
        # The editor's save is not held up by the broker: sending gives up in seconds.
        assert time.monotonic() - started < 10
        assert Delivery.objects.filter(done_at__isnull=True).count() >= 3
        assert receiver.receipts() == {}

        broker.start()
        wait_for(all_done, 25, "every delivery done once the broker is back")
    assert receiver.receipts() == {str(event.uid): 1 for event in recorded}
