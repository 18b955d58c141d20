"""Live coverage in the admin: the small "Add update" page a reporter uses without opening the
story form, the "End coverage" / "Reopen coverage" buttons, and a list of updates where
editors correct or delete one. The rules are articles.permissions'; the work is articles.live's.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_prose_editor.widgets import AdminProseEditorWidget
from js_asset import Media
from reversion.admin import VersionAdmin

from articles import live
from articles.admin.common import NewsroomAdminMedia
from articles.models import Article, LiveUpdate
from articles.permissions import (
    can_add_live_update,
    can_edit,
    can_end_coverage,
    can_view,
    viewable,
)
from authors.models import Author

# Short updates: words, links, lists and quotes; photos go in the photo field (credited).
UPDATE_EDITOR = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "HardBreak": True,
        "History": True,
    }
}


class LiveUpdateForm(forms.ModelForm):
    class Meta:
        model = LiveUpdate
        fields = ["body", "headline", "key_event", "photo", "author"]
        widgets = {
            "body": AdminProseEditorWidget(config=UPDATE_EDITOR, preset="configurable"),
            "headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "photo": AutocompleteSelect(LiveUpdate._meta.get_field("photo"), admin.site),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "author" not in self.fields:
            return  # read only: the admin builds the form without fields
        self.fields["author"].queryset = Author.objects.filter(is_active=True).order_by("name")
        self.fields["author"].help_text = _("Defaults to you; change it to post for a colleague.")


def own_author(user):
    """The reporter's own author (their byline), if their account has one."""
    return Author.objects.filter(user=user, is_active=True).first()


def live_story(request, object_id) -> Article:
    """The Live story an update page works on, if this user may see it (else not found)."""
    try:
        pk = int(object_id)
    except (TypeError, ValueError):
        raise Http404("No such story.") from None
    story = Article.objects.live().select_related("section").filter(pk=pk).first()
    if story is None or not story.is_live or not can_view(request.user, story):
        raise Http404("No such live story.")
    return story


def add_update_view(model_admin, request, object_id):
    """GET: the form; POST: post the update and come back to an empty form, so the next
    update follows in seconds."""
    story = live_story(request, object_id)
    if not can_add_live_update(request.user, story):
        raise PermissionDenied
    if request.method == "POST":
        form = LiveUpdateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                update = live.add_update(
                    story=story,
                    by=request.user,
                    body=data["body"],
                    headline=data["headline"],
                    key_event=data["key_event"],
                    photo=data["photo"],
                    author=data["author"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Update posted at %(time)s.") % {
                    "time": update.published_at.strftime("%H:%M:%S")
                })  # fmt: skip
                return HttpResponseRedirect(request.path)
    else:
        form = LiveUpdateForm(initial={"author": own_author(request.user)})
    media = forms.Media(css=NewsroomAdminMedia.css) + model_admin.media + form.media
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Add an update: %(headline)s") % {"headline": story.headline},
        "opts": model_admin.opts,
        "original": story,
        "story": story,
        "form": form,
        # The editor's import map is an inline script: it carries this request's CSP nonce.
        "media": Media.from_media(media, nonce=request.csp_nonce),
        "recent": story.live_updates.select_related("author").order_by("-published_at", "-id")[:5],
        "can_end_coverage": can_end_coverage(request.user, story),
    }
    return TemplateResponse(request, "admin/articles/article/live_update.html", context)


def coverage_view(model_admin, request, object_id, action):
    """POST only: end or reopen a Live story's coverage."""
    story = live_story(request, object_id)
    if action not in ("end", "reopen"):
        raise Http404("No such action.")
    if action == "end":
        live.end_coverage(story=story, by=request.user)
        messages.success(request, _("Live coverage ended. Readers' pages say so."))
    else:
        live.reopen_coverage(story=story, by=request.user)
        messages.success(request, _("Live coverage reopened."))
    back = request.POST.get("next") or reverse("admin:articles_article_change", args=[story.pk])
    if not back.startswith("/admin/"):
        back = reverse("admin:articles_article_change", args=[story.pk])
    return HttpResponseRedirect(back)


@admin.register(LiveUpdate)
class LiveUpdateAdmin(VersionAdmin):
    """The updates of the stories this user may see (articles.permissions: viewable, can_view),
    for editors who correct or remove one; changing one needs can_edit on its story. Reporters
    post through the story's "Add update" page."""

    form = LiveUpdateForm
    list_display = ["__str__", "story", "author", "published_at", "key_event"]
    list_filter = ["key_event"]
    list_select_related = ["story", "author"]
    search_fields = ["headline", "body", "story__headline"]
    autocomplete_fields = ["photo"]
    readonly_fields = ["story", "created_by"]
    ordering = ["-published_at"]

    # Who sees and changes what: the story's rules, on its list, search, pages and history.
    def get_queryset(self, request):
        stories = viewable(request.user, Article.objects.all())
        return super().get_queryset(request).filter(story__in=stories.values("pk"))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_view(request.user, obj.story))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit(request.user, obj.story))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit(request.user, obj.story))

    def has_add_permission(self, request):
        return False  # through the story's "Add update" page, which checks the story

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # django-reversion writes the old row back (in a transaction it rolls back for a
        # look) before it asks who is looking: ask first, by the update's story.
        update = self.get_object(request, object_id)
        if update is None or not self.has_view_permission(request, update):
            raise Http404("No such update.")
        if request.method == "POST" and not self.has_change_permission(request, update):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        raise PermissionDenied  # a deleted update stays deleted; its story's log says what

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied

    def save_model(self, request, obj, form, change):
        live.edit_update(update=obj, by=request.user)

    def delete_model(self, request, obj):
        live.delete_update(update=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for update in queryset.select_related("story"):
            live.delete_update(update=update, by=request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, add, change, form_url, obj)
