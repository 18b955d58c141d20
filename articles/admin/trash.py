from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from articles import workflow
from articles.models import TrashedArticle
from articles.permissions import can_trash


@admin.register(TrashedArticle)
class TrashAdmin(admin.ModelAdmin):
    """Deleted stories: editors restore them within the retention period; then they go."""

    list_display = ["headline", "section", "status", "deleted_at", "deleted_by", "restorable_until"]
    list_select_related = ["section", "deleted_by"]
    search_fields = ["headline"]
    ordering = ["-deleted_at"]
    actions = ["restore_selected"]

    def get_queryset(self, request):
        # Only what can still be restored: the clock's hourly job (events.jobs.purge_trash)
        # deletes the rest for good, and until it has, it is not listed.
        return super().get_queryset(request).trashed().restorable()

    def has_module_permission(self, request):
        return can_trash(request.user)

    def has_view_permission(self, request, obj=None):
        return can_trash(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("restorable until"))
    def restorable_until(self, article):
        return workflow.trash_deadline(article)

    @admin.action(description=_("Restore selected stories"))
    def restore_selected(self, request, queryset):
        restored = 0
        for article in queryset:
            try:
                workflow.restore(article=article, by=request.user)
                restored += 1
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, f"“{article.headline}”: {'; '.join(error.messages)}")
        if restored:
            messages.success(request, _("%(n)d stories restored.") % {"n": restored})
