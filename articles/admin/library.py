from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from articles.admin.common import NewsroomAdminMedia, photo_thumbnail
from articles.models import OldURL, Photo, Section


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "story_count"]
    list_editable = ["order"]
    ordering = ["order", "name"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description=_("stories"), ordering="story_count")
    def story_count(self, section):
        return section.story_count

    def save_model(self, request, obj, form, change):
        if change and "slug" in form.changed_data:
            # The section's old address (and its stories', by slug) keeps answering.
            old = Section.objects.get(pk=obj.pk).get_absolute_url()
            OldURL.objects.filter(path=obj.get_absolute_url()).delete()
            OldURL.objects.update_or_create(path=old, defaults={"section": obj, "article": None})
        super().save_model(request, obj, form, change)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "title", "credit_line", "source", "dimensions", "created_at"]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["credit_kind", "created_at"]
    search_fields = ["caption", "alt_text", "credit", "source"]
    readonly_fields = ["preview", "dimensions", "uploaded_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["image", "preview", "dimensions"]}),
        (_("Words"), {"fields": ["caption", "alt_text"]}),
        (_("Credit"), {"fields": ["credit_kind", "credit", "source"]}),
        (_("History"), {"fields": ["uploaded_by", "created_at"], "classes": ["collapse"]}),
    ]
    Media = NewsroomAdminMedia

    @admin.display(description=_("caption"), ordering="caption")
    def title(self, photo):
        return str(photo)

    @admin.display(description=_("photo"))
    def thumbnail(self, photo):
        return photo_thumbnail(photo)

    @admin.display(description=_("preview"))
    def preview(self, photo):
        return photo_thumbnail(photo, size=320)

    @admin.display(description=_("size"))
    def dimensions(self, photo):
        return f"{photo.width} × {photo.height}" if photo.width else "—"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)
