from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from newsroom import views

urlpatterns = [
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("authors/", include("authors.urls")),
]

if settings.SERVE_MEDIA:
    # Local-disk media for `make run` and a single `make serve`; object storage or a web
    # server in front takes this over in production (SERVE_MEDIA=0).
    prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

urlpatterns.append(path("", include("articles.urls")))
