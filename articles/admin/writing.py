"""The story form's helpers that keep work safe: autosave, restore, presence.

Small JSON endpoints under the story admin, each asking the same question as editing the
story (articles.permissions.can_edit) and protected by CSRF like every other POST.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from articles import drafts, presence, workflow
from articles.models import Article
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
            "login_url": reverse("admin:login"),
            "heartbeat": presence.HEARTBEAT_SECONDS,
        },
        "waiting_draft": draft,
    }
