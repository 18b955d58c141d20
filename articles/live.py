"""Live coverage: posting updates to a Live story, ending and reopening its coverage.

The admin's "Add update" page and "End coverage" button, tests and commands call these
functions; each checks who is asking (articles.permissions), saves, keeps a revision and
writes the audit log in one transaction. Adding an update never saves the story itself: a
reporter posting every minute must not turn an editor's open story form into a conflict.
"""

from datetime import datetime

import reversion
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Activity, Article, LiveUpdate
from articles.permissions import can_add_live_update, can_edit, can_end_coverage
from articles.search import update_search_vector
from articles.teasers import plain_text
from articles.workflow import _save_revision, log
from events.stories import snapshot, story_changed

Action = Activity.Action


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def add_update(
    *,
    story: Article,
    by,
    body: str,
    author,
    headline: str = "",
    photo=None,
    key_event: bool = False,
    at: datetime | None = None,
) -> LiveUpdate:
    """Post an update to a Live story, shown at once (the page cache's generation moves when
    it commits) to readers of the story if the story is public, and to no one otherwise."""
    _require(can_add_live_update(by, story), _("You may not add updates to this story."))
    before = snapshot(story)
    update = LiveUpdate(
        story=story,
        headline=headline,
        body=body,
        author=author,
        photo=photo,
        key_event=key_event,
        published_at=at or timezone.now(),
        created_by=by,
    )
    update.full_clean()
    with reversion.create_revision():
        update.save()
        reversion.set_user(by)
        reversion.set_comment(_("Live update added"))
    log(article=story, by=by, action=Action.LIVE_UPDATE, detail=_note(update))
    _story_updated(story, before=before)
    return update


def _story_updated(story: Article, *, before: dict | None) -> None:
    """A content event for the story (story.updated while it is public; nothing otherwise),
    so a CDN purges its page and receivers hear of it, as for any change readers see.
    `before` is the story's snapshot from before the change: a photo an update no longer
    shows is purged (the media view stops serving it). Its search vector takes in its
    updates' words."""
    update_search_vector(story)
    story_changed(article=story, before=before, changed=["live_updates"])


def _note(update: LiveUpdate) -> str:
    return f"#{update.pk}: {update.headline or plain_text(update.body_html).strip()}"


@transaction.atomic
def edit_update(*, update: LiveUpdate, by) -> LiveUpdate:
    """Save a corrected update (editors): logged with what it said before."""
    _require(
        by.has_perm("articles.change_liveupdate") and can_edit(by, update.story),
        _("Only editors may change updates."),
    )
    before = LiveUpdate.objects.get(pk=update.pk)
    story_before = snapshot(update.story)
    update.full_clean()
    with reversion.create_revision():
        update.save()
        reversion.set_user(by)
        reversion.set_comment(_("Live update edited"))
    log(
        article=update.story,
        by=by,
        action=Action.LIVE_UPDATE_EDITED,
        detail=f"{_note(update)} (was {_note(before)})",
    )
    _story_updated(update.story, before=story_before)
    return update


@transaction.atomic
def delete_update(*, update: LiveUpdate, by) -> None:
    _require(
        by.has_perm("articles.delete_liveupdate") and can_edit(by, update.story),
        _("Only editors may delete updates."),
    )
    before = snapshot(update.story)
    log(article=update.story, by=by, action=Action.LIVE_UPDATE_DELETED, detail=_note(update))
    update.delete()
    _story_updated(update.story, before=before)


@transaction.atomic
def end_coverage(*, story: Article, by, at: datetime | None = None) -> Article:
    """End a Live story's coverage: its page says so and stops polling; JSON-LD gets
    coverageEndTime. Updates can still be added afterwards (a late correction)."""
    _require(can_end_coverage(by, story), _("Only editors may end live coverage."))
    story.refresh_from_db(fields=["version"])
    before = snapshot(story)
    story.coverage_ended_at = at or timezone.now()
    _save_revision(story, by, _("Live coverage ended"))
    log(article=story, by=by, action=Action.COVERAGE_ENDED)
    story_changed(article=story, before=before, changed=["coverage_ended_at"])
    return story


@transaction.atomic
def reopen_coverage(*, story: Article, by) -> Article:
    _require(can_end_coverage(by, story), _("Only editors may reopen live coverage."))
    story.refresh_from_db(fields=["version"])
    before = snapshot(story)
    story.coverage_ended_at = None
    _save_revision(story, by, _("Live coverage reopened"))
    log(article=story, by=by, action=Action.COVERAGE_REOPENED)
    story_changed(article=story, before=before, changed=["coverage_ended_at"])
    return story
