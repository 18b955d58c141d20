from django.utils.html import format_html

from articles.markup import media_url
from events import content as content_events


class NewsroomAdminMedia:
    css = {"all": ["admin/newsroom.css", "admin/desk.css"]}
    # Slugs filled in as the name is typed keep every script's letters and marks: ours
    # replaces Django's URLify, so it comes after it.
    js = ["admin/js/urlify.js", "admin/urlify_any_script.js"]


def _thumbnail_url(photo) -> str:
    """The smallest square rendition, or the master; both through the media view, which lets
    staff who may view photos see every file."""
    squares = (photo.renditions or {}).get("square", {}).get("jpg")
    return media_url(squares[0][0] if squares else photo.image.name)


def photo_thumbnail(photo, size=80):
    if not photo or not photo.image:
        return "—"
    return format_html(
        '<img class="nr-thumb" src="{}" alt="{}" width="{}" loading="lazy">',
        _thumbnail_url(photo),
        photo.alt_text,
        size,
    )


class RecordsContentEvents:
    """Saves and deletes of what stories show (sections, tags, authors, photos) become
    content events in the admin's transaction, once inlines are saved too."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        content_events.changed(form.instance)

    def delete_model(self, request, obj):
        content_events.changed(obj)  # before: it reads who shows the object
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            content_events.changed(obj)
        super().delete_queryset(request, queryset)
