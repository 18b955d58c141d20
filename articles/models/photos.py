import secrets

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_UNIT = [MinValueValidator(0.0), MaxValueValidator(1.0)]


class PhotoQuerySet(models.QuerySet):
    def usable(self, *, on=None):
        """Photos whose rights allow publishing today."""
        today = on or timezone.localdate()
        return self.filter(
            models.Q(rights_expire_on__isnull=True) | models.Q(rights_expire_on__gte=today)
        )

    def expired(self, *, on=None):
        return self.filter(rights_expire_on__lt=on or timezone.localdate())

    def public(self, *, at=None):
        """Photos a reader may see: rights allow it today and a public page shows them, as the
        lead photo or a body figure of a public story, on one of its public live updates, or as
        the headshot of a public author
        (Author.objects.public(): their page and bylines show it). The media view serves
        readers nothing else, so a photo of an embargoed story stays private until the
        story's publish time, with no job to run.
        """
        article = apps.get_model("articles", "Article")
        author = apps.get_model("authors", "Author")
        update = apps.get_model("articles", "LiveUpdate")
        stories = article.objects.public(at=at)
        in_body = models.functions.Concat(
            rendition_folder(models.OuterRef("media_token")), models.Value("/")
        )
        return self.usable(on=at and timezone.localdate(at)).filter(
            models.Exists(stories.filter(lead_photo=models.OuterRef("pk")))
            | models.Exists(author.objects.public(at=at).filter(headshot=models.OuterRef("pk")))
            | models.Exists(stories.filter(body_html__contains=in_body))
            | models.Exists(update.objects.public(at=at).filter(photo=models.OuterRef("pk")))
        )


def new_media_token() -> str:
    """128 random bits: the secret part of every file name a photo has."""
    return secrets.token_urlsafe(16)


def rendition_folder(token):
    """Where a photo's renditions live: ``renditions/<token>``, unguessable before the photo
    is public (an expression when given one, for the queryset above)."""
    if isinstance(token, str):
        return f"renditions/{token}"
    return models.functions.Concat(models.Value("renditions/"), token)


def master_name(photo, filename: str) -> str:
    """The uploaded original's name: random, without the name it was uploaded under. Masters
    are never served to readers (articles/media.py); the random name is a second lock."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"masters/{secrets.token_urlsafe(16)}.{extension[:5]}"


class Photo(models.Model):
    """A picture in the library, with the caption, alt text and credit it must carry."""

    # What may be published and until when: set by photo editors and editors only. Whether a
    # photo may lead a story without a caption is the desk's call too.
    RIGHTS_FIELDS = ("licence", "cc_variant", "usage_notes", "rights_expire_on")
    DESK_FIELDS = (*RIGHTS_FIELDS, "no_caption_needed")
    # Who is credited is a rights matter too, once the photo is in the library.
    CREDIT_FIELDS = ("credit_kind", "credit")

    class CreditKind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        ILLUSTRATION = "illustration", _("Illustration")
        GRAPHIC = "graphic", _("Graphic")
        MAP = "map", _("Map")
        SCREENSHOT = "screenshot", _("Screenshot")

    class Licence(models.TextChoices):
        STAFF = "staff", _("Staff (ours)")
        AGENCY = "agency", _("Agency")
        HANDOUT = "handout", _("Handout")
        CREATIVE_COMMONS = "cc", _("Creative Commons")
        PUBLIC_DOMAIN = "public_domain", _("Public domain")

    class CreativeCommons(models.TextChoices):
        BY = "BY", "CC BY"
        BY_SA = "BY-SA", "CC BY-SA"
        BY_ND = "BY-ND", "CC BY-ND"
        BY_NC = "BY-NC", "CC BY-NC"
        BY_NC_SA = "BY-NC-SA", "CC BY-NC-SA"
        BY_NC_ND = "BY-NC-ND", "CC BY-NC-ND"
        CC0 = "CC0", "CC0"

    image = models.ImageField(
        _("image"), upload_to=master_name, width_field="width", height_field="height"
    )
    media_token = models.CharField(
        _("media token"), max_length=32, unique=True, editable=False, default=new_media_token
    )
    width = models.PositiveIntegerField(_("width"), null=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, editable=False)
    caption = models.TextField(
        _("caption"), blank=True, help_text=_("Shown under the photo: what, who, where, when.")
    )
    no_caption_needed = models.BooleanField(
        _("needs no caption"),
        default=False,
        help_text=_(
            "A lead photo needs a caption to publish. Tick this for a picture that says "
            "nothing a caption could add, such as a logo. Photo editors and editors only."
        ),
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
    focal_x = models.FloatField(
        _("focal point, across"),
        default=0.5,
        validators=_UNIT,
        help_text=_("0 is the left edge, 1 the right. Click the picture to set it."),
    )
    focal_y = models.FloatField(
        _("focal point, down"),
        default=0.5,
        validators=_UNIT,
        help_text=_("0 is the top edge, 1 the bottom."),
    )
    licence = models.CharField(_("licence"), max_length=20, choices=Licence, default=Licence.STAFF)
    cc_variant = models.CharField(
        _("Creative Commons variant"),
        max_length=10,
        choices=CreativeCommons,
        blank=True,
        help_text=_("Required for Creative Commons photos."),
    )
    usage_notes = models.TextField(
        _("usage notes"), blank=True, help_text=_("e.g. “Editorial use only. No archive sales.”")
    )
    rights_expire_on = models.DateField(
        _("rights expire on"),
        null=True,
        blank=True,
        help_text=_(
            "The last day it may be published; the day after, it disappears from the site."
        ),
    )
    renditions = models.JSONField(_("renditions"), default=dict, editable=False)
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

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        permissions = [
            ("manage_rights_photo", _("Can set a photo's licence, usage notes and rights expiry")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(alt_text="") & ~models.Q(credit=""),
                name="photo_has_alt_text_and_credit",
            ),
            models.CheckConstraint(
                condition=models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_point_inside",
            ),
            models.CheckConstraint(
                condition=~models.Q(licence="cc") | ~models.Q(cc_variant=""),
                name="photo_cc_has_variant",
            ),
        ]
        indexes = [models.Index(fields=["rights_expire_on"], name="photo_rights_idx")]

    def __str__(self):
        label = self.caption or self.alt_text
        return label if len(label) <= 70 else label[:69] + "…"

    def clean(self):
        super().clean()
        if self.licence == self.Licence.CREATIVE_COMMONS and not self.cc_variant:
            raise ValidationError({"cc_variant": _("Say which Creative Commons licence applies.")})

    @property
    def is_usable(self) -> bool:
        """Its rights allow publishing today; a test ties this to ``usable()``."""
        return self.rights_allow(self.rights_expire_on)

    @staticmethod
    def rights_allow(expires_on) -> bool:
        """The rule of is_usable, for a photo read as a plain row (sitemaps)."""
        return expires_on is None or expires_on >= timezone.localdate()

    @property
    def is_public(self) -> bool:
        """A reader may see it now; the rule is ``Photo.objects.public()``."""
        return type(self).objects.public().filter(pk=self.pk).exists()

    @property
    def lacks_caption(self) -> bool:
        """Publishing it as a lead photo needs a caption it does not have."""
        return not self.caption.strip() and not self.no_caption_needed

    @property
    def licence_label(self) -> str:
        if self.licence == self.Licence.CREATIVE_COMMONS:
            return self.get_cc_variant_display()
        return self.get_licence_display()

    @property
    def credit_line(self) -> str:
        """“Photo: VCG/Getty Images”, as printed beside the picture."""
        # get_credit_kind_display() rebuilds its choices dict on every call; a page prints
        # a credit for every card.
        return f"{_CREDIT_LABELS.get(self.credit_kind, self.credit_kind)}: {self.credit}"


_CREDIT_LABELS = dict(Photo.CreditKind.choices)
