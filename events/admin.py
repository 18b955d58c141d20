"""Operators read the outbox here: each event and how far each handler has got with it."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from articles.permissions import viewable
from events.models import Delivery, Event


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(ReadOnly, admin.TabularInline):
    model = Delivery
    fields = ["handler", "done_at", "attempts", "due_at", "last_error"]
    readonly_fields = fields
    extra = 0


class PendingFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", _("not done yet")), ("failing", _("failing")), ("done", _("done"))]

    def queryset(self, request, queryset):
        pending = Q(deliveries__done_at__isnull=True)
        if self.value() == "pending":
            return queryset.filter(pending).distinct()
        if self.value() == "failing":
            return queryset.filter(pending, deliveries__attempts__gt=0).distinct()
        if self.value() == "done":
            return queryset.exclude(pending)
        return queryset


@admin.register(Event)
class EventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "kind", "article", "occurred_at", "created_at", "delivery_state"]
    list_filter = [PendingFilter, "kind"]
    list_select_related = ["article"]
    search_fields = ["=uid", "=article__id"]
    date_hierarchy = "created_at"
    fields = ["uid", "kind", "article", "occurred_at", "created_at", "key", "payload"]
    readonly_fields = fields
    inlines = [DeliveryInline]

    def get_queryset(self, request):
        # An event of a story is for whoever may see the story (articles.permissions).
        stories = viewable(request.user, Article.objects.all()).values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(Q(article__isnull=True) | Q(article__in=stories))
            .annotate(
                total=Count("deliveries"),
                done=Count("deliveries", filter=Q(deliveries__done_at__isnull=False)),
            )
        )

    @admin.display(description=_("deliveries done"))
    def delivery_state(self, event):
        return f"{event.done}/{event.total}"
