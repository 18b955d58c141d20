"""The story and photo lists: few columns that fit 1280 px, a sort a person can see, status
chips, times with their zone, and a "mine" filter."""

from functools import cache

from django.contrib import admin
from django.contrib.admin import helpers
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from articles.models import Article


def local_time(value) -> str:
    """A time as the staff side prints it: in the newsroom's zone, the zone named."""
    if value is None:
        return "—"
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _wraps_after_the_date(text: str) -> str:
    """A time like "18 Sep, 20:06 UTC" may break after the date, never inside the date or
    the time: a narrow column of times leaves the headlines room."""
    return ", ".join(part.replace(" ", "\u00a0") for part in text.split(", "))


def time_cell(value):
    if value is None:
        return "—"
    return format_html(
        '<time datetime="{}" data-nr-local>{}</time>',
        value.isoformat(),
        _wraps_after_the_date(local_time(value)),
    )


class MineFilter(admin.SimpleListFilter):
    """Only what is mine: for stories, the ones I started or write under a byline of; for
    photos, the ones I uploaded (each admin says which, in ``mine()``)."""

    title = _("whose")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Mine"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return self.mine(request.user, queryset)
        return queryset

    def mine(self, user, queryset):
        raise NotImplementedError


class MyStoriesFilter(MineFilter):
    def mine(self, user, queryset):
        return queryset.mine(user)


class MyPhotosFilter(MineFilter):
    def mine(self, user, queryset):
        return queryset.filter(uploaded_by=user)


def _chip(kind: str, label) -> str:
    return format_html('<span class="nr-status nr-status-{}">{}</span>', kind, label)


def status_chip(article: Article):
    """Draft, In review, Scheduled, Under embargo, Live or Unpublished, as a chip whose text
    says it (the colour only repeats it). The dashboard's chip is admin/desk/status.html."""
    if article.is_under_embargo:
        return _chip("embargoed", _("Under embargo"))
    if article.is_scheduled:
        return _chip("scheduled", _("Scheduled"))
    if article.is_public:
        return _chip("published", _("Live"))
    return _chip(article.status, article.get_status_display())


def status_cell(article: Article):
    """A list row's status: the chip and, under embargo, until when (short, with its zone;
    admin/embargo_countdown.js adds "in 1 h 04 min"). Who set the embargo is on the story."""
    if not article.is_under_embargo:
        return status_chip(article)
    return format_html(
        '{} <span class="nr-status-when">{} <time datetime="{}" data-embargo-until>{}</time>'
        '<span class="nr-countdown" data-embargo-countdown hidden></span></span>',
        status_chip(article),
        _("until"),
        article.publish_at.isoformat(),
        _wraps_after_the_date(local_time(article.publish_at)),
    )


# The list prints none of these; they are most of a story row's bytes.
HEAVY = ("body", "body_html", "body_text", "search_vector", "teaser_html")


@cache
def _light(changelist):
    class LightChangeList(changelist):
        def get_queryset(self, request, exclude_parameters=None):
            return super().get_queryset(request, exclude_parameters).defer(*HEAVY)

    return LightChangeList


class RowCheckboxMixin:
    """The action checkbox of each row written out: Django renders a form widget through
    three templates for it, the costliest cell of a 50-row list. The HTML is Django's."""

    def action_checkbox(self, obj):
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )


class StoryListMixin(RowCheckboxMixin):
    """ArticleAdmin's list: the headline with its section and bylines under it, the status,
    the publish time and the last edit, newest edit first (the sorted column shows it)."""

    list_display = ["story", "status_label", "publish_time", "updated"]
    list_display_links = ["story"]
    ordering = ["-updated_at", "-id"]
    list_select_related = ["section"]
    list_per_page = 50

    def get_changelist(self, request, **kwargs):
        return _light(super().get_changelist(request, **kwargs))

    @admin.display(description=_("story"), ordering="headline")
    def story(self, article):
        byline = ", ".join(b.author.name for b in article.bylines.all())
        kind = "" if article.story_type == "news" else article.get_story_type_display()
        meta = " · ".join(part for part in (kind, str(article.section or ""), byline) if part)
        return format_html(
            '<span class="nr-headline">{}</span><span class="nr-row-meta">{}</span>',
            article.headline,
            meta,
        )

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, article):
        return status_cell(article)

    @admin.display(description=_("publish time"), ordering="publish_at")
    def publish_time(self, article):
        return time_cell(article.publish_at)

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, article):
        # On a phone the header row is gone: the cell says what its time is.
        return format_html(
            '<span class="nr-cell-label">{} </span>{}', _("edited"), time_cell(article.updated_at)
        )

    @admin.display(description=_("authors"))
    def byline(self, article):
        return format_html_join(", ", "{}", ((b.author.name,) for b in article.bylines.all()))
