from contextvars import ContextVar
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from articles import imaging
from articles.admin.common import NewsroomAdminMedia, RecordsContentEvents, photo_thumbnail
from articles.admin.lists import MyPhotosFilter, RowCheckboxMixin, time_cell
from articles.figures import refresh_bodies_using
from articles.markup import media_url
from articles.models import Article, BylineRole, OldURL, Photo, Section
from articles.permissions import can_edit_photo, can_set_photo_rights, viewable


@admin.register(Section)
class SectionAdmin(RecordsContentEvents, admin.ModelAdmin):
    list_display = ["name", "slug", "order", "story_count"]
    list_editable = ["order"]
    ordering = ["order", "name"]
    prepopulated_fields = {"slug": ["name"]}
    Media = NewsroomAdminMedia
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description=_("stories"), ordering="story_count")
    def story_count(self, section):
        return section.story_count

    def save_model(self, request, obj, form, change):
        if change and "slug" in form.changed_data:
            # The section's old address (and its stories', by slug) keeps answering.
            obj.ensure_slug()
            OldURL.remember(Section.objects.get(pk=obj.pk).get_absolute_url(), section=obj)
        super().save_model(request, obj, form, change)


class PhotoAdminForm(forms.ModelForm):
    """Uploads are decoded before anything is stored; credit and caption can come from the
    file's own IPTC or XMP metadata when the editor leaves them empty."""

    # A plain file field: the decoding checks in clean_image() are the only gate, with
    # messages an editor can act on (Django's ImageField would answer first, vaguely).
    image = forms.FileField(
        label=_("image"),
        help_text=_(
            "JPEG (camera MPO files too), PNG, WebP or AVIF. Location, camera data and "
            "comments are removed on upload; the colour profile is kept."
        ),
    )

    class Meta:
        model = Photo
        fields = [
            "image",
            "caption",
            "no_caption_needed",
            "alt_text",
            "credit_kind",
            "credit",
            "source",
            "focal_x",
            "focal_y",
            "licence",
            "cc_variant",
            "usage_notes",
            "rights_expire_on",
        ]
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload = None
        self.filled_from_file = []
        # Required on the model; here they may come from the file's metadata instead. A
        # read-only page, or one without the credit (a reporter's, articles.permissions),
        # leaves them out of the form.
        for name in ("credit", "caption"):
            if name in self.fields:
                self.fields[name].required = False

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and hasattr(image, "content_type"):  # a new upload, not the stored file
            self.upload = imaging.inspect_upload(image)
            return imaging.clean_master(image, self.upload)
        return image

    def clean(self):
        data = super().clean()
        found = self.upload.credit if self.upload else {}
        if "credit" in self.fields and not data.get("credit"):
            credit = found.get("credit") or found.get("creator")
            if credit:
                data["credit"] = credit
                self.filled_from_file.append(_("credit"))
            else:
                self.add_error("credit", _("A credit is required (the file carries none)."))
        if "caption" in self.fields and not data.get("caption") and found.get("caption"):
            data["caption"] = found["caption"]
            self.filled_from_file.append(_("caption"))
        if "source" in self.fields and not data.get("source") and found.get("source"):
            data["source"] = found["source"]
            self.filled_from_file.append(_("source"))
        self._keep_lead_caption(data)
        return data

    def _keep_lead_caption(self, data) -> None:
        """The caption publishing asked for stays while a published story (live or
        scheduled) leads with the photo: the library is another way to the same page."""
        if "caption" not in self.fields or (data.get("caption") or "").strip():
            return
        if data.get("no_caption_needed", self.instance.no_caption_needed):
            return
        if (
            self.instance.pk
            and Article.objects.published().filter(lead_photo=self.instance).exists()
        ):
            self.add_error(
                "caption",
                _("Published stories lead with this photo; a lead photo needs a caption."),
            )


class RightsFilter(admin.SimpleListFilter):
    title = _("rights")
    parameter_name = "rights"

    def lookups(self, request, model_admin):
        return [
            ("expired", _("Expired")),
            ("expiring", _("Expiring within 30 days")),
            ("open", _("No expiry")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "expired":
            return queryset.expired(on=today)
        if self.value() == "expiring":
            return queryset.filter(
                rights_expire_on__gte=today, rights_expire_on__lte=today + timedelta(days=30)
            )
        if self.value() == "open":
            return queryset.filter(rights_expire_on__isnull=True)
        return queryset


# The user whose photo page is being rendered: a read-only field gets only the photo.
_viewer = ContextVar("photo_admin_viewer", default=None)


@admin.register(Photo)
class PhotoAdmin(RowCheckboxMixin, RecordsContentEvents, admin.ModelAdmin):
    form = PhotoAdminForm
    # Fits 1280 px: a thumbnail one can recognise, the caption with its credit under it, the
    # rights, and the upload time the list is sorted by.
    list_display = ["thumbnail", "title", "rights_state", "uploaded"]
    list_display_links = ["thumbnail", "title"]
    list_filter = [MyPhotosFilter, RightsFilter, "credit_kind", "licence", "source", "created_at"]
    ordering = ["-created_at", "-id"]
    search_fields = ["caption", "alt_text", "credit", "source"]
    readonly_fields = ["focal_point_picker", "dimensions", "used_in", "uploaded_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["image", "focal_point_picker", ("focal_x", "focal_y"), "dimensions"]}),
        (_("Words"), {"fields": ["caption", "no_caption_needed", "alt_text"]}),
        (_("Credit"), {"fields": ["credit_kind", "credit", "source"]}),
        (
            _("Rights"),
            {"fields": ["licence", "cc_variant", "usage_notes", "rights_expire_on"]},
        ),
        (_("Where it is used"), {"fields": ["used_in"]}),
        (_("History"), {"fields": ["uploaded_by", "created_at"], "classes": ["collapse"]}),
    ]

    class Media(NewsroomAdminMedia):
        js = [*NewsroomAdminMedia.js, "admin/focal_point.js"]

    # Server-side: fields read-only here are left out of the form, so a posted value is
    # ignored, not merely hidden.
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_set_photo_rights(request.user):
            readonly += Photo.DESK_FIELDS
            if obj is not None:  # the uploader credits a new photo; then it is the desk's
                readonly += Photo.CREDIT_FIELDS
        return readonly

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_photo(request.user, obj))

    @admin.display(description=_("caption"), ordering="caption")
    def title(self, photo):
        return format_html(
            '<span class="nr-headline">{}</span><span class="nr-row-meta">{} · {}</span>',
            str(photo),
            photo.credit_line,
            photo.licence_label,
        )

    @admin.display(description=_("photo"))
    def thumbnail(self, photo):
        return photo_thumbnail(photo, size=120)

    @admin.display(description=_("uploaded"), ordering="created_at")
    def uploaded(self, photo):
        return time_cell(photo.created_at)

    @admin.display(description=_("licence"), ordering="licence")
    def licence_label(self, photo):
        return photo.licence_label

    @admin.display(description=_("rights until"), ordering="rights_expire_on")
    def rights_state(self, photo):
        if photo.rights_expire_on is None:
            return "—"
        css = "nr-status-unpublished" if not photo.is_usable else "nr-status-review"
        label = (
            _("expired")
            if not photo.is_usable
            else date_format(photo.rights_expire_on, "DATE_FORMAT")
        )
        return format_html('<span class="nr-status {}">{}</span>', css, label)

    @admin.display(description=_("focal point"))
    def focal_point_picker(self, photo):
        if not photo.image:
            return _("Upload the photo first; then click on it to set its focal point.")
        return format_html(
            '<div class="nr-focal" data-focal-picker><img src="{}" alt="{}" width="480">'
            '<span class="nr-focal-marker"></span></div>'
            '<p class="help">{}</p>',
            media_url(photo.image.name),
            photo.alt_text,
            _("Click the most important point; every crop keeps it in view."),
        )

    @admin.display(description=_("size"))
    def dimensions(self, photo):
        return f"{photo.width} × {photo.height}" if photo.width else "—"

    @admin.display(description=_("stories using it"))
    def used_in(self, photo):
        if not photo.pk:
            return "—"
        using = Article.objects.live().filter(
            Q(lead_photo=photo) | Q(body__contains=photo.image.name)
        )
        # Headlines only of stories this user may open (articles.permissions); the rest
        # are counted, so whoever judges the photo's rights knows they exist.
        viewer = _viewer.get()
        stories = list(viewable(viewer, using)[:50]) if viewer is not None else []
        hidden = using.count() - len(stories) if len(stories) < 50 else 0
        if not stories and not hidden:
            return _("No story uses this photo.")
        more = ""
        if hidden:
            more = ngettext(
                "and %(n)d more story you cannot open",
                "and %(n)d more stories you cannot open",
                hidden,
            ) % {"n": hidden}
        return format_html(
            "<ul>{}</ul>{}",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse("admin:articles_article_change", args=[s.pk]),
                        s.headline,
                        s.get_status_display(),
                    )
                    for s in stories
                ),
            ),
            more,
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.uploaded_by = request.user
        new_master = not change or "image" in form.changed_data
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                if not change or {"image", "focal_x", "focal_y"} & set(form.changed_data):
                    imaging.refresh_renditions(obj)
                if change:
                    refresh_bodies_using(obj)
        except Exception:
            # The row rolled back; the master file written for it must go too.
            if new_master and obj.image.name:
                obj.image.storage.delete(obj.image.name)
            raise
        if form.filled_from_file:
            messages.info(
                request,
                _("Filled in from the file's metadata: %(fields)s. Check them.")
                % {"fields": ", ".join(str(f) for f in form.filled_from_file)},
            )
        if not obj.is_usable:
            messages.warning(
                request, _("This photo's rights have expired: it is hidden from the site.")
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        token = _viewer.set(request.user)  # who reads "Where it is used"
        try:
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # while the viewer is known
            return response
        except (OSError, ValidationError) as error:
            # Storage full or failing, or the renditions refused (imaging's limits): nothing
            # half-written stays (the row rolled back, rendition files written so far were
            # removed) and the editor is told why, in words.
            reason = " ".join(error.messages) if isinstance(error, ValidationError) else error
            messages.error(
                request,
                _("The photo could not be stored (%(error)s). Nothing was saved; try again.")
                % {"error": reason},
            )
            return HttpResponseRedirect(request.path)
        finally:
            _viewer.reset(token)


@admin.register(BylineRole)
class BylineRoleAdmin(RecordsContentEvents, admin.ModelAdmin):
    """The roles a byline can have. The byline phrase prints them in this order. A change
    (wording or order, here or in the list) records byline_role.changed, naming the public
    stories that print the role, so the CDN purges them."""

    list_display = ["name", "phrase", "position", "schema_property", "slug"]
    list_editable = ["position"]
    ordering = ["position", "id"]

    def get_readonly_fields(self, request, obj=None):
        # The key is what the API, feeds and imports name the role by: fixed once saved.
        return ["slug"] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        # Written by is every byline's default.
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or not obj.is_default)
