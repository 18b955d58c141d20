from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from articles.figures import render_body_and_photos, sponsored_links
from articles.teasers import count_words, plain_text, story_teaser
from newsroom.links import link
from newsroom.sanitize import clean_body, clean_short_text
from newsroom.slugs import SlugField, unique_slug


def validate_story_slug(value: str) -> None:
    if value == "feed":
        raise ValidationError(_("“feed” is the section's feed address; choose another slug."))


class StaleEdit(Exception):
    """A save based on an old version of the story: someone else saved in between."""


class StateChangeRefused(PermissionDenied):
    """A write that would change a story's workflow state outside articles.workflow."""


COUNT_MAX = 32767  # a PositiveSmallIntegerField's largest value

# A story's workflow state: what only articles.workflow changes, with its checks and its log.
STATE_FIELDS = frozenset(
    {
        "status",
        "publish_at",
        "deleted_at",
        "deleted_by_id",
        "embargoed",
        "embargo_set_by_id",
        "embargo_set_at",
    }
)
_changing_state = ContextVar("changing_state", default=False)


@contextmanager
def state_change():
    """Opened by articles.workflow (and nothing else) around a save that moves a story's
    status, publish time or trash state. Outside it, Article refuses such a save, whatever
    path it came by: an admin form, a revision being reverted, a script."""
    token = _changing_state.set(True)
    try:
        yield
    finally:
        _changing_state.reset(token)


class ArticleQuerySet(models.QuerySet):
    def public(self, *, at=None):
        """The one visibility rule: Published, and the publish time has come.

        Every public surface (pages, lists and their counts, feeds, sitemaps, search,
        related stories, APIs) goes through this method and nothing else. Stories in the
        trash are never public, whatever their status.
        """
        return self.published().filter(publish_at__lte=at or timezone.now())

    def scheduled(self, *, at=None):
        """Published stories whose publish time is still ahead."""
        return self.published().filter(publish_at__gt=at or timezone.now())

    def under_embargo(self, *, at=None):
        """Stories accepted under embargo whose instant is still ahead: Published, with
        publish_at the embargo's end, so public() shows them at that instant as it shows a
        scheduled story. While under embargo they are locked for all but editors and no
        preview link shows them (articles.permissions, previewable())."""
        return self.scheduled(at=at).filter(embargoed=True)

    def published(self):
        """Status Published and not in the trash, whatever the publish time: public() and
        scheduled() split these at the present instant."""
        return self.filter(status=Article.Status.PUBLISHED, deleted_at__isnull=True)

    def live(self):
        """Everything not in the trash: what the newsroom works on."""
        return self.filter(deleted_at__isnull=True)

    def previewable(self):
        """What a shared preview link may show: not in the trash, not taken down
        (Unpublished), not under embargo. Unpublishing, trashing and embargoing revoke the
        links too (articles.workflow); this rule is checked again at every use."""
        return (
            self.live()
            .exclude(status=Article.Status.UNPUBLISHED)
            .exclude(pk__in=Article.objects.under_embargo().values("pk"))
        )

    def trashed(self):
        return self.filter(deleted_at__isnull=False)

    def restorable(self, *, at=None):
        """In the trash for less than TRASH_DAYS: these can still come back."""
        cutoff = (at or timezone.now()) - timedelta(days=settings.NEWSROOM_TRASH_DAYS)
        return self.filter(deleted_at__gte=cutoff)

    def in_section(self, section):
        return self.filter(section=section)

    def mine(self, user):
        """Stories the user started or writes under a byline of: the desk's "mine"."""
        # One list of ids, not an OR of two conditions: PostgreSQL joins the few ids of one
        # person's stories instead of testing every story (100,000 of them in the bench).
        started = Article.objects.filter(created_by=user).order_by().values("pk")
        bylined = Byline.objects.filter(author__user=user).order_by().values("article_id")
        return self.filter(pk__in=started.union(bylined))

    def by_author(self, author):
        return self.filter(bylines__author=author)

    def with_role_of(self, author):
        """Each story annotated with `author`'s role on it (role_slug, role_phrase), read
        in the same query as the stories."""
        role = Byline.objects.filter(article=OuterRef("pk"), author=author)
        return self.annotate(
            role_slug=Subquery(role.values("role__slug")[:1]),
            role_phrase=Subquery(role.values("role__phrase")[:1]),
        )

    def of_type(self, story_type: str):
        return self.filter(story_type=story_type)

    def tagged(self, tag):
        return self.filter(tags=tag)

    def latest_first(self):
        """Newest first. Public stories always have a publish time, so plain DESC order
        matches the (status, publish_at DESC) index and needs no sort."""
        return self.order_by("-publish_at", "-id")

    def for_listing(self, *, body=False, author_boxes=True):
        """What a teaser card reads, its author boxes too, fetched in three queries whatever
        the page size: the stories, their bylines with authors and headshots, the handles.

        The body in its forms and the search index are most of a story row's bytes and a
        card reads none of them; `body=True` keeps the rendered body (full-text feeds).
        Lists that print only the authors' names (feeds, the API) pass `author_boxes=False`
        and save the handles' query.
        """
        heavy = ("body", "body_text", "search_vector") + (() if body else ("body_html",))
        bylines = Byline.objects.select_related("author", "role")
        if author_boxes:
            bylines = Byline.objects.for_author_boxes()
        return (
            self.select_related("section", "lead_photo")
            .prefetch_related(Prefetch("bylines", queryset=bylines))
            .defer(*heavy)
        )

    def for_story_page(self):
        """The page prints the rendered body; the editor's source and the search index
        stay in the database."""
        return (
            self.select_related("section", "lead_photo")
            .defer("body", "body_text", "search_vector")
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.for_author_boxes()),
                "tags",
                "corrections",
            )
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "review", _("In review")
        PUBLISHED = "published", _("Published")
        UNPUBLISHED = "unpublished", _("Unpublished")

    # Where a story may go from each status. Publishing a published story reschedules it
    # (or publishes a scheduled one now).
    TRANSITIONS = {
        Status.DRAFT: {Status.IN_REVIEW, Status.PUBLISHED},
        Status.IN_REVIEW: {Status.DRAFT, Status.PUBLISHED},
        Status.PUBLISHED: {Status.PUBLISHED, Status.UNPUBLISHED},
        Status.UNPUBLISHED: {Status.DRAFT, Status.PUBLISHED},
    }

    class StoryType(models.TextChoices):
        """What kind of journalism a story is: labelled on cards and pages, typed in JSON-LD."""

        NEWS = "news", _("News")
        ANALYSIS = "analysis", _("Analysis")
        OPINION = "opinion", _("Opinion")
        REVIEW = "review", _("Review")
        EXPLAINER = "explainer", _("Explainer")
        SPONSORED = "sponsored", _("Sponsored")
        LIVE = "live", _("Live")

    headline = models.CharField(_("headline"), max_length=200)
    story_type = models.CharField(
        _("story type"),
        max_length=20,
        choices=StoryType,
        default=StoryType.NEWS,
        db_index=True,
        help_text=_("Opinion and Sponsored stories are labelled as such wherever they appear."),
    )
    coverage_ended_at = models.DateTimeField(
        _("live coverage ended"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Live stories only: when an editor ended the coverage. Readers' pages stop "
            "checking for new updates and say the coverage has ended."
        ),
    )
    sponsor_name = models.CharField(
        _("presented by"),
        max_length=120,
        blank=True,
        help_text=_("The sponsor of a Sponsored story, as readers see it: “Presented by …”."),
    )
    sponsor_url = models.URLField(
        _("sponsor's link"),
        max_length=500,
        blank=True,
        help_text=_(
            "The sponsor's site. A Sponsored story cannot be published without a sponsor "
            "and this link; readers' browsers and search engines are told it is sponsored."
        ),
    )
    slug = SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        validators=[validate_story_slug],
        help_text=_(
            "The last part of the story's address, e.g. /chips/this-slug/. Any language is "
            "fine. Left blank, it is made from the headline."
        ),
    )
    dek = models.CharField(
        _("dek"), max_length=300, blank=True, help_text=_("One line under the headline.")
    )
    section = models.ForeignKey(
        "articles.Section",
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="articles",
    )
    tags = TaggableManager(_("tags"), blank=True)
    authors = models.ManyToManyField(
        "authors.Author",
        verbose_name=_("authors"),
        through="articles.Byline",
        related_name="articles",
        blank=True,
    )
    lead_photo = models.ForeignKey(
        "articles.Photo",
        verbose_name=_("lead photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lead_for",
    )
    body = models.TextField(_("body"), blank=True)
    teaser = models.TextField(
        _("hand-written teaser"),
        blank=True,
        help_text=_(
            "Optional. Shown on cards instead of the story's opening. Without it the card "
            "shows the first words of the body."
        ),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.DRAFT, db_index=True
    )
    publish_at = models.DateTimeField(
        _("publish time"),
        null=True,
        blank=True,
        help_text=_(
            "A story is public once its status is Published and this time has passed. "
            "Set a future time to schedule it; leave empty to publish now."
        ),
    )
    first_published_at = models.DateTimeField(_("first published"), null=True, editable=False)
    # An embargo: accepted as Published with publish_at at the embargo's end (so it goes
    # public by the same rule as a scheduled story), plus who promised it and when.
    embargoed = models.BooleanField(
        _("embargoed"),
        default=False,
        editable=False,
        help_text=_(
            "Accepted under embargo: public at its publish time, and until then locked for "
            "everyone but editors, with no preview links."
        ),
    )
    embargo_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("embargo set by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    embargo_set_at = models.DateTimeField(_("embargo set at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # article_created_by_idx
    )

    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Raised by one on every save.")
    )
    deleted_at = models.DateTimeField(_("moved to trash"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moved to trash by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Computed on save, never per request.
    body_html = models.TextField(editable=False, default="")
    # The library photos body_html shows: their `photo-<id>` keys name the page for a CDN.
    body_photos = models.JSONField(editable=False, default=list, blank=True)
    # Images readers see with no credit line (from outside the library, or a library photo
    # outside a figure), and how many of them lack alt text: the dashboard's "needs attention".
    uncredited_images = models.PositiveSmallIntegerField(editable=False, default=0)
    images_without_alt = models.PositiveSmallIntegerField(editable=False, default=0)
    body_text = models.TextField(editable=False, default="")
    # Weighted full-text index (headline > dek > body), kept by save() on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)
    teaser_html = models.TextField(editable=False, default="")
    teaser_truncated = models.BooleanField(editable=False, default=False)
    word_count = models.PositiveIntegerField(editable=False, default=0)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = [F("publish_at").desc(nulls_last=True), "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        permissions = [
            ("publish_article", _("Can publish, schedule and unpublish stories")),
            ("edit_any_article", _("Can edit any story, in any state")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(publish_at__isnull=False),
                name="published_story_has_publish_time",
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="story_slug_not_empty"),
            models.CheckConstraint(
                condition=Q(embargoed=False) | Q(status="published"),
                name="embargoed_story_is_published",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-publish_at"], name="article_public_idx"),
            models.Index(
                fields=["section", "status", "-publish_at"], name="article_section_public_idx"
            ),
            # The admin's story list and dashboard: latest edit first. It carries what
            # says who may see a story (public or one of theirs: articles.permissions.
            # viewable), so the list's capped count reads the index, not the wide rows.
            models.Index(
                fields=["-updated_at", "-id"],
                include=["status", "publish_at", "created_by", "deleted_at"],
                name="article_updated_idx",
            ),
            # "Mine" (ArticleQuerySet.mine): the ids of the stories a person started, read
            # from the index alone. It stands in for the foreign key's own index.
            models.Index(fields=["created_by", "id"], name="article_created_by_idx"),
            # Needs attention: the few stories with an uncredited image, latest edit first.
            models.Index(
                fields=["-updated_at", "-id"],
                condition=Q(uncredited_images__gt=0),
                name="article_uncredited_idx",
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        self.ensure_slug()
        self.prepare_to_save()
        if self.status == self.Status.PUBLISHED:
            if self.publish_at is None:
                self.publish_at = timezone.now()
            # First publication is when it first went live; a story rescheduled before
            # going live has not been published yet.
            if self.first_published_at is None or self.first_published_at > timezone.now():
                self.first_published_at = self.publish_at
        if self._state.adding:
            super().save(*args, **kwargs)
            self._update_search_vector()
            return
        # Optimistic locking: the UPDATE only matches the version this copy was loaded at.
        self._expected_version = self.version
        self.version += 1
        if kwargs.get("update_fields") is not None:
            fields = {*kwargs["update_fields"], "version"}
            if "story_type" in fields:  # the type decides how links render (sponsored)
                fields |= {"body_html", "teaser_html"}
            kwargs["update_fields"] = fields
        try:
            # A savepoint of its own, so a refused save leaves the caller's transaction usable.
            with transaction.atomic(using=kwargs.get("using")):
                super().save(*args, **kwargs)
        except (StaleEdit, StateChangeRefused):
            self.version -= 1
            raise
        finally:
            del self._expected_version
        self._update_search_vector()

    def get_absolute_url(self):
        return link("articles:story", section=self.section.slug, slug=self.slug)

    def prepare_to_save(self) -> None:
        """Sanitize what editors wrote and compute what is derived from it. save() calls it;
        so does the archive import, whose raw load skips save(): a stored body, teaser or
        rendered HTML is never trusted as it came."""
        self.body = clean_body(self.body)
        # The type is read here, so a story that becomes (or stops being) Sponsored is
        # rendered again with its links marked (or not) on that save.
        rendered = render_body_and_photos(self.body, sponsored=self.is_sponsored)
        self.body_html, self.body_photos = rendered.html, rendered.photos
        self.uncredited_images = min(rendered.uncredited, COUNT_MAX)
        self.images_without_alt = min(rendered.without_alt, COUNT_MAX)
        self.teaser = clean_short_text(self.teaser)
        teaser = story_teaser(body=self.body, handwritten=self.teaser)
        self.teaser_html, self.teaser_truncated = teaser.html, teaser.truncated
        if self.is_sponsored:
            self.teaser_html = sponsored_links(self.teaser_html)
        self.body_text = plain_text(self.body)
        self.word_count = count_words(self.body_text)

    def clean(self):
        super().clean()
        # Before the constraints are checked: a blank slug is made now, not refused.
        self.ensure_slug()

    def ensure_slug(self) -> None:
        """A slug from the headline when none was given (any path may leave it blank)."""
        if not self.slug:
            self.slug = unique_slug(
                Article, self.headline, exclude_pk=self.pk, reserved={"feed"}, fallback="story"
            )

    def _update_search_vector(self):
        from articles.search import update_search_vector

        update_search_vector(self)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        """Every UPDATE of a story: it matches only the version this copy was loaded at and,
        outside articles.workflow, only a row whose workflow state it leaves as it is."""
        expected = getattr(self, "_expected_version", None)
        if expected is None:
            # Not through save(): a raw write (a revision reverted whole, a fixture) carries
            # the old copy's version and state; the version would go backwards.
            raise StateChangeRefused(
                f"Story {pk_val} may only be changed through save() and articles.workflow."
            )
        guarded = base_qs.filter(version=expected)
        if not _changing_state.get():
            guarded = guarded.filter(
                **{
                    field.attname: value
                    for field, _, value in values
                    if field.attname in STATE_FIELDS
                }
            )
        if super()._do_update(guarded, using, pk_val, values, update_fields, forced_update):
            return True
        current = base_qs.filter(pk=pk_val).values_list("version", flat=True).first()
        if current is None:
            return False
        if current == expected:
            raise StateChangeRefused(
                f"Story {pk_val}: status, publish time and trash change only through "
                "articles.workflow."
            )
        raise StaleEdit(f"Story {pk_val} was saved by someone else since version {expected}.")

    def transition_to(self, status: str) -> None:
        """Move to ``status`` if the workflow allows it from the current one."""
        if status not in self.TRANSITIONS[self.status]:
            raise ValidationError(
                _("A story that is %(current)s cannot become %(new)s."),
                params={
                    "current": self.get_status_display().lower(),
                    "new": self.Status(status).label.lower(),
                },
                code="invalid_transition",
            )
        self.status = status

    @property
    def is_public(self) -> bool:
        """The visibility rule for one loaded story; a test ties it to ``public()``."""
        return (
            self.deleted_at is None
            and self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )

    @property
    def is_under_embargo(self) -> bool:
        """The rule of ``under_embargo()`` for one loaded story; a test ties them."""
        return self.embargoed and self.deleted_at is None and self.is_scheduled

    @property
    def is_live(self) -> bool:
        return self.story_type == self.StoryType.LIVE

    @property
    def coverage_is_open(self) -> bool:
        """A Live story whose coverage no editor has ended: readers' pages poll for updates."""
        return self.is_live and self.coverage_ended_at is None

    @property
    def was_updated(self) -> bool:
        """Edited after it went live: the page then shows its updated time."""
        if not self.first_published_at:
            return False
        # Stories entered after their publish time (backdated, imported) count from entry.
        live_since = max(self.first_published_at, self.publish_at, self.created_at)
        return (self.updated_at - live_since).total_seconds() > 60

    @property
    def is_sponsored(self) -> bool:
        return self.story_type == self.StoryType.SPONSORED

    @property
    def sponsor_link(self) -> str:
        """The sponsor's address if it is a web address: whatever path the field was filled
        by (an archive, an import), a page never links to anything else."""
        url = self.sponsor_url.strip()
        return url if url.lower().startswith(("https://", "http://")) else ""

    @property
    def bylines_in_order(self):
        return [byline.author for byline in self.bylines.all()]


class BylineQuerySet(models.QuerySet):
    def for_author_boxes(self):
        """Bylines with what an author box prints: the author, their headshot, their
        handles (one query for the handles of every author in the batch), and the role
        the byline phrase groups them by."""
        return self.select_related("author__headshot", "role").prefetch_related("author__handles")


class BylineRole(models.Model):
    """What a person did on a story (Written by, Translated by...): the byline phrase
    groups names by role, in the roles' order (articles/bylines.py). Seeded by a migration
    and editable in the admin."""

    class Property(models.TextChoices):
        """The schema.org property of a NewsArticle a person with this role goes in."""

        AUTHOR = "author", _("author")
        CONTRIBUTOR = "contributor", _("contributor")
        TRANSLATOR = "translator", _("translator")
        EDITOR = "editor", _("editor")

    # The role a byline has unless someone picks another. Its key is fixed: the admin
    # cannot change it, and the default finds (or remakes) the role by it.
    WRITTEN = "written"

    slug = models.SlugField(
        _("key"),
        max_length=40,
        unique=True,
        help_text=_(
            "The role's name in the API, feeds and imports, e.g. translated. "
            "Cannot be changed once saved."
        ),
    )
    name = models.CharField(
        _("name"), max_length=60, unique=True, help_text=_("As the admin lists it: Translated by.")
    )
    phrase = models.CharField(
        _("printed phrase"),
        max_length=60,
        help_text=_(
            "What the byline prints before the names: “By” gives “By A and B”, "
            "“Additional reporting by” gives “Additional reporting by C”."
        ),
    )
    position = models.PositiveSmallIntegerField(
        _("order"), default=0, help_text=_("Roles print in this order, lowest first.")
    )
    schema_property = models.CharField(
        _("schema.org property"),
        max_length=20,
        choices=Property,
        default=Property.CONTRIBUTOR,
        help_text=_(
            "Where search engines are told about the person: author for the story's "
            "writers, or contributor, translator or editor."
        ),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("byline role")
        verbose_name_plural = _("byline roles")

    def __str__(self):
        return self.name

    @property
    def is_default(self) -> bool:
        return self.slug == self.WRITTEN

    @classmethod
    def default_pk(cls) -> int:
        """Written by: the role of a byline nobody gave another (made again if a database
        was emptied without its seed, as a test server's flush does)."""
        role, _ = cls.objects.get_or_create(
            slug=cls.WRITTEN,
            defaults={"name": "Written by", "phrase": "By", "schema_property": "author"},
        )
        return role.pk


def default_byline_role() -> int:
    return BylineRole.default_pk()


class Byline(models.Model):
    """One author on one story, in the order the byline reads."""

    article = models.ForeignKey(
        Article, verbose_name=_("story"), on_delete=models.CASCADE, related_name="bylines"
    )
    author = models.ForeignKey(
        "authors.Author",
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="bylines",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    role = models.ForeignKey(
        BylineRole,
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        related_name="bylines",
        default=default_byline_role,
    )

    objects = BylineQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("byline")
        verbose_name_plural = _("bylines")
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="one_byline_per_author"),
        ]

    def __str__(self):
        return str(self.author)


class TrashedArticle(Article):
    """Stories in the trash, for the trash page; restorable for NEWSROOM_TRASH_DAYS days."""

    class Meta:
        proxy = True
        verbose_name = _("story in the trash")
        verbose_name_plural = _("trash")
