from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from articles import media, sitemaps
from articles.api import api as content_api
from articles.sitemaps import SITEMAPS
from newsroom import twofactor, views

urlpatterns = [
    path("favicon.ico", views.favicon),
    path("admin/two-factor/", twofactor.two_factor, name="two_factor"),
    path("admin/two-factor/enrol/<str:token>/", twofactor.enrol, name="two_factor_enrol"),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.index, name="sitemap_index"),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("authors/", include("authors.urls")),
    path("api/v1/", content_api.urls),
]

if settings.NEWSROOM_BENCH_REFERENCE:
    urlpatterns.append(path("bench/reference/", views.bench_reference))

# Photo files, for readers and staff alike, through the one view that knows who may see what
# (articles/media.py); MEDIA_URL may name a CDN in front of this path.
urlpatterns.append(
    re_path(
        rf"^{urlsplit(settings.MEDIA_URL).path.lstrip('/')}(?P<path>.+)$", media.serve, name="media"
    )
)

urlpatterns.append(path("", include("articles.urls")))

handler500 = "newsroom.faults.server_error"
handler404 = "newsroom.views.page_not_found"
