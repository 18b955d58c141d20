"""What a story event carries: the story's keys (section, tags, authors, photos) after the
change and before it, so a purge or a webhook can tell which lists it joined or left."""

from articles.figures import library_photos
from events.outbox import record


def snapshot(article) -> dict | None:
    """The story as the event's receivers see it; None for a story not yet saved."""
    if article is None or article.pk is None:
        return None
    photos = [photo.pk for photo in library_photos(article.body or "").values()]
    if article.lead_photo_id is not None:
        photos.insert(0, article.lead_photo_id)
    return {
        "id": article.pk,
        "section": article.section_id,
        "tags": sorted(article.tags.values_list("pk", flat=True)),
        "authors": list(article.bylines.values_list("author_id", flat=True)),
        "photos": list(dict.fromkeys(photos)),
        "public": article.is_public(),
    }


def record_story(
    kind: str, *, article, before: dict | None, changed=(), key=None, occurred_at=None
):
    """Record a story event in the caller's transaction, the story read as it is now."""
    return record(
        kind,
        article=article,
        payload={"story": snapshot(article), "before": before, "changed": sorted(changed)},
        occurred_at=occurred_at,
        key=key,
    )
