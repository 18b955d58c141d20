from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from articles.admin.common import NewsroomAdminMedia, RecordsContentEvents, photo_thumbnail
from authors.models import Author, Handle


class HandleInline(admin.TabularInline):
    model = Handle
    fields = ["kind", "value", "position"]
    extra = 1


@admin.register(Author)
class AuthorAdmin(RecordsContentEvents, admin.ModelAdmin):
    list_display = ["name", "headshot_thumbnail", "job_title", "story_count", "is_active"]
    list_filter = ["is_active"]
    ordering = ["name"]
    search_fields = ["name", "job_title"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["headshot", "user"]
    inlines = [HandleInline]
    fields = ["name", "slug", "job_title", "bio", "headshot", "user", "is_active"]
    Media = NewsroomAdminMedia

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("headshot")
            .annotate(story_count=Count("bylines"))
        )

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete"):
            # Bylines offer only authors still writing for us.
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates

    @admin.display(description=_("headshot"))
    def headshot_thumbnail(self, author):
        return photo_thumbnail(author.headshot, size=48)

    @admin.display(description=_("stories"), ordering="story_count")
    def story_count(self, author):
        return author.story_count
