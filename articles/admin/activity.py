from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from articles.models import Activity


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The audit log, read-only: editors see who published, scheduled, unpublished, deleted."""

    list_display = ["at", "user", "action", "headline", "detail"]
    list_filter = ["action", "at"]
    search_fields = ["headline", "user__username", "detail"]
    date_hierarchy = "at"
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.publish_article") or super().has_view_permission(
            request, obj
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=_("story"))
    def story(self, entry):
        return entry.headline
