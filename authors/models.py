from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from articles.teasers import plain_text
from authors.handles import KINDS
from newsroom.links import link
from newsroom.sanitize import clean_short_text
from newsroom.slugs import SlugField, unique_slug

BIO_MAX_CHARACTERS = 600


class AuthorQuerySet(models.QuerySet):
    def active(self):
        """Authors the pickers offer: whether they still write, not whether readers see them."""
        return self.filter(is_active=True)

    def public(self, *, at=None):
        """The one rule for readers: an author is public once a public story carries their
        byline (Article.objects.public()), active or not. Until then nothing public names
        them: no page, feed, API entry, sitemap line, search choice or headshot. A new hire's
        profile, or one whose only story is a draft or embargoed, gives nothing away."""
        article = apps.get_model("articles", "Article")
        stories = article.objects.public(at=at).filter(bylines__author=models.OuterRef("pk"))
        return self.filter(models.Exists(stories))


class Author(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        blank=True,
        help_text=_(
            "The author page's address, e.g. /authors/jane-roe/. Any language is fine. "
            "Left blank, it is made from the name."
        ),
    )
    job_title = models.CharField(
        _("job title"), max_length=120, blank=True, help_text=_("e.g. “Senior chips reporter”.")
    )
    bio = models.TextField(
        _("bio"),
        blank=True,
        help_text=_(
            "Two or three sentences for the author box, e.g. “Jane writes about chips.” "
            "Links, bold and italics are kept; everything else is removed."
        ),
    )
    headshot = models.ForeignKey(
        "articles.Photo",
        verbose_name=_("headshot"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text=_("The staff account that writes as this author, if any."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive authors keep their page and stories but leave the author pickers."),
    )

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            models.CheckConstraint(condition=~models.Q(slug=""), name="author_slug_not_empty"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.ensure_slug()
        self.prepare_to_save()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return link("authors:detail", slug=self.slug)

    def ensure_slug(self) -> None:
        """A slug from the name when none was given (any path may leave it blank)."""
        if not self.slug:
            self.slug = unique_slug(Author, self.name, exclude_pk=self.pk, fallback="author")

    def clean(self):
        super().clean()
        # Before the constraints are checked: a blank slug is made now, not refused.
        self.ensure_slug()
        if len(plain_text(clean_short_text(self.bio))) > BIO_MAX_CHARACTERS:
            raise ValidationError(
                {"bio": _("Keep the bio under %(n)d characters.") % {"n": BIO_MAX_CHARACTERS}}
            )

    def prepare_to_save(self) -> None:
        """The bio is printed as HTML: sanitized on every save, and by the archive import."""
        self.bio = clean_short_text(self.bio)


class Handle(models.Model):
    """A way to reach an author, validated for its kind and rendered as a proper link."""

    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.CASCADE, related_name="handles"
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=[(key, kind.label) for key, kind in KINDS.items()]
    )
    value = models.CharField(
        _("handle"),
        max_length=200,
        help_text=_("As you would paste it: “@janeroe”, “jane@example.com” or a profile URL."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("contact handle")
        verbose_name_plural = _("contact handles")
        constraints = [
            models.UniqueConstraint(fields=["author", "kind", "value"], name="unique_handle"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.display}"

    def save(self, *args, **kwargs):
        self.prepare_to_save()
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if self.kind in KINDS and self.value:
            try:
                self.value = KINDS[self.kind].normalize(self.value.strip())
            except ValidationError as error:
                raise ValidationError({"value": error}) from None

    @property
    def url(self) -> str:
        return KINDS[self.kind].url(self.value)

    @property
    def display(self) -> str:
        return KINDS[self.kind].display(self.value)

    def prepare_to_save(self) -> None:
        """Scripts and importers skip forms; the stored form is normal whoever saves (the
        archive import calls this too)."""
        self.clean()
