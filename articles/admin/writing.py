"""The story form's helpers that keep work safe: autosave, restore, presence.

Small JSON endpoints under the story admin, each asking the same question as editing the
story (articles.permissions.can_edit) and protected by CSRF like every other POST.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from articles import drafts, imaging, presence, workflow
from articles.admin.library import PhotoAdminForm
from articles.markup import media_url
from articles.models import Article, Photo
from articles.permissions import can_edit


def _article(request) -> Article | None:
    """The story a request names (none: a story not saved yet), if the user may edit it."""
    raw = request.POST.get("article", "")
    if not raw:
        return None
    try:
        article = Article.objects.live().filter(pk=int(raw)).first()
    except ValueError:
        article = None
    if article is None:
        raise Http404("No such story.")
    if not can_edit(request.user, article):
        raise PermissionDenied
    return article


def _version(raw: str) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _when(moment) -> dict:
    local = timezone.localtime(moment)
    return {"saved_at": moment.isoformat(), "saved_label": local.strftime("%H:%M:%S")}


def autosave_view(request):
    article = _article(request)
    try:
        fields = drafts.parse_fields(request.POST.get("fields", ""))
        draft = drafts.keep(
            user=request.user,
            article=article,
            token=request.POST.get("token", ""),
            fields=fields,
            base_version=_version(request.POST.get("base_version")),
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    problems = drafts.problems_while_writing(article=article, fields=fields)
    return JsonResponse({"saved": True, "problems": problems, **_when(draft.updated_at)})


def discard_view(request):
    article = _article(request)
    count = drafts.forget(user=request.user, article=article, token=request.POST.get("token", ""))
    return JsonResponse({"discarded": count})


def presence_view(request):
    article = _article(request)
    if article is None:
        return JsonResponse({"others": []})
    if request.POST.get("leaving"):
        presence.gone(article_id=article.pk, user=request.user)
        return JsonResponse({"others": []})
    return JsonResponse({"others": presence.here(article_id=article.pk, user=request.user)})


class StoryPhotoForm(PhotoAdminForm):
    """A new photo uploaded inside the story form: the file with its words, credit and focal
    point, checked as the photo library checks it (rights stay the photo desk's)."""

    class Meta(PhotoAdminForm.Meta):
        fields = ["image", "caption", "alt_text", "credit_kind", "credit", "focal_x", "focal_y"]


def photo_upload_view(request):
    """Upload first, then use: the story form keeps the new photo's id, so a validation error
    in the story never drops the file, and the focal point is set before any save."""
    if not request.user.has_perm("articles.add_photo"):
        raise PermissionDenied
    form = StoryPhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    photo = form.save(commit=False)
    photo.uploaded_by = request.user
    try:
        with transaction.atomic():
            photo.save()
            imaging.refresh_renditions(photo)
    except Exception:
        if photo.image.name:  # the row rolled back; its file goes too
            photo.image.storage.delete(photo.image.name)
        raise
    return JsonResponse(
        {
            "id": photo.pk,
            "label": str(photo),
            "credit_line": photo.credit_line,
            "src": media_url(photo.image.name),
            "filled_from_file": [str(name) for name in form.filled_from_file],
        }
    )


def urls(admin_view):
    return [
        path(
            "writing/autosave/",
            admin_view(require_POST(autosave_view)),
            name="articles_article_autosave",
        ),
        path(
            "writing/discard/",
            admin_view(require_POST(discard_view)),
            name="articles_article_discard_draft",
        ),
        path(
            "writing/photo/",
            admin_view(require_POST(photo_upload_view)),
            name="articles_article_upload_photo",
        ),
        path(
            "writing/presence/",
            admin_view(require_POST(presence_view)),
            name="articles_article_presence",
        ),
    ]


def context(request, obj: Article | None) -> dict:
    """What the story form's scripts need: where to save, and the draft waiting, if any."""
    waiting = drafts.waiting(user=request.user, article=obj)
    draft = None
    if waiting is not None:
        draft = {
            "fields": waiting.fields,
            "token": waiting.token,
            "base_version": waiting.base_version,
            **_when(waiting.updated_at),
        }
    problems = workflow.publication_problems(obj) if obj is not None else None
    return {
        "publication_problems": problems,
        "writing": {
            "autosave_url": reverse("admin:articles_article_autosave"),
            "discard_url": reverse("admin:articles_article_discard_draft"),
            "presence_url": reverse("admin:articles_article_presence"),
            "photo_url": reverse("admin:articles_article_upload_photo"),
            "can_upload": request.user.has_perm("articles.add_photo"),
            "credit_kinds": Photo.CreditKind.choices,
            "login_url": reverse("admin:login"),
            "heartbeat": presence.HEARTBEAT_SECONDS,
        },
        "waiting_draft": draft,
    }
