from django.urls import path

from articles import feeds, search_views, views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", search_views.search_page, name="search"),
    path("feed/", feeds.StoryFeed(), name="feed"),
    path("feed/atom/", feeds.AtomStoryFeed(), name="feed_atom"),
    path("preview/<int:pk>/", views.staff_preview, name="preview"),
    path("preview/s/<str:token>/", views.shared_preview, name="shared_preview"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("tags/<slug:slug>/feed/", feeds.TagFeed(), name="tag_feed"),
    path("tags/<slug:slug>/feed/atom/", feeds.AtomTagFeed(), name="tag_feed_atom"),
    path("<slug:section>/", views.SectionView.as_view(), name="section"),
    path("<slug:section>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("<slug:section>/feed/atom/", feeds.AtomSectionFeed(), name="section_feed_atom"),
    path("<slug:section>/<slug:slug>/", views.story, name="story"),
]
