"""Content events (#18): the outbox row is written in the change's own transaction, each
handler's delivery is tracked on its own, and with no broker the handlers run in-process
after commit, once."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

import events
from events import outbox, registry
from events.models import Delivery, Event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_test_handlers(monkeypatch):
    """These tests describe the outbox, not the site's own handlers (CDN, webhooks)."""
    monkeypatch.setattr(registry, "_handlers", {})


@pytest.fixture
def seen(monkeypatch):
    """A handler that notes each event it gets (registered for this test only)."""
    got = []
    monkeypatch.setitem(registry._handlers, "test-seen", got.append)
    return got


@pytest.fixture
def failing(monkeypatch):
    calls = []

    def fail(event):
        calls.append(event.pk)
        raise ConnectionError("receiver down")

    monkeypatch.setitem(registry._handlers, "test-failing", fail)
    return calls


def test_an_event_is_written_with_one_delivery_per_handler(seen, failing):
    event = events.record("section.changed", payload={"section": 1})
    assert Event.objects.get().uid == event.uid
    handlers = set(event.deliveries.values_list("handler", flat=True))
    assert {"test-seen", "test-failing"} <= handlers
    assert handlers == set(registry.handlers())


def test_an_event_is_gone_when_its_transaction_rolls_back(seen, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.record("section.changed", payload={"section": 1})
        raise RuntimeError("the change failed")
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()
    assert seen == []


def test_handlers_run_after_commit_not_before(seen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = events.record("tag.changed", payload={"tag": 3})
        assert seen == []
    assert [e.pk for e in seen] == [event.pk]
    delivery = event.deliveries.get(handler="test-seen")
    assert delivery.done_at is not None and delivery.attempts == 1


def test_a_failing_handler_is_noted_and_retried_on_its_own(
    seen, failing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = events.record("tag.changed", payload={"tag": 3})
    ok, bad = (event.deliveries.get(handler=name) for name in ("test-seen", "test-failing"))
    assert ok.done_at is not None
    assert bad.done_at is None and bad.attempts == 1
    assert "ConnectionError: receiver down" in bad.last_error
    assert bad.due_at > timezone.now()

    # Not yet due: the relay leaves it alone; once due it is tried again, the other not.
    assert outbox.relay() == 0
    assert outbox.relay(now=bad.due_at + timedelta(seconds=1)) == 1
    assert failing == [event.pk, event.pk]
    assert len(seen) == 1
    bad.refresh_from_db()
    assert bad.attempts == 2
    assert bad.due_at - timezone.now() > timedelta(seconds=1.5 * outbox._lease().total_seconds())


def test_a_delivery_is_done_once_however_often_it_is_sent(seen):
    event = events.record("tag.changed", payload={"tag": 3})
    delivery = event.deliveries.get(handler="test-seen")
    assert outbox.deliver(delivery.pk) is True
    assert outbox.deliver(delivery.pk) is False
    outbox.relay(now=timezone.now() + timedelta(days=1))
    assert len(seen) == 1


def test_the_relay_sends_what_was_never_sent(seen):
    """No commit hook ran (the process died between commit and dispatch): the relay sends
    the event once its lease runs out."""
    event = events.record("author.changed", payload={"author": 7})
    assert seen == []
    assert outbox.relay() == 0
    assert outbox.relay(now=timezone.now() + outbox._lease()) >= 1
    assert [e.pk for e in seen] == [event.pk]


def test_the_clock_key_makes_an_event_once_only(seen):
    at = timezone.now()
    first = events.record("photo.rights_expired", payload={"photo": 1}, occurred_at=at, key="k")
    again = events.record("photo.rights_expired", payload={"photo": 1}, occurred_at=at, key="k")
    assert again.pk == first.pk
    assert Event.objects.count() == 1
    assert Delivery.objects.filter(handler="test-seen").count() == 1


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError):
        events.record("story.exploded", payload={})


def test_two_handlers_may_not_share_a_name():
    @events.handler("same")
    def one(event):
        pass

    with pytest.raises(ValueError):

        @events.handler("same")
        def two(event):
            pass


def test_the_event_list_is_read_only_for_staff(admin_client):
    event = events.record("tag.changed", payload={"tag": 3})
    assert admin_client.get("/admin/events/event/").status_code == 200
    page = admin_client.get(f"/admin/events/event/{event.pk}/change/")
    assert page.status_code == 200
    assert b"tag.changed" in page.content
    assert admin_client.get("/admin/events/event/add/").status_code == 403
