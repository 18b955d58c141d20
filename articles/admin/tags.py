"""Tags in the admin: django-taggit's own tag admin (merging included), with slugs in any
script accepted and filled in as newsroom/slugs.py makes them."""

from django import forms
from django.contrib import admin
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles.admin.common import NewsroomAdminMedia, RecordsContentEvents
from newsroom.slugs import SlugFormField


class TagForm(forms.ModelForm):
    slug = SlugFormField(max_length=100)

    class Meta:
        model = Tag
        fields = ["name", "slug"]


admin.site.unregister(Tag)


@admin.register(Tag)
class NewsroomTagAdmin(RecordsContentEvents, TagAdmin):
    form = TagForm
    Media = NewsroomAdminMedia
