from django.urls import path

import newsroom.slugs  # noqa: F401  (registers <uslug:>, slugs in any script)
from articles import feeds, search_views, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", search_views.search_page, name="search"),
    path("feed/", feeds.StoryFeed(), name="feed"),
    path("feed/atom/", feeds.AtomStoryFeed(), name="feed_atom"),
    path("preview/<int:pk>/", views.staff_preview, name="preview"),
    path("preview/s/<str:token>/", views.shared_preview, name="shared_preview"),
    path("tags/<uslug:slug>/", views.TagView.as_view(), name="tag"),
    path("tags/<uslug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tags/<uslug:slug>/feed/atom/", feeds.AtomTagFeed(), name="tag_feed_atom"),
    path("<uslug:section>/", views.SectionView.as_view(), name="section"),
    path("<uslug:section>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("<uslug:section>/feed/atom/", feeds.AtomSectionFeed(), name="section_feed_atom"),
    path("<uslug:section>/<uslug:slug>/", views.story, name="story"),
    path("<uslug:section>/<uslug:slug>/updates.json", views.live_updates, name="live_updates"),
    path("<uslug:section>/<uslug:slug>/feed/", feeds.LiveStoryFeed(), name="live_feed"),
]
