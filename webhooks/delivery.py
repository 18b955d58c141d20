"""Sending webhooks: one attempt at a delivery, its retries, replays and the switch-off.

Each attempt POSTs the signed payload to the address its URL resolved to and was vetted on
(webhooks.urlguard), with no redirects followed. A 2xx is success; anything else, a refused
or slow connection included, is retried after about 30 s, 2 min, 10 min, 1 h, 3 h, 6 h and
12 h (each ±10 %), the last try falling WEBHOOKS_RETRY_HOURS (24) after the first. Then the
delivery has failed; WEBHOOKS_DISABLE_AFTER failed deliveries in a row disable the subscription
with a note, and a 410 Gone disables it at once.

The Delivery row is the schedule: an attempt claims the row by moving its next_attempt_at past
the attempt's longest possible time (a lease), so the task engine's timed task and the
periodic sweep (send_due) never both send it, and a worker killed mid-attempt leaves a row the
sweep finds again. Receivers may see a delivery twice (at least once) and de-duplicate by
webhook-id, which is the same on every attempt and replay.
"""

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from webhooks import payloads, signing, urlguard
from webhooks.models import Delivery, Subscription

logger = logging.getLogger("webhooks")

RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
JITTER = 0.1
EXCERPT_BYTES = 1024
USER_AGENT = "Newsroom-Webhooks/1"


@dataclass
class Outcome:
    code: int | None = None
    error: str = ""
    duration_ms: int = 0
    excerpt: str = ""

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


# Fan-out (the events handler) ------------------------------------------------------------


def fan_out(event) -> list[int]:
    """One delivery of `event` per active subscription that wants its kind; idempotent (the
    handler may run twice for one event). Returns the deliveries not yet attempted."""
    now = timezone.now()
    wanted = [s for s in Subscription.objects.filter(active=True) if s.wants(event.kind)]
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription=subscription,
                event=event,
                webhook_id=event.uid,
                kind=event.kind,
                started_at=now,
                next_attempt_at=now,
            )
            for subscription in wanted
        ],
        ignore_conflicts=True,
    )
    return list(
        Delivery.objects.filter(
            event=event, status=Delivery.Status.PENDING, attempts=0
        ).values_list("pk", flat=True)
    )


def send_test(subscription: Subscription) -> Delivery:
    now = timezone.now()
    delivery = Delivery.objects.create(
        subscription=subscription, kind=payloads.TEST_KIND, started_at=now, next_attempt_at=now
    )
    schedule_after_commit([delivery.pk])
    return delivery


def replay(delivery: Delivery) -> None:
    """Send again, with the same webhook-id, from a fresh retry schedule."""
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        attempts=0,
        replays=F("replays") + 1,
        started_at=now,
        next_attempt_at=now,
    )
    schedule_after_commit([delivery.pk])


def enable(subscription: Subscription) -> None:
    """Switch a subscription back on: its note is cleared and what waited is sent again."""
    now = timezone.now()
    Subscription.objects.filter(pk=subscription.pk).update(
        active=True, disabled_at=None, disabled_reason="", failures_in_a_row=0
    )
    waiting = Delivery.objects.filter(subscription=subscription, status=Delivery.Status.PENDING)
    ids = list(waiting.values_list("pk", flat=True))
    waiting.update(started_at=now, next_attempt_at=now)
    schedule_after_commit(ids)


def schedule_after_commit(ids: list[int], eta: datetime | None = None) -> None:
    from webhooks.tasks import schedule

    if ids:
        transaction.on_commit(lambda: schedule(ids, eta=eta), robust=True)


# One attempt ------------------------------------------------------------------------------


def _lease() -> timedelta:
    """Longer than an attempt can take (connecting, then the whole answer), with room for
    writing its outcome: only a worker that died mid-attempt leaves a row leased past this."""
    return timedelta(seconds=2 * settings.WEBHOOKS_CONNECT_TIMEOUT + settings.WEBHOOKS_TIMEOUT + 5)


def attempt(delivery_id: int) -> Delivery | None:
    """Make the attempt that is due now, if it is (else None: done, not due yet, claimed by
    another worker, or its subscription is off)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=now,
        subscription__active=True,
    ).update(next_attempt_at=now + _lease())
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("subscription", "event").get(pk=delivery_id)
    outcome = post(delivery)
    _record(delivery, outcome)
    return delivery


def post(delivery: Delivery) -> Outcome:
    """POST the delivery once to a vetted address; never raises for the receiver's sake."""
    subscription = delivery.subscription
    try:
        target = urlguard.vet(subscription.url)
    except urlguard.Refused as refused:
        return Outcome(error=_("Refused: %(why)s") % {"why": refused})
    body = payloads.encode(payloads.build(delivery))
    headers = {
        **signing.headers(
            subscription.secret,
            msg_id=str(delivery.webhook_id),
            timestamp=int(timezone.now().timestamp()),
            body=body,
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": target.host_header,
    }
    started = time.monotonic()
    # A name may resolve to several addresses (IPv4 and IPv6): the next is tried only when
    # one refuses the connection, as browsers do; two at most, to keep within the lease.
    for address in target.addresses[:2]:
        try:
            return _post_to(address, target, body, headers, started)
        except urllib3.exceptions.NewConnectionError as error:
            refused = error
        except urllib3.exceptions.HTTPError as error:
            return Outcome(error=_describe_error(error), duration_ms=_ms_since(started))
    return Outcome(error=_describe_error(refused), duration_ms=_ms_since(started))


def _post_to(address: str, target: urlguard.Target, body: bytes, headers: dict, started) -> Outcome:
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOKS_CONNECT_TIMEOUT,
        read=settings.WEBHOOKS_TIMEOUT,
        total=settings.WEBHOOKS_TIMEOUT,
    )
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, **options)
    with pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            excerpt = response.read1(EXCERPT_BYTES) if response.status != 204 else b""
        except urllib3.exceptions.HTTPError:
            excerpt = b""
        finally:
            response.release_conn()
    return Outcome(
        code=response.status,
        duration_ms=_ms_since(started),
        excerpt=excerpt.decode("utf-8", "replace"),
        error="" if 200 <= response.status < 300 else _describe_status(response),
    )


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _describe_status(response) -> str:
    if 300 <= response.status < 400:
        return _("Answered %(code)s (redirects are not followed) to %(where)s") % {
            "code": response.status,
            "where": response.headers.get("location", "?"),
        }
    return _("Answered %(code)s %(reason)s") % {"code": response.status, "reason": response.reason}


def _describe_error(error: Exception) -> str:
    # NewConnectionError is a ConnectTimeoutError to urllib3: the refused connection first.
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        reason = error.__cause__ or error.__context__ or error
        return _("Could not connect: %(why)s") % {
            "why": getattr(reason, "strerror", None) or reason
        }
    if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
        return _("No connection within %(s)s s") % {"s": settings.WEBHOOKS_CONNECT_TIMEOUT}
    if isinstance(error, urllib3.exceptions.ReadTimeoutError):
        return _("No answer within %(s)s s") % {"s": settings.WEBHOOKS_TIMEOUT}
    if isinstance(error, urllib3.exceptions.SSLError):
        return _("TLS failed: %(why)s") % {"why": error}
    return f"{type(error).__name__}: {error}"


def _record(delivery: Delivery, outcome: Outcome) -> None:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code = outcome.code
    delivery.error = outcome.error[:2000]
    delivery.duration_ms = outcome.duration_ms
    delivery.response_excerpt = outcome.excerpt[:EXCERPT_BYTES]
    subscription = delivery.subscription
    retry_at = None
    if outcome.ok:
        delivery.status = Delivery.Status.DELIVERED
        delivery.next_attempt_at = None
        Subscription.objects.filter(pk=subscription.pk).update(failures_in_a_row=0)
    elif outcome.code == 410:
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
        disable(
            subscription,
            _("Disabled on %(when)s: the receiver answered 410 Gone (it wants no more).")
            % {"when": _now_text()},
        )
    else:
        retry_at = next_attempt(delivery, now)
        if retry_at is None:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
            _count_failure(subscription, outcome)
        else:
            delivery.next_attempt_at = retry_at
    delivery.save()
    if retry_at is not None:
        from webhooks.tasks import schedule

        schedule([delivery.pk], eta=retry_at)


def next_attempt(delivery: Delivery, now: datetime) -> datetime | None:
    """When to try again after `delivery.attempts` attempts, or None when its time is up."""
    deadline = delivery.started_at + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS)
    if now >= deadline:
        return None
    delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
    delay *= 1 + random.uniform(-JITTER, JITTER)  # noqa: S311 (spreading load, not secrecy)
    return min(now + delay, deadline)


def _count_failure(subscription: Subscription, outcome: Outcome) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(
        failures_in_a_row=F("failures_in_a_row") + 1
    )
    subscription.refresh_from_db(fields=["failures_in_a_row", "active"])
    failures = subscription.failures_in_a_row
    if subscription.active and failures >= settings.WEBHOOKS_DISABLE_AFTER:
        disable(
            subscription,
            _("Disabled on %(when)s after %(n)s failed deliveries; last error: %(error)s")
            % {
                "when": _now_text(),
                "n": failures,
                "error": outcome.error or outcome.code,
            },
        )


def _now_text() -> str:
    return formats.date_format(timezone.localtime(), "DATETIME_FORMAT")


def disable(subscription: Subscription, reason: str) -> None:
    """Switch a subscription off, with the note the admin shows."""
    Subscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_at=timezone.now(), disabled_reason=reason
    )
    logger.warning("Webhook subscription %s disabled: %s", subscription, reason)


# The sweep --------------------------------------------------------------------------------


def send_due(*, limit: int = 500) -> int:
    """Hand every delivery whose attempt is due to the task engine (or make it here, with no
    broker): retries whose timed task was lost, deliveries a killed worker left behind."""
    from webhooks.tasks import schedule

    due = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
            subscription__active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    schedule(due)
    return len(due)
