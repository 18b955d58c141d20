from django.urls import path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("preview/<int:pk>/", views.staff_preview, name="preview"),
    path("preview/s/<str:token>/", views.shared_preview, name="shared_preview"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("<slug:section>/", views.SectionView.as_view(), name="section"),
    path("<slug:section>/<slug:slug>/", views.story, name="story"),
]
