import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webhooks.signing import new_secret


class Subscription(models.Model):
    """A system that wants to hear about content events: where, which kinds, and the secret
    its deliveries are signed with."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Who receives, e.g. “App”."))
    url = models.URLField(
        _("URL"),
        max_length=500,
        help_text=_(
            "Where events are POSTed. https:// on the public internet; this site's own "
            "addresses and private networks are refused unless the operator allows them."
        ),
    )
    event_kinds = models.JSONField(
        _("events"),
        default=list,
        help_text=_("The kinds of event this receiver is sent."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        editable=False,
        help_text=_("Standard Webhooks secret (whsec_…): the receiver checks signatures with it."),
    )
    secret_shown_at = models.DateTimeField(_("secret shown"), null=True, blank=True, editable=False)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive subscriptions are sent nothing; their pending deliveries wait."),
    )
    disabled_at = models.DateTimeField(_("disabled automatically"), null=True, blank=True)
    disabled_reason = models.TextField(_("why disabled"), blank=True)
    # Deliveries that ended in failure since the last success; at WEBHOOKS_DISABLE_AFTER the
    # subscription is disabled.
    failures_in_a_row = models.PositiveIntegerField(_("failed deliveries in a row"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        permissions = [("test_subscription", _("Can send a test event to a webhook receiver"))]

    def __str__(self):
        return self.name

    def wants(self, kind: str) -> bool:
        return kind in self.event_kinds


class Delivery(models.Model):
    """One event sent to one subscription: each attempt updates it, retries are scheduled
    from it (next_attempt_at), and Replay sends it again with the same webhook-id."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "events.Event",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
        help_text=_("Empty for a test event."),
    )
    # The webhook-id: the event's uid (a test event has its own), the same on every attempt
    # and replay, so that receivers can drop what they already have.
    webhook_id = models.UUIDField(_("webhook-id"), default=uuid.uuid4, editable=False)
    kind = models.CharField(_("event"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    replays = models.PositiveIntegerField(_("replays"), default=0)
    # Retries are counted from here: the first attempt, or the last replay.
    started_at = models.DateTimeField(_("first attempt"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    response_code = models.PositiveIntegerField(_("response"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("response body (start)"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        permissions = [("replay_delivery", _("Can replay a webhook delivery"))]
        constraints = [
            # The handler may run more than once for an event (at least once): one delivery.
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=Q(event__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.subscription}"
