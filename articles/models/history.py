from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Activity(models.Model):
    """The audit log: who did what to which story, and when. Never edited, never deleted."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted for review")
        PUBLISHED = "published", _("published")
        SCHEDULED = "scheduled", _("scheduled")
        EMBARGOED = "embargoed", _("accepted under embargo")
        EMBARGO_LIFTED = "embargo_lifted", _("lifted the embargo")
        EMBARGO_EXTENDED = "embargo_extended", _("extended the embargo")
        UNPUBLISHED = "unpublished", _("unpublished")
        RETURNED = "returned", _("returned to draft")
        TRASHED = "trashed", _("moved to trash")
        RESTORED = "restored", _("restored from trash")
        PURGED = "purged", _("deleted for good")
        REVERTED = "reverted", _("restored a revision")
        CORRECTED = "corrected", _("added a correction or update")
        CORRECTION_EDITED = "correction_edited", _("edited a correction or update")
        CORRECTION_DELETED = "correction_deleted", _("deleted a correction or update")
        CONFLICT = "conflict", _("edit refused: someone saved first")
        PREVIEW_SHARED = "preview_shared", _("shared a preview link")
        PREVIEW_REVOKED = "preview_revoked", _("revoked a preview link")
        IMPORTED = "imported", _("imported from WordPress")
        LIVE_UPDATE = "live_update", _("added a live update")
        LIVE_UPDATE_EDITED = "live_update_edited", _("edited a live update")
        LIVE_UPDATE_DELETED = "live_update_deleted", _("deleted a live update")
        COVERAGE_ENDED = "coverage_ended", _("ended live coverage")
        COVERAGE_REOPENED = "coverage_reopened", _("reopened live coverage")

    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("story"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    headline = models.CharField(_("headline"), max_length=200)
    action = models.CharField(_("action"), max_length=20, choices=Action)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activity log")
        indexes = [models.Index(fields=["article", "-at"], name="activity_article_idx")]

    def __str__(self):
        return f"{self.user} {self.get_action_display()} “{self.headline}”"


class OldURL(models.Model):
    """An address a published story or a section used to have; it answers 301 to the new one.

    It points at the object, not at a URL, so a story moved twice never forms a chain.
    """

    path = models.CharField(_("old path"), max_length=400, unique=True)
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    section = models.ForeignKey(
        "articles.Section", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(article__isnull=False) ^ models.Q(section__isnull=False),
                name="old_url_points_at_one_thing",
            ),
        ]

    def __str__(self):
        return self.path

    @staticmethod
    def path_of(url: str) -> str:
        """A URL's path as request.path gives it, percent-escapes decoded (“/tags/zürich/”,
        not “/tags/z%C3%BCrich/”): the form `articles.views.moved` looks up."""
        return unquote(urlsplit(url).path)[:400]

    @classmethod
    def remember(cls, old_url: str, *, article=None, section=None) -> None:
        """From now on `old_url` answers 301 to the story or section, wherever it lives;
        an old address the thing has moved back to stops redirecting."""
        cls.objects.filter(path=cls.path_of((article or section).get_absolute_url())).delete()
        cls.objects.update_or_create(
            path=cls.path_of(old_url), defaults={"article": article, "section": section}
        )
