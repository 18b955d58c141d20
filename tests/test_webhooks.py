"""Webhooks (#18): Standard Webhooks signatures, retries with backoff for up to a day, replay,
switching off after failure, the API's story schema in the payload and nothing of a story
readers cannot see, all against a real HTTP receiver on a test port."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks import Webhook

from articles.models import Article
from events.models import Event
from tests.factories import ArticleFactory, AuthorFactory
from tests.webhook_receiver import Receiver
from webhooks import delivery, signing
from webhooks.handlers import send_to_subscribers
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

T0 = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def loopback_receivers(settings):
    """The receivers here listen on 127.0.0.1: allowed explicitly, as an operator would."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_TIMEOUT = 2
    settings.WEBHOOKS_CONNECT_TIMEOUT = 2
    settings.NEWSROOM_TASKS_BROKER_URL = ""  # attempts in this process, the sweep for retries


@pytest.fixture
def receiver():
    receivers = []

    def make(**options) -> Receiver:
        receivers.append(Receiver(**options))
        return receivers[-1]

    yield make
    for one in receivers:
        one.stop()


def subscribe(url: str, kinds=("story.published",), **fields) -> Subscription:
    return Subscription.objects.create(name="App", url=url, event_kinds=list(kinds), **fields)


def story_event(story, kind="story.published") -> Event:
    return Event.objects.create(
        kind=kind,
        article=story,
        payload={"story": {"id": story.pk}, "before": None, "changed": []},
        occurred_at=timezone.now(),
    )


def handle(event, capture) -> list[Delivery]:
    """The events handler, as the outbox runs it, and what it commits."""
    with capture(execute=True):
        send_to_subscribers(event)
    return list(Delivery.objects.filter(event=event))


# Signatures -----------------------------------------------------------------------------


def test_a_new_secret_is_a_standard_webhooks_secret_of_32_random_bytes():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert signing.new_secret() != secret


def test_our_signature_is_the_reference_implementations():
    secret = signing.new_secret()
    body = '{"type":"story.published","data":{"headline":"Café ☕"}}'.encode()
    ours = signing.signature(secret, msg_id="msg_1", timestamp=1_900_000_000, body=body)
    reference = Webhook(secret).sign(
        "msg_1", datetime.fromtimestamp(1_900_000_000, tz=UTC), body.decode()
    )
    assert ours == reference


# Delivery ---------------------------------------------------------------------------------


def test_a_published_story_reaches_its_receiver_signed_with_the_apis_story_schema(
    receiver, settings, client, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_SITE_URL = "http://testserver"  # the API's links, as the test client asks
    hook = receiver().start()
    subscription = subscribe(hook.url)
    hook.secret = subscription.secret
    story = ArticleFactory(authors=[AuthorFactory()], tags=["chips"])
    event = story_event(story)

    [sent] = handle(event, django_capture_on_commit_callbacks)

    [request] = hook.received
    assert request.verified, "the reference verifier refused our signature"
    assert request.headers["webhook-id"] == str(event.uid)
    assert abs(int(request.headers["webhook-timestamp"]) - timezone.now().timestamp()) < 5
    assert request.headers["content-type"] == "application/json"
    assert request.payload["type"] == "story.published"
    sent_at = datetime.fromisoformat(request.payload["timestamp"])
    assert abs(sent_at - event.occurred_at) < timedelta(milliseconds=1)
    assert request.payload["data"] == client.get(f"/api/v1/stories/{story.pk}/").json()
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.response_code) == ("delivered", 1, 200)
    assert sent.response_excerpt == "receiver says 200"


def test_a_receiver_is_sent_only_the_kinds_it_subscribed_to(
    receiver, django_capture_on_commit_callbacks
):
    hook = receiver().start()
    subscribe(hook.url, kinds=["story.unpublished"])
    story = ArticleFactory()
    assert handle(story_event(story, "story.published"), django_capture_on_commit_callbacks) == []
    handle(story_event(story, "story.unpublished"), django_capture_on_commit_callbacks)
    assert [r.payload["type"] for r in hook.received] == ["story.unpublished"]


def test_an_inactive_subscription_is_sent_nothing(receiver, django_capture_on_commit_callbacks):
    hook = receiver().start()
    subscribe(hook.url, active=False)
    assert handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks) == []
    assert hook.received == []


def test_the_handler_running_twice_for_one_event_makes_one_delivery(
    receiver, django_capture_on_commit_callbacks
):
    hook = receiver().start()
    subscribe(hook.url)
    event = story_event(ArticleFactory())
    handle(event, django_capture_on_commit_callbacks)
    handle(event, django_capture_on_commit_callbacks)
    assert Delivery.objects.filter(event=event).count() == 1
    assert len(hook.received) == 1


@pytest.mark.parametrize(
    "state",
    [
        {"status": Article.Status.DRAFT},
        {"status": Article.Status.UNPUBLISHED},
        {"publish_at": T0 + timedelta(days=3650)},  # scheduled (or embargoed): not yet public
        {"deleted_at": T0},
    ],
    ids=["draft", "unpublished", "scheduled", "trashed"],
)
def test_a_story_readers_cannot_see_is_sent_as_its_id_alone(
    state, receiver, django_capture_on_commit_callbacks
):
    hook = receiver().start()
    subscribe(hook.url, kinds=["story.unpublished"])
    story = ArticleFactory(
        headline="Secret merger talks", slug="secret-merger-talks", dek="Sources say.", **state
    )
    handle(story_event(story, "story.unpublished"), django_capture_on_commit_callbacks)
    [request] = hook.received
    assert request.payload["data"] == {"id": story.pk, "url": None}
    for secret in (b"Secret merger", b"secret-merger", b"Sources say", b"word1"):
        assert secret not in request.body


def test_a_retry_after_an_unpublish_carries_none_of_the_story(
    receiver, django_capture_on_commit_callbacks
):
    """The body is made at each attempt: the one that fails while the story is public is
    followed, after the unpublish, by one with nothing of it."""
    hook = receiver(status=500).start()
    subscribe(hook.url)
    story = ArticleFactory(headline="Soon pulled")
    with time_machine.travel(T0, tick=False) as clock:
        [sent] = handle(story_event(story), django_capture_on_commit_callbacks)
        assert b"Soon pulled" in hook.received[0].body
        Article.objects.filter(pk=story.pk).update(status=Article.Status.UNPUBLISHED)
        sent.refresh_from_db()
        clock.move_to(sent.next_attempt_at)
        delivery.send_due()
    assert hook.received[1].payload["data"] == {"id": story.pk, "url": None}
    assert b"Soon pulled" not in hook.received[1].body


def test_a_receiver_that_is_down_is_retried_with_backoff_and_gets_it_when_back(
    receiver, django_capture_on_commit_callbacks
):
    hook = receiver()  # its port: nothing listens there yet
    subscription = subscribe(hook.url)
    hook.secret = subscription.secret
    event = story_event(ArticleFactory())
    with time_machine.travel(T0, tick=False) as clock:
        [sent] = handle(event, django_capture_on_commit_callbacks)
        sent.refresh_from_db()
        assert (sent.status, sent.attempts, sent.response_code) == ("pending", 1, None)
        assert "Could not connect" in sent.error
        assert T0 + timedelta(seconds=27) <= sent.next_attempt_at <= T0 + timedelta(seconds=33)

        clock.move_to(sent.next_attempt_at - timedelta(seconds=1))
        assert delivery.send_due() == 0  # not due yet
        clock.move_to(sent.next_attempt_at)
        assert delivery.send_due() == 1
        sent.refresh_from_db()
        assert sent.attempts == 2
        second_gap = sent.next_attempt_at - timezone.now()
        assert timedelta(seconds=108) <= second_gap <= timedelta(seconds=132)

        hook.start()
        clock.move_to(sent.next_attempt_at)
        delivery.send_due()
        sent.refresh_from_db()
        assert (sent.status, sent.attempts, sent.response_code) == ("delivered", 3, 200)

        with django_capture_on_commit_callbacks(execute=True):
            delivery.replay(sent)  # the admin's Replay
    assert [r.webhook_id for r in hook.received] == [str(event.uid)] * 2
    assert all(r.verified for r in hook.received)
    assert list(hook.unique) == [str(event.uid)]  # a de-duplicating receiver keeps one
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.replays) == ("delivered", 1, 1)


def test_failures_are_retried_for_24_hours_and_then_the_delivery_has_failed(
    receiver, django_capture_on_commit_callbacks
):
    hook = receiver(status=500).start()
    subscribe(hook.url)
    with time_machine.travel(T0, tick=False) as clock:
        [sent] = handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks)
        attempts_at = [T0]
        sent.refresh_from_db()
        while sent.status == "pending":
            clock.move_to(sent.next_attempt_at)
            attempts_at.append(timezone.now())
            assert delivery.send_due() == 1
            sent.refresh_from_db()
    gaps = [b - a for a, b in zip(attempts_at, attempts_at[1:], strict=False)]
    for gap, planned in zip(gaps, delivery.RETRY_DELAYS, strict=False):
        assert planned * 0.9 <= gap <= planned * 1.1
    assert attempts_at[-1] == T0 + timedelta(hours=24)  # the last try, a day after the first
    assert len(hook.received) == len(attempts_at) == 9
    assert {r.webhook_id for r in hook.received} == {str(sent.webhook_id)}  # one id throughout
    assert (sent.status, sent.response_code) == ("failed", 500)
    assert sent.error == "Answered 500 Internal Server Error"
    assert sent.next_attempt_at is None


def test_repeated_failed_deliveries_disable_the_subscription_with_a_note(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_DISABLE_AFTER = 2
    settings.WEBHOOKS_RETRY_HOURS = 1
    hook = receiver(status=500).start()
    subscription = subscribe(hook.url)
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(2):
            [sent] = handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks)
            while (sent := Delivery.objects.get(pk=sent.pk)).status == "pending":
                subscription.refresh_from_db()
                assert subscription.active
                clock.move_to(sent.next_attempt_at)
                delivery.send_due()
        subscription.refresh_from_db()
        assert not subscription.active
        assert subscription.disabled_at == timezone.now()
        assert subscription.disabled_reason.startswith("Disabled on ")
        assert "after 2 failed deliveries; last error: Answered 500" in (
            subscription.disabled_reason
        )
        count = len(hook.received)
        assert handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks) == []
        assert len(hook.received) == count


def test_a_success_between_failed_deliveries_starts_the_count_again(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_DISABLE_AFTER = 2
    settings.WEBHOOKS_RETRY_HOURS = 0  # one attempt per delivery
    hook = receiver(status=500).start()
    subscription = subscribe(hook.url)
    for status in (500, 200, 500):
        hook.status = status
        handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks)
    subscription.refresh_from_db()
    assert subscription.active and subscription.failures_in_a_row == 1


def test_410_gone_disables_the_subscription_at_once(receiver, django_capture_on_commit_callbacks):
    hook = receiver(status=410).start()
    subscription = subscribe(hook.url)
    [sent] = handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks)
    sent.refresh_from_db()
    subscription.refresh_from_db()
    assert sent.status == "failed" and sent.next_attempt_at is None
    assert not subscription.active
    assert "410 Gone" in subscription.disabled_reason


def test_a_slow_receiver_times_out_and_is_retried(
    receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_TIMEOUT = 1
    hook = receiver(hang=True).start()
    subscribe(hook.url)
    [sent] = handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks)
    sent.refresh_from_db()
    assert sent.error == "No answer within 1 s"
    assert 1000 <= sent.duration_ms < 3000
    assert sent.status == "pending" and sent.next_attempt_at > timezone.now()


def test_redirects_are_not_followed(receiver, django_capture_on_commit_callbacks):
    elsewhere = receiver().start()
    hook = receiver(status=307, headers={"location": elsewhere.url}).start()
    subscribe(hook.url)
    [sent] = handle(story_event(ArticleFactory()), django_capture_on_commit_callbacks)
    sent.refresh_from_db()
    assert sent.status == "pending" and sent.response_code == 307
    assert "redirects are not followed" in sent.error
    assert elsewhere.received == []


def test_a_test_event_is_signed_and_logged(receiver, django_capture_on_commit_callbacks):
    hook = receiver().start()
    subscription = subscribe(hook.url)
    hook.secret = subscription.secret
    with django_capture_on_commit_callbacks(execute=True):
        sent = delivery.send_test(subscription)
    [request] = hook.received
    assert request.verified and request.payload["type"] == "webhook.test"
    assert request.webhook_id == str(sent.webhook_id)
    sent.refresh_from_db()
    assert sent.status == "delivered"


# End to end: the editor's action, the outbox, the handler, the receiver -----------------------


def test_publishing_and_unpublishing_through_the_workflow_reach_a_subscribed_receiver(
    receiver, editor, django_capture_on_commit_callbacks
):
    from articles import workflow

    hook = receiver().start()
    subscription = subscribe(hook.url, kinds=["story.published", "story.unpublished"])
    hook.secret = subscription.secret
    story = ArticleFactory(
        status=Article.Status.DRAFT, publish_at=None, authors=[AuthorFactory()], headline="Live!"
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(article=story, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(article=story, by=editor)

    published, unpublished = hook.received
    assert published.verified and unpublished.verified
    assert published.payload["type"] == "story.published"
    assert published.payload["data"]["headline"] == "Live!"
    assert published.webhook_id == str(Event.objects.get(kind="story.published").uid)
    assert unpublished.payload == {
        "type": "story.unpublished",
        "timestamp": unpublished.payload["timestamp"],
        "data": {"id": story.pk, "url": None},
    }
