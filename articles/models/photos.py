from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Photo(models.Model):
    """A picture in the library, with the caption, alt text and credit it must carry."""

    class CreditKind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        ILLUSTRATION = "illustration", _("Illustration")
        GRAPHIC = "graphic", _("Graphic")
        MAP = "map", _("Map")
        SCREENSHOT = "screenshot", _("Screenshot")

    image = models.ImageField(
        _("image"), upload_to="photos/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("width"), null=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, editable=False)
    caption = models.TextField(
        _("caption"), blank=True, help_text=_("Shown under the photo: what, who, where, when.")
    )
    alt_text = models.CharField(
        _("alt text"),
        max_length=300,
        help_text=_("What the image shows, for readers who cannot see it. Required."),
    )
    credit = models.CharField(
        _("credit"),
        max_length=200,
        help_text=_("Who made it, as printed: “VCG/Getty Images”, “Jane Roe/Newsroom”."),
    )
    credit_kind = models.CharField(
        _("credit kind"),
        max_length=20,
        choices=CreditKind,
        default=CreditKind.PHOTO,
        help_text=_("Printed before the credit: “Photo: …”, “Illustration: …”."),
    )
    source = models.CharField(
        _("source"), max_length=120, blank=True, help_text=_("Agency or origin, e.g. “Reuters”.")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(alt_text="") & ~models.Q(credit=""),
                name="photo_has_alt_text_and_credit",
            ),
        ]

    def __str__(self):
        label = self.caption or self.alt_text
        return label if len(label) <= 70 else label[:69] + "…"

    @property
    def credit_line(self) -> str:
        """“Photo: VCG/Getty Images”, as printed beside the picture."""
        return f"{self.get_credit_kind_display()}: {self.credit}"
