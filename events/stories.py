"""Story events: what a story event carries, and which event (if any) a change makes.

The payload names the story's keys (section, tags, authors, photos: lead, body figures, its
public live updates' photos and its authors' headshots) after the change and before it, so a
purge or a webhook can tell which lists it joined or left and which photos readers gained or
lost. Only changes readers can see make an event: a draft's edits do not, a scheduled story's
go-live is the clock's (events/clock.py).
"""

from datetime import UTC

from articles.figures import library_photos
from events.models import Kind
from events.outbox import record


def snapshot(article) -> dict | None:
    """The story as the event's receivers see it; None for a story not saved yet."""
    if article is None or article.pk is None:
        return None
    from articles.models import LiveUpdate

    photos = [photo.pk for photo in library_photos(article.body or "").values()]
    if article.lead_photo_id is not None:
        photos.insert(0, article.lead_photo_id)
    bylines = list(article.bylines.values_list("author_id", "author__headshot_id"))
    # Photos served while the story is public and maybe not after (the media view's rule,
    # PhotoQuerySet.public): its public live updates' photos and its authors' headshots (an
    # author is public while a public story carries their byline).
    photos += (
        LiveUpdate.objects.public()
        .filter(story=article, photo__isnull=False)
        .values_list("photo_id", flat=True)
    )
    photos += [headshot for _, headshot in bylines if headshot is not None]
    return {
        "id": article.pk,
        "section": article.section_id,
        "tags": sorted(article.tags.values_list("pk", flat=True)),
        "authors": [author for author, _ in bylines],
        "photos": list(dict.fromkeys(photos)),
        "public": article.is_public,
    }


def live_key(article) -> str:
    """The once-only key of a story going live at its publish time: Publish, an early
    embargo lift and the clock all use it, so whichever comes first is the only one."""
    return f"live:{article.pk}:{article.publish_at.astimezone(UTC).isoformat()}"


def story_loaded(article):
    """A public story loaded from an archive (import_content): published as far as readers
    and receivers know, whatever was recorded before the load."""
    return record(
        Kind.STORY_PUBLISHED,
        article=article,
        payload={"story": snapshot(article), "before": None, "changed": ["loaded"]},
    )


def story_removed(article):
    """A public story deleted outright by an archive load that replaces the content
    (import_content --replace): unpublished as far as readers and receivers know."""
    before = snapshot(article)
    return record(
        Kind.STORY_UNPUBLISHED,
        article=article,
        payload={"story": {**before, "public": False}, "before": before, "changed": ["removed"]},
    )


def story_changed(*, article, before: dict | None, changed=(), kind: str | None = None):
    """Record what this change did for readers, in the caller's transaction.

    A story that became public is ``story.published`` (at its publish time, once), one that
    stopped being public ``story.unpublished``, one public before and after ``kind`` (default
    ``story.updated``). Trash and restore name themselves: pass ``kind`` for them too. A change
    readers cannot see records nothing and returns None."""
    after = snapshot(article)
    was, now = bool(before and before["public"]), after["public"]
    payload = {"story": after, "before": before, "changed": sorted(changed)}
    if now and not was:
        if kind in (None, Kind.STORY_UPDATED, Kind.STORY_CORRECTED):
            kind = Kind.STORY_PUBLISHED
        return record(
            kind,
            article=article,
            payload=payload,
            occurred_at=article.publish_at,
            key=live_key(article) if kind != Kind.STORY_RESTORED else None,
        )
    if was and not now:
        if kind in (None, Kind.STORY_UPDATED, Kind.STORY_CORRECTED):
            kind = Kind.STORY_UNPUBLISHED
        return record(kind, article=article, payload=payload)
    if was and now:
        return record(kind or Kind.STORY_UPDATED, article=article, payload=payload)
    return None
