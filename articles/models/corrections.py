from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsroom.sanitize import clean_short_text


class Correction(models.Model):
    """A dated note on a story: a correction, an update or an editor's note."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("Correction")
        UPDATE = "update", _("Update")
        EDITORS_NOTE = "editors_note", _("Editor’s note")

    article = models.ForeignKey(
        "articles.Article",
        verbose_name=_("story"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField(
        _("text"),
        help_text=_("e.g. “An earlier version of this story misstated the plant’s capacity.”"),
    )
    published_at = models.DateTimeField(
        _("date"), default=timezone.now, help_text=_("Shown with the note on the story.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, editable=False, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["published_at", "id"]
        verbose_name = _("correction or update")
        verbose_name_plural = _("corrections and updates")

    def __str__(self):
        return f"{self.get_kind_display()}, {self.published_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        self.prepare_to_save()
        super().save(*args, **kwargs)

    def prepare_to_save(self) -> None:
        """The note is printed as HTML: sanitized on every save, and by the archive import."""
        self.text = clean_short_text(self.text)
