from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from taggit.utils import parse_tags

from articles.models import Article, Byline, Photo, Section


class NewsroomAdminMedia:
    css = {"all": ["admin/newsroom.css"]}


def photo_thumbnail(photo, size=80):
    if not photo or not photo.image:
        return "—"
    return format_html(
        '<img class="nr-thumb" src="{}" alt="{}" width="{}" loading="lazy">',
        photo.image.url,
        photo.alt_text,
        size,
    )


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


class BylineInline(admin.TabularInline):
    model = Byline
    autocomplete_fields = ["author"]
    fields = ["author", "position"]
    extra = 1
    verbose_name = _("author")
    verbose_name_plural = _("bylines (in the order they read)")


class ArticleAdminForm(forms.ModelForm):
    # Taggit's own field is a bare comma-separated text box; editors pick existing tags
    # from an autocomplete (so "AI" and "A.I." do not both appear) and may add new ones.
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        label=_("Tags"),
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
    )
    new_tags = forms.CharField(
        required=False,
        label=_("New tags"),
        help_text=_("Tags not in the list yet, separated by commas."),
    )

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "dek",
            "section",
            "body",
            "teaser",
            "lead_photo",
            "status",
            "publish_at",
            "tags",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"}),
            "teaser": forms.Textarea(attrs={"rows": 3}),
            "headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "slug": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "dek": forms.TextInput(attrs={"class": "vLargeTextField"}),
        }

    def clean(self):
        data = super().clean()
        data["tags"] = list(data.get("tags") or []) + parse_tags(data.get("new_tags", ""))
        return data


class VisibilityFilter(admin.SimpleListFilter):
    """Live, scheduled or not public, by the one visibility rule."""

    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [
            ("live", _("Live on the site")),
            ("scheduled", _("Scheduled")),
            ("hidden", _("Not public")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.public()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "hidden":
            return queryset.exclude(pk__in=Article.objects.public().values("pk"))
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    inlines = [BylineInline]
    list_display = [
        "headline",
        "status_label",
        "publish_at",
        "section",
        "byline",
        "updated_at",
    ]
    list_filter = [
        VisibilityFilter,
        "status",
        "section",
        ("authors", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["section"]
    search_fields = ["headline", "dek", "slug", "bylines__author__name"]
    date_hierarchy = "publish_at"
    ordering = ["-updated_at"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["lead_photo"]
    readonly_fields = [
        "lead_photo_preview",
        "first_published_at",
        "created_at",
        "updated_at",
        "created_by",
    ]
    save_on_top = True
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "section"]}),
        (_("Story"), {"fields": ["body", "teaser"]}),
        (_("Lead photo"), {"fields": ["lead_photo", "lead_photo_preview"]}),
        (
            _("Publishing"),
            {
                "fields": ["status", "publish_at"],
                "description": _(
                    "A story is public once its status is Published and its publish time "
                    "has passed. A future time schedules it."
                ),
            },
        ),
        (_("Topics"), {"fields": ["tags", "new_tags"]}),
        (
            _("History"),
            {
                "fields": ["first_published_at", "created_at", "updated_at", "created_by"],
                "classes": ["collapse"],
            },
        ),
    ]
    Media = NewsroomAdminMedia

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("bylines", queryset=Byline.objects.select_related("author")))
        )

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, article):
        if article.is_scheduled:
            return format_html(
                '<span class="nr-status nr-status-scheduled">{} {}</span>',
                _("Scheduled"),
                timezone.localtime(article.publish_at).strftime("%b %-d, %H:%M"),
            )
        return format_html(
            '<span class="nr-status nr-status-{}">{}</span>',
            article.status,
            article.get_status_display(),
        )

    @admin.display(description=_("authors"))
    def byline(self, article):
        return format_html_join(", ", "{}", ((b.author.name,) for b in article.bylines.all()))

    @admin.display(description=_("current lead photo"))
    def lead_photo_preview(self, article):
        if not article.lead_photo:
            return "—"
        return format_html(
            '{}<div class="nr-credit">{}</div>',
            photo_thumbnail(article.lead_photo, size=240),
            article.lead_photo.credit_line,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
