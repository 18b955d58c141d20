"""Webhooks in the admin: admins manage subscriptions (editors do not), the secret is shown
once, refused addresses say why, the delivery log replays, a test event can be sent, and a
subscription switched off by failures says so."""

import pytest
from django.utils import timezone

from events.models import Event
from tests.factories import ArticleFactory
from tests.webhook_receiver import Receiver
from webhooks import delivery
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/webhooks/subscription/"


@pytest.fixture(autouse=True)
def loopback_receivers(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.NEWSROOM_TASKS_BROKER_URL = ""


@pytest.fixture
def admin_client(client, staff_member):
    client.force_login(staff_member("ada", "Admin"))
    return client


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def test_editors_do_not_manage_webhooks(client, staff_member):
    client.force_login(staff_member("edna", "Editor"))
    assert client.get(CHANGELIST).status_code == 403
    assert client.get("/admin/webhooks/delivery/").status_code == 403


def test_an_admin_adds_a_subscription_and_sees_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        CHANGELIST + "add/",
        {"name": "App", "url": receiver.url, "event_kinds": ["story.published"], "active": "on"},
    )
    subscription = Subscription.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"{CHANGELIST}{subscription.pk}/change/"
    assert subscription.created_by.username == "ada"
    first = admin_client.get(response.headers["Location"]).content.decode()
    assert f'value="{subscription.secret}"' in first
    again = admin_client.get(response.headers["Location"]).content.decode()
    assert subscription.secret not in again and "Hidden since" in again


def test_the_admin_refuses_an_internal_address_and_says_why(admin_client, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    response = admin_client.post(
        CHANGELIST + "add/",
        {"name": "Metadata", "url": "http://169.254.169.254/", "event_kinds": ["story.published"]},
    )
    assert response.status_code == 200
    assert "169.254.169.254 is on a private or internal network" in response.content.decode()
    assert not Subscription.objects.exists()


def test_send_test_event_and_replay_from_the_delivery_log(
    admin_client, receiver, django_capture_on_commit_callbacks
):
    subscription = Subscription.objects.create(
        name="App", url=receiver.url, event_kinds=["story.published"]
    )
    receiver.secret = subscription.secret
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            CHANGELIST, {"action": "send_test_event", "_selected_action": [subscription.pk]}
        )
    [test] = receiver.received
    assert test.verified and test.payload["type"] == "webhook.test"

    event = Event.objects.create(
        kind="story.published", article=ArticleFactory(), payload={}, occurred_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery.schedule_after_commit(delivery.fan_out(event))
    sent = Delivery.objects.get(event=event)
    log = admin_client.get(f"/admin/webhooks/delivery/?subscription__id__exact={subscription.pk}")
    assert log.status_code == 200
    assert "story.published" in log.content.decode() and "webhook.test" in log.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [sent.pk]}
        )
    assert [r.webhook_id for r in receiver.received[1:]] == [str(event.uid)] * 2
    detail = admin_client.get(f"/admin/webhooks/delivery/{sent.pk}/change/").content.decode()
    assert str(event.uid) in detail and "receiver says 200" in detail


def test_the_lists_read_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    for n in range(6):
        subscription = Subscription.objects.create(
            name=f"App {n}", url=f"https://8.8.8.{n}/", event_kinds=["story.published"]
        )
        Delivery.objects.create(subscription=subscription, kind="webhook.test")
    with django_assert_max_num_queries(12):
        assert admin_client.get(CHANGELIST).status_code == 200
    with django_assert_max_num_queries(12):
        assert admin_client.get("/admin/webhooks/delivery/").status_code == 200


def test_a_subscription_disabled_by_failures_says_so_and_can_be_enabled_again(
    admin_client, receiver, django_capture_on_commit_callbacks
):
    subscription = Subscription.objects.create(
        name="App", url=receiver.url, event_kinds=["story.published"]
    )
    delivery.disable(
        subscription, "Disabled on 4 March 2031 after 5 failed deliveries; last error: Answered 500"
    )
    page = admin_client.get(f"{CHANGELIST}{subscription.pk}/change/").content.decode()
    assert "Disabled on 4 March 2031 after 5 failed deliveries; last error: Answered 500" in page
    assert "disabled automatically" in admin_client.get(CHANGELIST).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(CHANGELIST, {"action": "enable", "_selected_action": [subscription.pk]})
    subscription.refresh_from_db()
    assert subscription.active and subscription.disabled_at is None
    assert subscription.disabled_reason == ""
