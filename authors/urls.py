from django.urls import path

import newsroom.slugs  # noqa: F401  (registers <uslug:>, slugs in any script)
from articles.feeds import AtomAuthorFeed, AuthorFeed
from authors import views

app_name = "authors"

urlpatterns = [
    path("<uslug:slug>/", views.AuthorView.as_view(), name="detail"),
    path("<uslug:slug>/feed/", AuthorFeed(), name="feed"),
    path("<uslug:slug>/feed/atom/", AtomAuthorFeed(), name="feed_atom"),
]
