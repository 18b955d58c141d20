import logging

from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsroom.cache import reachable

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """Readiness for a load balancer: 200 when the database and the cache answer, else 503."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        logger.exception("Health check: database unreachable")
        checks["database"] = "unreachable"
    # Bounded: one round trip with the cache's own timeouts, none while it is known down.
    try:
        checks["cache"] = "ok" if reachable(cache) else "unreachable"
    except Exception:
        logger.exception("Health check: cache unreachable")
        checks["cache"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )


_ROW = "<p>" + "x" * 96 + "</p>\n"
_REFERENCE = ("<!doctype html><title>Reference</title>" + _ROW * 200)[:20480]


def bench_reference(request):
    """`make bench`'s yardstick: Django returning a fixed 20 KB page, nothing else."""
    return HttpResponse(_REFERENCE)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; point them at ours."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_safe
def robots_txt(request):
    """Crawlers may read everything public; the sitemap index says where it all is."""
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")


def page_not_found(request, exception):
    """handler404: JSON under /api/ (clients parse it), the site's own page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not Found"}, status=404)
    return defaults.page_not_found(request, exception)
