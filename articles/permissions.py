"""Who may do what to a story: the object-level rules on top of the roles' model permissions.

Every path that changes a story (admin pages, admin actions, workflow views, commands)
asks these functions; hiding a button is never the only guard.
"""

from django.db.models import Exists, OuterRef, Q

from articles.models import Article, Byline


def can_publish(user) -> bool:
    """Publish now, schedule, unpublish, embargo: editors only."""
    return user.has_perm("articles.publish_article")


def can_trash(user) -> bool:
    return user.has_perm("articles.delete_article")


def is_own(user, article: Article) -> bool:
    """The user started the story or writes under one of its bylines."""
    if article.pk is None:
        return True
    return (
        article.created_by_id == user.pk
        or Byline.objects.filter(article=article, author__user=user).exists()
    )


def can_edit(user, article: Article) -> bool:
    """Editors edit everything; a reporter edits their own stories until they are published.
    A story under embargo is a promise to a source: until its instant only editors (who may
    lift or extend it) touch it, whatever else the user may do."""
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    if article.is_under_embargo:
        return can_publish(user)
    if user.has_perm("articles.edit_any_article"):
        return True
    if article.deleted_at is not None:
        return False
    unpublished = article.status in (Article.Status.DRAFT, Article.Status.IN_REVIEW)
    return unpublished and is_own(user, article)


def can_add_live_update(user, article: Article) -> bool:
    """Post an update to a Live story: whoever may edit the story, and, once it is published,
    the reporters on its byline (or who started it) too, as a live story is written while it
    is public. Never a story in the trash, never a story that is not Live; under embargo,
    editors only (can_edit), as for every other change to it."""
    if not article.is_live or article.deleted_at is not None:
        return False
    if not user.is_active or not user.has_perm("articles.add_liveupdate"):
        return False
    return can_edit(user, article) or (
        article.status == Article.Status.PUBLISHED
        and not article.is_under_embargo
        and is_own(user, article)
    )


def can_end_coverage(user, article: Article) -> bool:
    """End (or reopen) a Live story's coverage: editors."""
    return article.is_live and article.deleted_at is None and can_publish(user)


def can_view(user, article: Article) -> bool:
    """See a story on the staff side: its admin pages, history, comparisons and preview.

    Editors see every story, the trash included. Everyone else with access to stories sees
    what is public and their own stories until they go to the trash; never another
    reporter's draft, an embargoed (scheduled) story or the trash. ``viewable`` is the same
    rule for lists.
    """
    if not user.is_active or not user.has_perm("articles.view_article"):
        return False
    if user.has_perm("articles.edit_any_article"):
        return True
    if article.deleted_at is not None:
        return False
    return article.is_public or is_own(user, article)


def viewable(user, stories):
    """The stories of ``stories`` that ``user`` may see, by the rule of ``can_view``."""
    if not user.is_active or not user.has_perm("articles.view_article"):
        return stories.none()
    if user.has_perm("articles.edit_any_article"):
        return stories
    own = Q(created_by=user) | Exists(
        Byline.objects.filter(article=OuterRef("pk"), author__user=user)
    )
    # Public first: most stories are, and PostgreSQL tests the conditions in this order.
    return stories.public() | stories.live().filter(own)


def can_set_photo_rights(user) -> bool:
    """Licence, usage notes and rights expiry: photo editors and editors only."""
    return user.is_active and user.has_perm("articles.manage_rights_photo")


def can_edit_photo(user, photo) -> bool:
    """Photo editors and editors change any photo. Others change only the words and focal
    point of photos they uploaded themselves, and only until readers see or are about to see
    them (``shown_to_readers``): then a change is live, and the desk's. Never their rights or
    credit (``can_set_photo_rights``)."""
    if not user.is_active or not user.has_perm("articles.change_photo"):
        return False
    if can_set_photo_rights(user) or photo.pk is None:
        return True
    return photo.uploaded_by_id == user.pk and not shown_to_readers(photo)


def shown_to_readers(photo) -> bool:
    """A published story shows the photo, live or scheduled (lead photo, body figure or a
    live update's photo), or it is an author's headshot (every author's page is public)."""
    from authors.models import Author

    uses = Q(lead_photo=photo)
    if photo.image.name:
        uses |= Q(body__contains=photo.image.name)
    return (
        Article.objects.published().filter(uses | Q(live_updates__photo=photo)).exists()
        or Author.objects.filter(headshot=photo).exists()
    )
