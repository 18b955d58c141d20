from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.links import link
from newsroom.slugs import SlugField, unique_slug

# First path segments the site itself answers; a section may not take one of them.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "authors",
        "feed",
        "healthz",
        "media",
        "preview",
        "robots.txt",
        "search",
        "sitemap.xml",
        "static",
        "tags",
    }
)


def validate_section_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is a site address already; choose another slug."),
            params={"slug": value},
            code="reserved",
        )


class Section(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        blank=True,
        validators=[validate_section_slug],
        help_text=_(
            "The section's address, e.g. /chips/. Changing it moves every story in it. "
            "Any language is fine. Left blank, it is made from the name."
        ),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("One or two sentences shown on the section page.")
    )
    order = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Sections are listed in the navigation by this number.")
    )

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="section_slug_not_empty"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.ensure_slug()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("articles:section", section=self.slug)

    def clean(self):
        super().clean()
        # Before the constraints are checked: a blank slug is made now, not refused.
        self.ensure_slug()

    def ensure_slug(self) -> None:
        """A slug from the name when none was given (any path may leave it blank)."""
        if not self.slug:
            self.slug = unique_slug(
                Section, self.name, exclude_pk=self.pk, reserved=RESERVED_SLUGS, fallback="section"
            )
