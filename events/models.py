import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    STORY_PUBLISHED = "story.published", _("story published")
    STORY_UPDATED = "story.updated", _("story updated")
    STORY_CORRECTED = "story.corrected", _("story corrected")
    STORY_UNPUBLISHED = "story.unpublished", _("story unpublished")
    STORY_TRASHED = "story.trashed", _("story trashed")
    STORY_RESTORED = "story.restored", _("story restored")
    STORY_EMBARGO_LIFTED = "story.embargo_lifted", _("embargo lifted")
    BYLINE_CHANGED = "byline.changed", _("byline changed")
    BYLINE_ROLE_CHANGED = "byline_role.changed", _("byline role changed")
    PHOTO_CHANGED = "photo.changed", _("photo changed")
    PHOTO_RIGHTS_EXPIRED = "photo.rights_expired", _("photo rights expired")
    AUTHOR_CHANGED = "author.changed", _("author changed")
    SECTION_CHANGED = "section.changed", _("section changed")
    TAG_CHANGED = "tag.changed", _("tag changed")


class Event(models.Model):
    """One change readers can see, written in the transaction that made it (the outbox)."""

    Kind = Kind

    id = models.BigAutoField(primary_key=True)
    uid = models.UUIDField(_("id for receivers"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind)
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("story"),
    )
    payload = models.JSONField(_("payload"), default=dict)
    occurred_at = models.DateTimeField(
        _("occurred"), help_text=_("When the change took effect; for the clock's, its instant.")
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    # What makes an event once-only: the clock's go-live, embargo and rights-expiry events
    # (and the go-live an editor's Publish records) carry one, so two clocks, a restart or a
    # catch-up never record the same instant twice.
    key = models.CharField(_("once-only key"), max_length=200, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("content event")
        verbose_name_plural = _("content events")
        indexes = [models.Index(fields=["article", "-id"], name="event_article_idx")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class Delivery(models.Model):
    """One handler's work on one event: done once, retried until then."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(_("handler"), max_length=60)
    due_at = models.DateTimeField(
        _("next try"),
        help_text=_("The relay sends it (again) from this time on while it is not done."),
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["event_id", "handler"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="delivery_once_per_handler")
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="delivery_pending_idx", condition=Q(done_at__isnull=True)
            )
        ]

    def __str__(self):
        return f"{self.event} → {self.handler}"
