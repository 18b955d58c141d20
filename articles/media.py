"""Serving photo files: the one door between the media storage and a browser.

Nothing in the media storage is public by itself: local files are not under a web server's
root and object-storage objects are private. Every MEDIA_URL request comes here, and:

- a master (the uploaded original) is served only to staff who may view photos;
- a rendition is served to readers only while its photo is public
  (``Photo.objects.public()``: rights allow it and a public page shows it), so a photo of an
  embargoed story goes live at the story's publish time and leaves when it is unpublished or
  its rights run out, with no job to run and no ACL to flip;
- staff who may view photos see every file (the admin's thumbnails, previews);
- someone who opened a shared preview link sees the photos of that story while the link is
  open (a signed cookie names the links; each request checks them again).

- a story's share card (articles/share_cards.py) is served, and drawn on first request, only
  while the story is public (or to staff who may see the story, or through its open preview
  link), and only under its current name.

Readers get 404 for everything else, whether the file exists or not. On object storage the
bytes are streamed from the private bucket (or, on local disk, handed to nginx with
X-Accel-Redirect): no signed or public bucket URL ever reaches a page, a feed or the page
cache, so no link outlives a takedown. A CDN may keep public renditions for
NEWSROOM_MEDIA_MAX_AGE seconds, never past the last day of the photo's rights.
"""

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.http import FileResponse, HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from django.views.decorators.http import require_safe

from articles import share_cards
from articles.imaging import rendition_names
from articles.models.photos import Photo, master_name, rendition_folder
from newsroom import surrogate
from newsroom.twofactor import owes_code

PREVIEW_COOKIE = "newsroom_previews"
PREVIEW_SALT = "articles.media.previews"
PREVIEW_LINKS_HELD = 20

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
}


def may_see_every_photo(user) -> bool:
    """Staff who may view the photo library, signed in with their second factor if they owe
    one (the admin's rule, newsroom.twofactor): a stolen password alone sees what readers see."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if not user.has_perm("articles.view_photo"):
        return False
    return not owes_code(user)


def remember_preview(request, response, *, link) -> None:
    """Let someone who opened a shared preview link see the photos of its story, which are
    not public yet: a signed cookie, sent only with media requests, names the links they
    opened. Each request checks the link again, so revoking it takes the photos away too."""
    held = [pk for pk in _preview_links(request) if pk != link.pk][-(PREVIEW_LINKS_HELD - 1) :]
    response.set_cookie(
        PREVIEW_COOKIE,
        signing.dumps([*held, link.pk], salt=PREVIEW_SALT, compress=True),
        max_age=settings.NEWSROOM_PREVIEW_HOURS * 3600,
        path=urlsplit(settings.MEDIA_URL).path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _preview_links(request) -> list[int]:
    try:
        held = signing.loads(request.COOKIES.get(PREVIEW_COOKIE, ""), salt=PREVIEW_SALT)
    except signing.BadSignature:
        return []
    if not isinstance(held, list):
        return []
    return [pk for pk in held if type(pk) is int][-PREVIEW_LINKS_HELD:]


def _previewed_stories(request):
    """The stories whose shared preview links the reader opened and which are still open,
    never one taken down (unpublished or in the trash) whatever its links say."""
    from articles.models import Article

    return Article.objects.previewable().filter(
        preview_links__pk__in=_preview_links(request),
        preview_links__revoked_at__isnull=True,
        preview_links__expires_at__gt=timezone.now(),
    )


def _shown_by_a_preview(request, photo: Photo) -> bool:
    """The photo is on a story whose shared preview link the reader opened and which is
    still open (not expired, not revoked): lead photo, body figure or a byline's headshot.
    Never a photo whose rights ran out."""
    if not _preview_links(request) or not photo.is_usable:
        return False
    return (
        _previewed_stories(request)
        .filter(
            Q(lead_photo=photo)
            | Q(body_html__contains=f"{rendition_folder(photo.media_token)}/")
            | Q(bylines__author__headshot=photo)
        )
        .exists()
    )


def _photo_for(name: str) -> tuple[Photo | None, bool]:
    """The photo a stored name belongs to, and whether the name is its master."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "renditions":
        photo = Photo.objects.filter(media_token=parts[1]).first()
        if photo is not None and name in rendition_names(photo.renditions or {}):
            return photo, False
        return None, False
    return Photo.objects.filter(image=name).first(), True


def _max_age(photo: Photo, limit: int | None = None) -> int:
    """How long a CDN may keep a public rendition: never past the photo's last day."""
    limit = settings.NEWSROOM_MEDIA_MAX_AGE if limit is None else limit
    if photo.rights_expire_on is None:
        return limit
    end = datetime.combine(
        photo.rights_expire_on + timedelta(days=1), time(), tzinfo=timezone.get_current_timezone()
    )
    left = max(0, int((end - timezone.now()).total_seconds()))
    return min(limit, left)


def _not_found() -> HttpResponse:
    # Never cached: the same address answers once the story goes live.
    response = HttpResponseNotFound(b"Not found", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


def _deliver(name: str, *, cache: str) -> HttpResponse:
    storage = storages["default"]
    if not storage.exists(name):
        return _not_found()
    content_type = CONTENT_TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")
    if settings.NEWSROOM_MEDIA_ACCEL_REDIRECT:
        # nginx sends the file from an `internal` location; the check above stays ours.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.NEWSROOM_MEDIA_ACCEL_REDIRECT + filepath_to_uri(
            name
        )
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = cache
    return response


def _share_card(request, path: str) -> HttpResponse:
    """A story's share card, under its current name only, while the story is public (or to
    staff who may see the story, or through its open preview link). Drawn on first request:
    the card of an embargoed story is not even drawn before its time."""
    from articles.models import Article
    from articles.permissions import can_view

    pk = share_cards.story_id(path)
    if pk is None:
        return _not_found()
    stories = Article.objects.select_related("section").filter(pk=pk)
    story = stories.public().first()
    cache = f"public, max-age={settings.NEWSROOM_MEDIA_MAX_AGE}"
    if story is None:
        story, cache = stories.live().first(), "private, no-store"
        user = request.user
        staff = user.is_authenticated and not owes_code(user) and story and can_view(user, story)
        if not staff and not (
            story and _preview_links(request) and _previewed_stories(request).filter(pk=pk).exists()
        ):
            return _not_found()
    if share_cards.card_name(story) != path:
        return _not_found()
    share_cards.ensure(story)
    surrogate.add(request, f"story-{story.pk}")
    return _deliver(path, cache=cache)


@require_safe
def serve(request, path: str) -> HttpResponse:
    if "\x00" in path or len(path) > 300:
        return _not_found()
    if path.startswith(f"{share_cards.FOLDER}/"):
        return _share_card(request, path)
    photo, is_master = _photo_for(path)
    if photo is None:
        return _not_found()
    if may_see_every_photo(request.user):
        return _deliver(path, cache="private, no-store")
    if is_master:
        return _not_found()
    if Photo.objects.public().filter(pk=photo.pk).exists():
        surrogate.add(request, f"photo-{photo.pk}")
        response = _deliver(path, cache=f"public, max-age={_max_age(photo)}")
        if surrogate.cdn_purges():
            # Purged by its key when it changes or leaves: a purged CDN may keep it longer.
            age = _max_age(photo, settings.NEWSROOM_CDN_MAX_AGE)
            surrogate.cdn_lifetime(response, age)
        return response
    if _shown_by_a_preview(request, photo):
        return _deliver(path, cache="private, no-store")
    return _not_found()


def give_private_names(*, photo: Photo) -> bool:
    """Move a photo's files made before private names to them: the master from its uploaded
    name (photos/2026/11/<name>.jpg) to masters/<random>, the renditions to
    renditions/<token>/. Stories (and their saved revisions) that show it in the body follow
    the master's new address. Returns whether anything moved; a second call does nothing.

    New files are written first and the old ones deleted only after the rows are committed:
    a failure half-way leaves the photo whole under its old names, and no new file behind.
    """
    from reversion.models import Version

    from articles.figures import refresh_bodies_using
    from articles.imaging import make_renditions
    from articles.models import Article
    from events.content import photo_changed

    storage = photo.image.storage
    old_master = photo.image.name
    old_renditions = rendition_names(photo.renditions or {})
    folder = f"{rendition_folder(photo.media_token)}/"
    master_moves = not old_master.startswith("masters/")
    if not master_moves and all(name.startswith(folder) for name in old_renditions):
        return False
    written = []
    try:
        with transaction.atomic():
            if master_moves:
                with storage.open(old_master, "rb") as source:
                    new_master = storage.save(master_name(photo, old_master), File(source))
                written.append(new_master)
                for model, column in ((Article, "body"), (Version, "serialized_data")):
                    model.objects.filter(**{f"{column}__contains": old_master}).update(
                        **{column: Replace(column, Value(old_master), Value(new_master))}
                    )
                photo.image.name = new_master
                Photo.objects.filter(pk=photo.pk).update(image=new_master)
            photo.renditions = make_renditions(photo, storage=storage)
            written += sorted(rendition_names(photo.renditions) - old_renditions)
            photo.save(update_fields=["renditions"])
            refresh_bodies_using(photo)
            # Pages that show it name files deleted after the commit: fetch them again.
            photo_changed(photo)
    except Exception:
        for name in written:
            storage.delete(name)
        raise
    for name in old_renditions - rendition_names(photo.renditions):
        storage.delete(name)
    if master_moves:
        storage.delete(old_master)
    return True
