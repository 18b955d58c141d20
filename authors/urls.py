from django.urls import path

from articles.feeds import AtomAuthorFeed, AuthorFeed
from authors import views

app_name = "authors"

urlpatterns = [
    path("<slug:slug>/", views.AuthorView.as_view(), name="detail"),
    path("<slug:slug>/feed/", AuthorFeed(), name="feed"),
    path("<slug:slug>/feed/atom/", AtomAuthorFeed(), name="feed_atom"),
]
