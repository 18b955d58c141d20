"""The newsroom dashboard (the admin's home page): what a reporter or an editor has to do now.

Each list is one query with a fixed length, whatever the number of stories: the page costs
the same at 100 stories and at 100,000 (tests/test_desk.py and `make bench` hold it to that).
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles.models import Activity, Article
from articles.permissions import can_publish, viewable

ROWS = 10  # per list; each list links on to the full, filtered story list


@dataclass
class Attention:
    """One thing that needs someone: what, why, and where to fix it."""

    label: str
    reason: str
    url: str
    at: datetime | None = None


@dataclass
class Desk:
    drafts: list
    in_review: list | None  # None: this user does not review (reporters)
    going_live: list
    published_today: list
    attention: list[Attention] = field(default_factory=list)
    links: dict = field(default_factory=dict)


def _cards(stories):
    """What a dashboard row prints: headline, status, times, section."""
    return stories.select_related("section").only(
        "pk",
        "headline",
        "status",
        "embargoed",
        "publish_at",
        "updated_at",
        "deleted_at",
        "section__name",
        "section__slug",
    )


def _story_url(article_id) -> str:
    return reverse("admin:articles_article_change", args=[article_id])


def desk_for(user, *, now=None) -> Desk:
    now = now or timezone.now()
    Status = Article.Status
    stories = viewable(user, Article.objects.live())
    editor = can_publish(user)
    start_of_day = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    changelist = reverse("admin:articles_article_changelist")
    drafts = list(
        _cards(stories.mine(user).filter(status=Status.DRAFT)).order_by("-updated_at")[:ROWS]
    )
    in_review = (
        list(_cards(stories.filter(status=Status.IN_REVIEW)).order_by("updated_at")[:ROWS])
        if editor
        else None
    )
    going_live = list(
        _cards(
            stories.scheduled(at=now).filter(publish_at__lte=now + timedelta(hours=24))
        ).order_by("publish_at")[:ROWS]
    )
    published_today = list(
        _cards(stories.public(at=now).filter(publish_at__gte=start_of_day)).order_by("-publish_at")[
            :ROWS
        ]
    )
    return Desk(
        drafts=drafts,
        in_review=in_review,
        going_live=going_live,
        published_today=published_today,
        attention=_attention(user, stories if editor else stories.mine(user), now=now),
        links={
            "drafts": f"{changelist}?mine=1&status__exact=draft",
            "in_review": f"{changelist}?status__exact=review",
            "going_live": reverse("admin:articles_article_schedule"),
            "published_today": f"{changelist}?visibility=live",
        },
    )


def _uncredited(stories) -> list[Attention]:
    """Stories whose body shows an image with no credit line (from outside the photo
    library, or a library photo outside a figure), latest edit first. Counted on save
    (Article.uncredited_images), so one query on a small index covers every story."""
    found = (
        stories.filter(uncredited_images__gt=0)
        .only("pk", "headline", "updated_at", "uncredited_images", "images_without_alt")
        .order_by("-updated_at", "-id")[:ROWS]
    )
    return [
        Attention(story.headline, _reason(story), _story_url(story.pk), story.updated_at)
        for story in found
    ]


def _reason(story) -> str:
    if story.images_without_alt:
        text = ngettext(
            "An image in its body has no credit and no alt text: insert it from the photo library.",
            "%(count)d images in its body have no credit, %(bare)d of them no alt text "
            "either: insert them from the photo library.",
            story.uncredited_images,
        )
    else:
        text = ngettext(
            "An image in its body has no credit: insert it from the photo library.",
            "%(count)d images in its body have no credit: insert them from the photo library.",
            story.uncredited_images,
        )
    return text % {"count": story.uncredited_images, "bare": story.images_without_alt}


def _attention(user, stories, *, now) -> list[Attention]:
    """Images without credit, rights running out within 7 days, refused edits."""
    rows = _uncredited(stories)
    today = timezone.localdate(now)
    expiring = stories.published().filter(
        lead_photo__rights_expire_on__range=(today, today + timedelta(days=7))
    )
    for story in (
        expiring.select_related("lead_photo")
        .only("pk", "headline", "lead_photo__rights_expire_on")
        .order_by("lead_photo__rights_expire_on")[:ROWS]
    ):
        rows.append(
            Attention(
                story.headline,
                _("The rights to its lead photo end on %(day)s.")
                % {"day": story.lead_photo.rights_expire_on.strftime("%b %-d")},
                _story_url(story.pk),
            )
        )
    # A refused edit is kept as a revision and logged (history.keep_refused_edit): its
    # author should look at what the other person saved and apply their change again.
    refused = Activity.objects.filter(
        action=Activity.Action.CONFLICT,
        at__gte=now - timedelta(days=7),
        article__in=stories,
        article__deleted_at__isnull=True,
    )
    if not can_publish(user):
        refused = refused.filter(user=user)
    for entry in refused.select_related("user", "article").order_by("-at")[:ROWS]:
        rows.append(
            Attention(
                entry.article.headline,
                _("An edit by %(who)s was refused: someone saved first. It is in the history.")
                % {"who": entry.user or _("someone")},
                reverse("admin:articles_article_compare", args=[entry.article_id]),
                entry.at,
            )
        )
    return rows
