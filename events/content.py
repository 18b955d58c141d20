"""Events for what stories show: sections, tags, authors, photos and byline roles. Every path
that saves or deletes one (the admin, the importers) calls ``changed(obj)`` in its
transaction."""

from django.db.models import Q

from events.models import Kind
from events.outbox import record


def section_changed(section):
    return record(Kind.SECTION_CHANGED, payload={"section": section.pk})


def tag_changed(tag):
    return record(Kind.TAG_CHANGED, payload={"tag": tag.pk})


def author_changed(author):
    return record(Kind.AUTHOR_CHANGED, payload={"author": author.pk})


def photo_users(photo) -> tuple[list[int], list[int]]:
    """The public stories that show the photo (lead, in the body, or in a Live update's
    photo or body) and the public authors whose headshot it is."""
    from articles.models import Article
    from authors.models import Author

    shown = Q(lead_photo=photo) | Q(live_updates__photo=photo)
    if photo.image.name:
        shown |= Q(body__contains=photo.image.name)
        shown |= Q(live_updates__body__contains=photo.image.name)
    stories = list(
        Article.objects.public().filter(shown).distinct().values_list("pk", flat=True)[:500]
    )
    authors = list(Author.objects.public().filter(headshot=photo).values_list("pk", flat=True))
    return stories, authors


def photo_changed(photo, *, kind=Kind.PHOTO_CHANGED, occurred_at=None, key=None):
    """A photo readers may see changed (its credit, caption, crop, rights): recorded only
    when a public story or author shows it."""
    stories, authors = photo_users(photo)
    if not stories and not authors:
        return None
    return record(
        kind,
        payload={"photo": photo.pk, "stories": stories, "authors": authors},
        occurred_at=occurred_at,
        key=key,
    )


def byline_role_changed(role):
    """A byline role's wording or order changed: every public story with a byline in the
    role prints it (page, cards, feeds, the API), so those stories are named; recorded only
    when there is one."""
    from articles.models import Article

    stories = list(
        Article.objects.public()
        .filter(bylines__role=role)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    if not stories:
        return None
    return record(Kind.BYLINE_ROLE_CHANGED, payload={"byline_role": role.pk, "stories": stories})


def tracks(obj) -> bool:
    from taggit.models import Tag

    from articles.models import BylineRole, Photo, Section
    from authors.models import Author

    return isinstance(obj, Section | Tag | Author | Photo | BylineRole)


def changed(obj):
    """The event for a saved or deleted section, tag, author, photo or byline role (call
    before a delete: it reads who uses the object)."""
    from taggit.models import Tag

    from articles.models import BylineRole, Photo, Section
    from authors.models import Author

    if isinstance(obj, BylineRole):
        return byline_role_changed(obj)
    if isinstance(obj, Section):
        return section_changed(obj)
    if isinstance(obj, Tag):
        return tag_changed(obj)
    if isinstance(obj, Author):
        return author_changed(obj)
    if isinstance(obj, Photo):
        return photo_changed(obj)
    raise TypeError(f"No content event for {type(obj).__name__}.")
