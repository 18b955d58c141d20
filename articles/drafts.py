"""Autosave: each person's unsaved changes to a story, kept on the server while they type.

The story form's script (static/admin/autosave.js) sends the form's fields every few seconds
and when the page is hidden; a draft is offered back ("restore / discard") when its owner
opens the story again, and forgotten once the story is saved. Who may keep a draft of a story
is who may edit it (articles.permissions.can_edit): a draft is never a way round that rule.
"""

import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from articles.models import Article, StoryDraft
from articles.permissions import can_edit

# A draft holds what one form holds: a story's fields, a few bylines and corrections.
MAX_BYTES = 2_000_000
TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _check_token(token: str) -> str:
    if not token or len(token) > 64 or not set(token) <= TOKEN_CHARS:
        raise ValidationError("A new story's draft needs a token of letters, digits and dashes.")
    return token


def may_keep(user, article: Article | None) -> bool:
    if article is None:
        return user.is_active and user.has_perm("articles.add_article")
    return can_edit(user, article)


def parse_fields(raw: str) -> dict:
    if len(raw) > MAX_BYTES:
        raise ValidationError("This draft is too large to keep.")
    try:
        fields = json.loads(raw)
    except ValueError:
        raise ValidationError("The draft is not JSON.") from None
    if not isinstance(fields, dict):
        raise ValidationError("The draft is not a set of fields.")
    return fields


def forget_old(now=None) -> int:
    """Delete every draft untouched for DRAFTS_KEEP_DAYS (the clock's hourly job)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEWSROOM_DRAFTS_KEEP_DAYS)
    deleted, _ = StoryDraft.objects.filter(updated_at__lt=cutoff).delete()
    return deleted


def keep(*, user, article: Article | None, token: str = "", fields: dict, base_version=None):
    """Store (replace) ``user``'s unsaved changes to ``article`` (or to a new story)."""
    if not may_keep(user, article):
        raise PermissionDenied("You may not edit this story.")
    key = {"article": article} if article else {"article": None, "token": _check_token(token)}
    draft, _ = StoryDraft.objects.update_or_create(
        user=user,
        **key,
        defaults={
            "fields": fields,
            "base_version": base_version,
            "updated_at": timezone.now(),
        },
    )
    return draft


def waiting(*, user, article: Article | None) -> StoryDraft | None:
    """The draft to offer back when ``user`` opens ``article``; for a new story, their latest
    draft of a story never saved."""
    drafts = StoryDraft.objects.filter(user=user)
    if article is not None:
        return drafts.filter(article=article).first() if may_keep(user, article) else None
    return drafts.filter(article__isnull=True).order_by("-updated_at").first()


def problems_while_writing(*, article: Article | None, fields: dict) -> list[str]:
    """What would stop the story in the form from being published, checked on its unsaved
    fields (the same checks as articles.workflow.publication_problems)."""
    from articles import workflow
    from articles.models import Photo

    values = fields.get("fields", {}) if isinstance(fields, dict) else {}
    story = Article(pk=article.pk if article else None)
    story.headline = str(values.get("headline", article.headline if article else ""))
    story.body = str(values.get("body", article.body if article else ""))
    photo = str(values.get("lead_photo", article.lead_photo_id if article else "") or "")
    story.lead_photo = Photo.objects.filter(pk=int(photo)).first() if photo.isdigit() else None
    if any(name.startswith("bylines-") for name in values):
        has_byline = any(
            name.startswith("bylines-")
            and name.endswith("-author")
            and value
            and not values.get(name.removesuffix("author") + "DELETE")
            for name, value in values.items()
        )
    else:
        has_byline = None
    return workflow.publication_problems(story, has_byline=has_byline)


def forget(*, user, article: Article | None = None, token: str = "") -> int:
    """The story is saved (or the draft discarded): its draft is no longer needed."""
    drafts = StoryDraft.objects.filter(user=user)
    gone = 0
    if article is not None and article.pk:
        gone += drafts.filter(article=article).delete()[0]
    if token:
        gone += drafts.filter(article__isnull=True, token=token[:64]).delete()[0]
    return gone
