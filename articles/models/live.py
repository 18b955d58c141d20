from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.figures import render_body_and_photos
from newsroom.sanitize import clean_body


class LiveUpdateQuerySet(models.QuerySet):
    def public(self, *, at=None):
        """Updates a reader may see: those of a public story (Article.objects.public(), the
        one visibility rule) whose own time has come. An update of a draft, scheduled,
        embargoed, unpublished or trashed story is shown nowhere."""
        from articles.models import Article

        at = at or timezone.now()
        stories = Article.objects.public(at=at).filter(pk=OuterRef("story_id"))
        return self.filter(Exists(stories), published_at__lte=at)

    def newest_first(self):
        return self.order_by("-published_at", "-id")

    def for_page(self):
        """What an update prints: its byline (with the author's page) and its photo."""
        return self.select_related("author", "photo").defer("body")


class LiveUpdate(models.Model):
    """One timestamped entry of a Live story's coverage, with its own byline, an optional
    photo and a key-event flag. It follows its story's visibility (LiveUpdateQuerySet.public)."""

    story = models.ForeignKey(
        "articles.Article",
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="live_updates",
    )
    headline = models.CharField(
        _("headline"),
        max_length=200,
        blank=True,
        help_text=_("Optional: a short title for the update, shown in bold above it."),
    )
    body = models.TextField(_("update"))
    author = models.ForeignKey(
        "authors.Author",
        verbose_name=_("byline"),
        on_delete=models.PROTECT,
        related_name="live_updates",
    )
    published_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    photo = models.ForeignKey(
        "articles.Photo",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="live_updates",
    )
    key_event = models.BooleanField(
        _("key event"),
        default=False,
        help_text=_("Key events are listed at the top of the story and marked in the stream."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    # Computed on save, never per request.
    body_html = models.TextField(editable=False, default="")
    # The library photos body_html shows (as Article.body_photos).
    body_photos = models.JSONField(editable=False, default=list, blank=True)

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("live update")
        verbose_name_plural = _("live updates")
        indexes = [
            models.Index(fields=["story", "-published_at", "-id"], name="live_update_story_idx")
        ]

    def __str__(self):
        return self.headline or f"{self.story} {self.published_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        self.prepare_to_save()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.story.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self) -> str:
        """The update's id on the story page: its permalink is the story's URL + #anchor."""
        return f"update-{self.pk}"

    def prepare_to_save(self) -> None:
        """Sanitized like a story's body, on every save and by the archive import."""
        self.body = clean_body(self.body)
        rendered = render_body_and_photos(self.body)
        self.body_html, self.body_photos = rendered.html, rendered.photos
