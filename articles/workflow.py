"""Editorial operations that span several models: each checks who is asking, validates,
saves, keeps a revision and writes the audit log, in one transaction.

Admin pages, admin actions, views, commands and tests all call these functions.
"""

from datetime import datetime, timedelta

import reversion
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import history, share_cards
from articles.figures import foreign_images
from articles.models import Activity, Article, Correction, OldURL, PreviewLink
from articles.models.stories import state_change
from articles.permissions import can_edit, can_publish, can_trash
from articles.teasers import plain_text
from events.models import Kind
from events.stories import snapshot, story_changed

Status = Article.Status
Action = Activity.Action


def log(*, article: Article, by, action: str, detail: str = "") -> Activity:
    return Activity.objects.create(
        article=article, headline=article.headline, action=action, user=by, detail=detail[:300]
    )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _save_revision(article: Article, by, comment: str) -> None:
    if not reversion.is_active() and article.pk:
        history.ensure_initial_revision(article.pk)
    with reversion.create_revision():
        article.save()
        reversion.set_user(by)
        reversion.set_comment(comment)


def _move(
    article: Article, status: str, *, by, action: str, detail: str = "", before=None
) -> Article:
    before = before or snapshot(article)
    article.transition_to(status)
    with state_change():
        _save_revision(article, by, str(Action(action).label).capitalize())
    log(article=article, by=by, action=action, detail=detail)
    story_changed(article=article, before=before, changed=["status", "publish_at"])
    return article


def save_imported(*, article: Article, by, changed: list[str] | None = None, then=None) -> Article:
    """A story as an import (a WordPress export) has it, status and publish time included:
    during a migration the old system is the record of a story's state. Like every change,
    a revision and an activity entry by the importing user. ``changed`` names the fields a
    re-run updates (None: a new story); ``then(article)`` sets what hangs off the saved story
    (bylines, tags) inside the same revision."""
    created = article.pk is None
    before = None if created else snapshot(Article.objects.get(pk=article.pk))
    if created:
        comment, detail = "Imported from WordPress", ""
    else:
        detail = "updated: " + ", ".join(changed or [])
        comment = f"WordPress import {detail}"
        if not reversion.is_active():
            history.ensure_initial_revision(article.pk)
    with reversion.create_revision():
        with state_change():
            article.save()
        if then is not None:
            then(article)
        reversion.set_user(by)
        reversion.set_comment(comment)
    log(article=article, by=by, action=Action.IMPORTED, detail=detail)
    story_changed(article=article, before=before, changed=changed or [])
    return article


def submission_problems(article: Article, *, has_byline: bool | None = None) -> list[str]:
    """What an editor would send straight back: a story goes to review with a headline, a
    body and at least one byline (submit() refuses it otherwise, whatever path it came by).
    ``has_byline`` answers for a story still being written (its form's bylines)."""
    problems = []
    if not article.headline.strip():
        problems.append(_("The story has no headline."))
    if not plain_text(article.body).strip():
        problems.append(_("The story has no body."))
    if has_byline is None:
        has_byline = article.pk is not None and article.bylines.exists()
    if not has_byline:
        problems.append(_("The story has no author."))
    return problems


def publication_problems(article: Article, *, has_byline: bool | None = None) -> list[str]:
    """What stops a story from going live, in words an editor can act on. The story form
    shows them while the story is written (articles.drafts.problems_while_writing)."""
    problems = submission_problems(article, has_byline=has_byline)
    problems.extend(sponsor_problems(article).values())
    photo = article.lead_photo
    if photo is not None and (not photo.alt_text.strip() or not photo.credit.strip()):
        problems.append(_("The lead photo needs alt text and a credit."))
    if photo is not None and photo.lacks_caption:
        problems.append(
            _(
                "The lead photo needs a caption (a photo editor can mark a logo or the like "
                "as needing none)."
            )
        )
    if photo is not None and not photo.is_usable:
        problems.append(
            _("The lead photo's rights expired on %(day)s; choose another photo.")
            % {"day": photo.rights_expire_on.isoformat()}
        )
    if foreign_images(article.body):
        problems.append(
            _("A picture in the body is not from the photo library, so it has no credit.")
        )
    return problems


def sponsor_problems(article: Article) -> dict[str, str]:
    """A Sponsored story says who presents it, with a link: readers must know who paid.
    By field, so the admin form can put each under its box."""
    problems = {}
    if article.is_sponsored and not article.sponsor_name.strip():
        problems["sponsor_name"] = _("A Sponsored story needs its sponsor's name (Presented by).")
    if article.is_sponsored and not article.sponsor_url.strip():
        problems["sponsor_url"] = _("A Sponsored story needs a link to its sponsor.")
    return problems


@transaction.atomic
def submit(*, article: Article, by) -> Article:
    _require(can_edit(by, article), _("You may not submit this story."))
    problems = submission_problems(article)
    if problems:
        raise ValidationError(problems)
    return _move(article, Status.IN_REVIEW, by=by, action=Action.SUBMITTED)


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def _refuse_under_embargo(article: Article) -> None:
    if article.is_under_embargo:
        raise ValidationError(
            _(
                "This story is under embargo until %(at)s. Lift the embargo to publish it "
                "now, or extend it to move the instant."
            )
            % {"at": _when(article.publish_at)}
        )


def _check_publishable(article: Article) -> None:
    if article.deleted_at is not None:
        raise ValidationError(_("Restore the story from the trash first."))
    problems = publication_problems(article)
    if problems:
        raise ValidationError(problems)


def _forget_embargo(article: Article) -> None:
    """A plain publish, schedule or unpublish ends what an embargo promised."""
    article.embargoed, article.embargo_set_by, article.embargo_set_at = False, None, None


@transaction.atomic
def publish(*, article: Article, by, at: datetime | None = None) -> Article:
    """Publish now, or at ``at`` when it lies ahead (that is scheduling)."""
    _require(can_publish(by), _("Only editors may publish or schedule stories."))
    _refuse_under_embargo(article)
    _check_publishable(article)
    before = snapshot(article)
    now = timezone.now()
    article.publish_at = at or now
    _forget_embargo(article)
    if article.publish_at > now:
        when = timezone.localtime(article.publish_at).strftime("%Y-%m-%d %H:%M %Z")
        return _move(
            article, Status.PUBLISHED, by=by, action=Action.SCHEDULED, detail=when, before=before
        )
    return _move(article, Status.PUBLISHED, by=by, action=Action.PUBLISHED, before=before)


@transaction.atomic
def embargo(*, article: Article, by, until: datetime) -> Article:
    """Accept a draft or a story in review under embargo until ``until``: a promise to a
    source. The story is Published with ``until`` as its publish time, so it goes public at
    that instant by the rule every scheduled story follows (no job to run); until then it is
    locked for all but editors (articles.permissions.can_edit) and no preview link shows it
    (open ones are revoked now; ``previewable()`` refuses them at every use)."""
    _require(can_publish(by), _("Only editors may accept a story under embargo."))
    if article.status not in (Status.DRAFT, Status.IN_REVIEW):
        raise ValidationError(_("Only a draft or a story in review can be put under embargo."))
    now = timezone.now()
    if until <= now:
        raise ValidationError(_("Choose a time in the future for the embargo to end."))
    _check_publishable(article)
    article.publish_at = until
    article.embargoed, article.embargo_set_by, article.embargo_set_at = True, by, now
    _move(article, Status.PUBLISHED, by=by, action=Action.EMBARGOED, detail=_when(until))
    _close_previews(article, by=by, why=_("the story was put under embargo"))
    return article


def _require_under_embargo(article: Article, by) -> None:
    _require(can_publish(by), _("Only editors may lift or extend an embargo."))
    if not article.is_under_embargo:
        raise ValidationError(_("This story is not under embargo."))


@transaction.atomic
def lift_embargo(*, article: Article, by) -> Article:
    """End an embargo early: the story goes public now. Logged with the instant it had."""
    _require_under_embargo(article, by)
    promised = article.publish_at
    before = snapshot(article)
    article.publish_at = timezone.now()
    with state_change():
        _save_revision(article, by, "Embargo lifted")
    log(article=article, by=by, action=Action.EMBARGO_LIFTED, detail=f"was {_when(promised)}")
    story_changed(
        article=article, before=before, changed=["publish_at"], kind=Kind.STORY_EMBARGO_LIFTED
    )
    return article


@transaction.atomic
def extend_embargo(*, article: Article, by, until: datetime) -> Article:
    """Move an embargo's instant later. Never sooner: ending it earlier than promised is
    lifting it, a decision of its own in the log."""
    _require_under_embargo(article, by)
    if until <= max(article.publish_at, timezone.now()):
        raise ValidationError(
            _("An extension must end after %(at)s; to end the embargo sooner, lift it.")
            % {"at": _when(article.publish_at)}
        )
    promised = article.publish_at
    article.publish_at = until
    with state_change():
        _save_revision(article, by, "Embargo extended")
    detail = f"{_when(promised)} → {_when(until)}"
    log(article=article, by=by, action=Action.EMBARGO_EXTENDED, detail=detail)
    return article


def schedule(*, article: Article, by, at: datetime) -> Article:
    if at <= timezone.now():
        raise ValidationError(_("Choose a time in the future to schedule a story."))
    return publish(article=article, by=by, at=at)


@transaction.atomic
def unpublish(*, article: Article, by) -> Article:
    _require(can_publish(by), _("Only editors may unpublish stories."))
    _forget_embargo(article)
    _move(article, Status.UNPUBLISHED, by=by, action=Action.UNPUBLISHED)
    _close_previews(article, by=by, why=_("the story was unpublished"))
    return article


@transaction.atomic
def return_to_draft(*, article: Article, by) -> Article:
    allowed = can_publish(by) or (article.status == Status.IN_REVIEW and can_edit(by, article))
    _require(allowed, _("You may not return this story to draft."))
    return _move(article, Status.DRAFT, by=by, action=Action.RETURNED)


@transaction.atomic
def trash(*, article: Article, by) -> Article:
    _require(can_trash(by), _("Only editors may delete stories."))
    if article.deleted_at is None:
        before = snapshot(article)
        article.deleted_at, article.deleted_by = timezone.now(), by
        with state_change():
            article.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        log(article=article, by=by, action=Action.TRASHED)
        story_changed(
            article=article, before=before, changed=["deleted_at"], kind=Kind.STORY_TRASHED
        )
    _close_previews(article, by=by, why=_("the story went to the trash"))
    return article


def _close_previews(article: Article, *, by, why: str) -> int:
    """A takedown (often legal's order) reaches people outside too: every open shared
    preview link of the story is revoked, and the log says how many and why."""
    now = timezone.now()
    closed = PreviewLink.objects.filter(
        article=article, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)
    if closed:
        log(
            article=article,
            by=by,
            action=Action.PREVIEW_REVOKED,
            detail=f"{closed} open link(s): {why}",
        )
    return closed


def trash_deadline(article: Article) -> datetime:
    return article.deleted_at + timedelta(days=settings.NEWSROOM_TRASH_DAYS)


@transaction.atomic
def restore(*, article: Article, by) -> Article:
    _require(can_trash(by), _("Only editors may restore stories."))
    if article.deleted_at is None:
        return article
    if trash_deadline(article) < timezone.now():
        raise ValidationError(_("This story was in the trash too long to be restored."))
    before = snapshot(article)
    article.deleted_at, article.deleted_by = None, None
    with state_change():
        article.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    log(article=article, by=by, action=Action.RESTORED)
    story_changed(article=article, before=before, changed=["deleted_at"], kind=Kind.STORY_RESTORED)
    return article


@transaction.atomic
def purge_trash(*, now: datetime | None = None) -> int:
    """Delete for good what has been in the trash longer than the retention period."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.NEWSROOM_TRASH_DAYS)
    expired = list(Article.objects.trashed().filter(deleted_at__lt=cutoff))
    gone = [article.pk for article in expired]
    for article in expired:
        log(article=article, by=None, action=Action.PURGED)
        article.delete()
    # Their share cards go once the rows are gone for good (not if this rolls back).
    transaction.on_commit(lambda: share_cards.forget(gone), robust=True)
    return len(expired)


@transaction.atomic
def add_correction(*, article: Article, by, kind: str, text: str, at=None) -> Correction:
    """Add a dated note; the story's updated time moves with it."""
    _require(can_publish(by), _("Only editors may add corrections and updates."))
    correction = Correction(
        article=article, kind=kind, text=text, published_at=at or timezone.now(), created_by=by
    )
    correction.full_clean()
    before = snapshot(article)
    correction.save()
    touch(article=article, by=by, comment=f"{correction.get_kind_display()} added")
    log(article=article, by=by, action=Action.CORRECTED, detail=_note(correction))
    _corrected(article, before, "added")
    return correction


def _corrected(article: Article, before: dict, what: str) -> None:
    story_changed(
        article=article, before=before, changed=[f"corrections {what}"], kind=Kind.STORY_CORRECTED
    )


def _note(correction: Correction) -> str:
    return f"{correction.get_kind_display()}: “{plain_text(correction.text)}”"


@transaction.atomic
def edit_correction(*, correction: Correction, by) -> Correction:
    """Save a changed note. A correction is part of the record: the log names its kind and
    its text as it is now and as it was."""
    _require(can_publish(by), _("Only editors may change corrections and updates."))
    before = Correction.objects.get(pk=correction.pk)
    correction.full_clean()
    correction.save()
    if (before.kind, before.text, before.published_at) == (
        correction.kind,
        correction.text,
        correction.published_at,
    ):
        return correction
    story_before = snapshot(correction.article)
    touch(article=correction.article, by=by, comment=f"{correction.get_kind_display()} edited")
    _corrected(correction.article, story_before, "edited")
    log(
        article=correction.article,
        by=by,
        action=Action.CORRECTION_EDITED,
        detail=f"{_note(correction)} (was {_note(before)})",
    )
    return correction


@transaction.atomic
def delete_correction(*, correction: Correction, by) -> None:
    """Take a note off the story, with its kind and text kept in the log."""
    _require(can_publish(by), _("Only editors may delete corrections and updates."))
    article = correction.article
    log(article=article, by=by, action=Action.CORRECTION_DELETED, detail=_note(correction))
    before = snapshot(article)
    correction.delete()
    touch(article=article, by=by, comment=f"{correction.get_kind_display()} deleted")
    _corrected(article, before, "deleted")


def record_edit(*, article: Article, by, created: bool, fields: list[str]) -> Activity:
    """A story's words saved by hand (the admin form): logged with the fields changed, as
    every other change is."""
    action = Action.CREATED if created else Action.EDITED
    return log(article=article, by=by, action=action, detail=", ".join(fields))


def edited(*, article: Article, before: dict | None, fields: list[str]):
    """The event for a story saved by hand, once everything hanging off it (tags, bylines)
    is saved too: ``story.updated`` when readers see it, before or after."""
    return story_changed(article=article, before=before, changed=fields)


def touch(*, article: Article, by, comment: str) -> None:
    """Mark the story as updated now, as a new revision."""
    article.refresh_from_db(fields=["version"])
    _save_revision(article, by, comment)


def remember_old_urls(article: Article, previous: Article | None) -> None:
    """Before a published story moves (new slug or section), keep its old address."""
    if previous is None or previous.first_published_at is None:
        return
    article.ensure_slug()
    if (previous.slug, previous.section_id) == (article.slug, article.section_id):
        return
    OldURL.remember(previous.get_absolute_url(), article=article)


# Fields a revision restores: the story's words and pictures, never its workflow state.
CONTENT_FIELDS = ["headline", "slug", "dek", "section_id", "body", "teaser", "lead_photo_id"]


def new_publication_problems(article: Article, previous: Article) -> list[str]:
    """What an edit of a published or scheduled story would break of the publish checks.

    Problems the story already had (a lead photo whose rights ran out after publication)
    are not the edit's doing; the edit may well be the fix.
    """
    if previous.status != Status.PUBLISHED:
        return []
    before = set(publication_problems(previous))
    return [problem for problem in publication_problems(article) if problem not in before]


def _gone_since(article: Article) -> list[str]:
    """What an old revision points at that has since been deleted from the library."""
    from articles.models import Photo, Section

    gone = []
    if (
        article.lead_photo_id is not None
        and not Photo.objects.filter(pk=article.lead_photo_id).exists()
    ):
        gone.append(_("lead photo"))
    if not Section.objects.filter(pk=article.section_id).exists():
        gone.append(_("section"))
    return gone


@transaction.atomic
def restore_revision(*, article: Article, version, by) -> Article:
    """Bring back the words of an earlier revision as a new revision.

    Only CONTENT_FIELDS come back: status, publish time and trash state stay as they are,
    the version grows, and a live story keeps passing the checks Publish makes.
    """
    _require(can_edit(by, article), _("You may not edit this story."))
    if history.is_refused(version):
        # Restoring it would silently undo the newer work that made it lose.
        raise ValidationError(
            _(
                "That revision is an edit refused because someone saved first: restoring it "
                "would undo their newer work, so it is not a restore point. Copy what you "
                "need from it into the story instead."
            )
        )
    data = version.field_dict
    previous = Article.objects.get(pk=article.pk)
    before = snapshot(previous)
    for field in CONTENT_FIELDS:
        name = field.removesuffix("_id")
        key = field if field in data else name
        if key in data:
            setattr(article, field, data[key])
    missing = _gone_since(article)
    if missing:
        raise ValidationError(
            [_("That revision's %(what)s no longer exists.") % {"what": what} for what in missing]
            + [_("Nothing was restored; copy what you need from the revision by hand.")]
        )
    if Article.objects.exclude(pk=article.pk).filter(slug=article.slug).exists():
        raise ValidationError(
            _(
                "That revision's slug “%(slug)s” now belongs to another story, so nothing was "
                "restored. Give one of the two stories another slug first."
            )
            % {"slug": article.slug}
        )
    problems = new_publication_problems(article, previous)
    if problems:
        raise ValidationError(problems)
    remember_old_urls(article, previous)
    stamp = timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")
    try:
        with transaction.atomic():
            _save_revision(article, by, f"Restored the revision of {stamp}")
    except IntegrityError:
        # Another story took the slug between the check above and the save.
        raise ValidationError(
            _("That revision could not be restored: its slug is taken. Nothing was saved.")
        ) from None
    log(article=article, by=by, action=Action.REVERTED, detail=stamp)
    story_changed(article=article, before=before, changed=["revision"])
    return article


@transaction.atomic
def share_preview(*, article: Article, by, hours: int | None = None) -> PreviewLink:
    _require(can_edit(by, article) or can_publish(by), _("You may not share this story."))
    if article.is_under_embargo:
        raise ValidationError(_("A story under embargo cannot be previewed outside the staff."))
    hours = hours or settings.NEWSROOM_PREVIEW_HOURS
    link = PreviewLink.objects.create(
        article=article, created_by=by, expires_at=timezone.now() + timedelta(hours=hours)
    )
    log(article=article, by=by, action=Action.PREVIEW_SHARED, detail=f"valid {hours} hours")
    return link


@transaction.atomic
def revoke_preview(*, link: PreviewLink, by) -> PreviewLink:
    _require(can_edit(by, link.article) or can_publish(by), _("You may not revoke this link."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        log(article=link.article, by=by, action=Action.PREVIEW_REVOKED)
    return link
