from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.links import link

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
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        validators=[validate_section_slug],
        help_text=_("The section's address, e.g. /chips/. Changing it moves every story in it."),
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

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return link("articles:section", section=self.slug)
