from django.db import models
from django.utils.translation import gettext_lazy as _


class WordPressItem(models.Model):
    """What a WordPress export's item became here, so a second import updates it instead of
    making a copy. Keyed on the exporting site and WordPress's own id (or login, for authors).
    """

    class Kind(models.TextChoices):
        AUTHOR = "author", _("author")
        CATEGORY = "category", _("category → section")
        POST = "post", _("post → story")
        ATTACHMENT = "attachment", _("attachment → photo")

    site = models.CharField(_("WordPress site"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    wp_id = models.CharField(_("WordPress id"), max_length=200)
    object_id = models.PositiveBigIntegerField(_("id here"))
    imported_at = models.DateTimeField(auto_now=True)
    # What the import last left (a hash of the fields it sets, as saved here): a re-run
    # that finds the object otherwise was changed in Newsroom, and keeps Newsroom's edit.
    fingerprint = models.CharField(_("fingerprint of what was imported"), max_length=64, blank=True)
    # What the file said last time: the same again means there is nothing to update.
    source = models.CharField(_("fingerprint of the WordPress item"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("WordPress import record")
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "wp_id"], name="wordpress_item_once")
        ]

    def __str__(self):
        return f"{self.kind} {self.wp_id} from {self.site}"
