"""Stories in the admin: writing, bylines, tags, corrections, and the workflow around them."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.forms.models import construct_instance
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_prose_editor.widgets import AdminProseEditorWidget
from js_asset import Media
from reversion.admin import VersionAdmin
from taggit.models import Tag
from taggit.utils import parse_tags

from articles import bylines, drafts, history, merging, workflow
from articles.admin import live, writing
from articles.admin.common import NewsroomAdminMedia, photo_thumbnail
from articles.admin.lists import MyStoriesFilter, StoryListMixin, local_time
from articles.admin.story_history import StoryHistoryMixin, confirmed
from articles.markup import media_url
from articles.models import Article, Byline, BylineRole, Correction, Photo, PreviewLink, StaleEdit
from articles.permissions import (
    can_add_live_update,
    can_edit,
    can_end_coverage,
    can_publish,
    can_trash,
    can_view,
    viewable,
)
from authors.models import Author
from events.stories import snapshot

BODY_EDITOR = {
    "extensions": {
        "Bold": True,
        "Italic": True,
        "Strike": True,
        "Subscript": True,
        "Superscript": True,
        "Heading": {"levels": [2, 3, 4]},
        "BulletList": True,
        "OrderedList": True,
        "ListItem": True,
        "Blockquote": True,
        "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
        "HorizontalRule": True,
        "HardBreak": True,
        "Figure": True,
        "Image": True,
        "Caption": True,
        "History": True,
        # The library turns the browser's spellcheck off by default; writers want it.
        "NoSpellCheck": False,
    }
}


class BylineForm(forms.ModelForm):
    """A byline whose role is left out is Written by, as everywhere else."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].required = False

    def clean_role(self):
        return self.cleaned_data.get("role") or BylineRole.objects.get(pk=BylineRole.default_pk())


class BylineInline(admin.TabularInline):
    """Authors picked by name (autocomplete) and put in order by dragging or with the move
    buttons (static/admin/byline_order.js); no link beside a byline edits or deletes the
    author's profile."""

    model = Byline
    form = BylineForm
    autocomplete_fields = ["author"]
    fields = ["author", "role", "position"]
    verbose_name = _("author")
    verbose_name_plural = _("bylines (in the order they read)")

    class Media:
        js = ["admin/byline_order.js"]

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj is not None and obj.bylines.exists() else 1

    def get_queryset(self, request):
        # A saved byline prints its author's name over its row.
        return super().get_queryset(request).select_related("author")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("author", "role"):
            wrapper = field.widget
            wrapper.can_change_related = wrapper.can_delete_related = False
            wrapper.can_view_related = False
        if db_field.name == "role":
            # The roles read once for every row of this request's form, not once per row
            # (iter(): list() would first ask the choices their length, a COUNT query). Written
            # by first: a new row's default makes it again where a flush emptied the roles, and
            # a list read before that lacked it, so an untouched new row looked changed.
            BylineRole.default_pk()
            field.choices = list(iter(field.choices))
        return field


class CorrectionInline(admin.StackedInline):
    """Corrections and updates: editors only, and each one moves the story's updated time."""

    model = Correction
    fields = ["kind", "published_at", "text"]
    extra = 0
    verbose_name_plural = _("corrections and updates (shown on the story, dated)")

    def has_add_permission(self, request, obj=None):
        return can_publish(request.user)

    def has_change_permission(self, request, obj=None):
        return can_publish(request.user)

    def has_delete_permission(self, request, obj=None):
        return can_publish(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("articles.view_article")


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
    # The version the editor opened; a save from an older one is refused (see clean()).
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "dek",
            "section",
            "story_type",
            "sponsor_name",
            "sponsor_url",
            "body",
            "teaser",
            "lead_photo",
            "tags",
        ]
        widgets = {
            "headline": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "slug": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "body": AdminProseEditorWidget(config=BODY_EDITOR, preset="configurable"),
            "teaser": forms.Textarea(attrs={"rows": 3}),
            "dek": forms.TextInput(attrs={"class": "vLargeTextField"}),
        }

    editor = None  # set by ArticleAdmin.get_form: who is saving

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        if "story_type" in self.fields:
            self.fields["story_type"].required = False  # left out: News, the default
            self.fields["story_type"].has_changed = self._story_type_changed
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def _story_type_changed(self, initial, data) -> bool:
        """Left out of a post, the type stays what it was: no change to log or announce."""
        field = self.fields["story_type"]
        return bool(data) and forms.TypedChoiceField.has_changed(field, initial, data)

    def clean_story_type(self):
        # Left out: the type it has (News for a new story), never a silent change.
        return (
            self.cleaned_data.get("story_type")
            or self.instance.story_type
            or Article.StoryType.NEWS
        )

    def clean(self):
        data = super().clean()
        data["tags"] = list(data.get("tags") or []) + parse_tags(data.get("new_tags", ""))
        loaded = data.get("loaded_version")
        if self.instance.pk and loaded is not None:
            current = Article.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            if current.first() != loaded:
                self.refuse_stale_edit(loaded)
            # The database update itself only matches this version (Article._do_update).
            self.instance.version = loaded
        return data

    def _post_clean(self):
        super()._post_clean()
        # A Sponsored story names its sponsor from its first save, not only at publishing.
        if not self.errors and self.instance.is_sponsored:
            for field, problem in workflow.sponsor_problems(self.instance).items():
                self.add_error(field, problem)
        # A live or scheduled story keeps passing the checks Publish made (workflow).
        if self.instance.pk and not self.errors:
            previous = Article.objects.get(pk=self.instance.pk)
            for problem in workflow.new_publication_problems(self.instance, previous):
                self.add_error(None, problem)

    def refuse_stale_edit(self, loaded: int):
        """Keep the editor's text as a (refused) revision and open the merge view: the form
        comes back holding their version where only they changed a field, yours where only
        you did, and asks where both did; saved again, it goes on top of their version."""
        refused = Article.objects.get(pk=self.instance.pk)
        construct_instance(self, refused, fields=self._meta.fields)
        refused.version = loaded
        history.keep_refused_edit(article=refused, by=self.editor)
        current = Article.objects.get(pk=self.instance.pk)
        labels = {name: field.label for name, field in self.fields.items()}
        self.conflict = merging.three_way(
            article=current, loaded=loaded, yours=self.cleaned_data, labels=labels, posted=self.data
        )
        self.data = self.data.copy()
        self.data["loaded_version"] = current.version
        if self.conflict.byline_data:
            # The Bylines box is sent back holding the side taken (ArticleAdmin.merged_inlines).
            for key in [key for key in self.data if key.startswith("bylines-")]:
                del self.data[key]
            self.data.update(self.conflict.byline_data)
        for row in self.conflict.rows:
            if row.outcome == "theirs" and row.name == "tags":
                self.data.setlist(self.add_prefix("tags"), [pk for pk, _ in row.theirs_raw["ids"]])
                self.data[self.add_prefix("new_tags")] = row.theirs_raw["new"]
            elif row.outcome == "theirs":
                self.data[self.add_prefix(row.name)] = row.theirs_raw
        raise ValidationError(
            _(
                "Someone else saved this story after you opened it, so it was not saved yet. "
                "Nothing you typed is lost: compare below, choose, and save again."
            ),
            code="stale",
        )


class VisibilityFilter(admin.SimpleListFilter):
    """Live, scheduled or not public, by the one visibility rule."""

    title = _("visibility")
    parameter_name = "visibility"

    def lookups(self, request, model_admin):
        return [
            ("live", _("Live on the site")),
            ("scheduled", _("Scheduled")),
            ("embargoed", _("Under embargo")),
            ("hidden", _("Not public")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.public()
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == "embargoed":
            return queryset.under_embargo()
        if self.value() == "hidden":
            return queryset.exclude(pk__in=Article.objects.public().values("pk"))
        return queryset


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP rows: a newsroom with 100,000 stories does not pay for a full
    COUNT on every list view; past the cap, editors narrow the list with search and filters."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self):
        return self.object_list[: self.COUNT_CAP + 1].count()


EMBARGO_ACTIONS = ("embargo", "lift", "extend")


def when(moment) -> str:
    """An instant as editors read it: in the newsroom's time zone, which is named."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "—"


PUBLIC_RULE = _("A story is public once its status is Published and its publish time has passed.")

WORKFLOW_ACTIONS = {
    "submit": (workflow.submit, _("Submitted for review.")),
    "publish": (workflow.publish, _("Published.")),
    "unpublish": (workflow.unpublish, _("Unpublished.")),
    "draft": (workflow.return_to_draft, _("Returned to draft.")),
}


@admin.register(Article)
class ArticleAdmin(StoryListMixin, StoryHistoryMixin, VersionAdmin):
    form = ArticleAdminForm
    inlines = [BylineInline, CorrectionInline]
    list_filter = [
        MyStoriesFilter,
        VisibilityFilter,
        "status",
        "story_type",
        "section",
        # Today, the past 7 days, this month: no query to list them, unlike a date hierarchy
        # (two scans of every story at 100,000 stories).
        "publish_at",
    ]
    list_select_related = ["section", "embargo_set_by"]
    search_fields = ["headline", "dek", "slug", "bylines__author__name"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["lead_photo"]
    readonly_fields = [
        "status_label",
        "publish_at",
        "lead_photo_preview",
        "first_published_at",
        "created_at",
        "updated_at",
        "created_by",
        "version",
    ]
    actions = ["submit_selected", "publish_selected", "unpublish_selected", "trash_selected"]
    save_on_top = True
    paginator = CappedCountPaginator
    show_full_result_count = False
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    fieldsets = [
        (None, {"fields": ["headline", "slug", "dek", "section", "story_type"]}),
        (
            _("Sponsor"),
            {
                "fields": ["sponsor_name", "sponsor_url"],
                "description": _(
                    "Sponsored stories only: who presents the story and a link to them. "
                    "The story is labelled Sponsored everywhere it appears."
                ),
            },
        ),
        (_("Story"), {"fields": ["body", "teaser"]}),
        (_("Lead photo"), {"fields": ["lead_photo", "lead_photo_preview"], "classes": ["nr-side"]}),
        (
            _("Publishing"),
            {
                "fields": ["status_label", "publish_at"],
                "description": format_lazy(
                    "{} {}",
                    PUBLIC_RULE,
                    _("Submit, publish, schedule or unpublish with the buttons below."),
                ),
                # On a saved story, admin/articles/article/_publishing.html.
                "classes": ["nr-side", "nr-publishing"],
            },
        ),
        (_("Topics"), {"fields": ["tags", "new_tags", "loaded_version"], "classes": ["nr-side"]}),
        (
            _("History"),
            {
                "fields": [
                    "first_published_at",
                    "created_at",
                    "updated_at",
                    "created_by",
                    "version",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        # Before the first save there are no workflow buttons to point at.
        return [
            (name, {**options, "description": PUBLIC_RULE} if name == _("Publishing") else options)
            for name, options in self.fieldsets
        ]

    class Media(NewsroomAdminMedia):
        css = {"all": [*NewsroomAdminMedia.css["all"], "admin/writing.css"]}
        js = [
            *NewsroomAdminMedia.js,
            "admin/photo_picker.js",
            "admin/embargo_countdown.js",
            "admin/local_times.js",
            "admin/autosave.js",
            "admin/presence.js",
            "admin/merge.js",
            "admin/story_form.js",
            "admin/story_photo.js",
        ]

    # Who sees and changes what (articles.permissions): enforced here, not by hidden buttons.
    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .live()
            .prefetch_related(
                Prefetch("bylines", queryset=Byline.objects.select_related("author", "role"))
            )
        )
        return viewable(request.user, queryset)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or can_view(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and can_trash(request.user)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_list_display(self, request):
        @admin.display(description=_("live"), empty_value="")
        def live_coverage(article):
            """On a Live story's row: the link to its "Add update" page, for who may post."""
            if not article.is_live:
                return ""
            if not can_add_live_update(request.user, article):
                return _("Live")
            return format_html(
                '<a class="button nr-add-update" href="{}">{}</a>',
                reverse("admin:articles_article_live_update", args=[article.pk]),
                _("Add update"),
            )

        return [*super().get_list_display(request), live_coverage]

    @admin.display(description=_("authors"))
    def byline(self, article):
        return bylines.phrase(article.bylines.all())

    def view_on_site(self, article):
        """The page readers see once it is public; until then, the staff preview (the public
        address of a draft is a 404)."""
        if article.is_public:
            return article.get_absolute_url()
        return reverse("articles:preview", args=[article.pk])

    @admin.display(description=_("current lead photo"))
    def lead_photo_preview(self, article):
        photo = article.lead_photo
        if not photo:
            return "—"
        warning = ""
        if not photo.is_usable:
            warning = format_html(
                '<p class="errornote">{}</p>',
                _(
                    "Its rights expired on %(day)s: readers do not see it, and the story cannot be "
                    "published with it."
                )
                % {"day": photo.rights_expire_on.isoformat()},
            )
        return format_html(
            '{}{}<div class="nr-credit">{} · {}</div>',
            warning,
            photo_thumbnail(photo, size=240),
            photo.credit_line,
            photo.licence_label,
        )

    # Saving
    def save_model(self, request, obj, form, change):
        if change:
            previous = Article.objects.get(pk=obj.pk)
            workflow.remember_old_urls(obj, previous)
            form.events_before = snapshot(previous)
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        workflow.record_edit(
            article=obj, by=request.user, created=not change, fields=form.changed_data
        )
        # Saved: the autosaved copy of these changes has done its job.
        drafts.forget(user=request.user, article=obj, token=request.POST.get("nr_draft_token", ""))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The event reads the story once its tags and bylines are saved too.
        changed = form.changed_data + [
            "bylines" for formset in formsets if formset.model is Byline and formset.has_changed()
        ]
        workflow.edited(
            article=form.instance, before=getattr(form, "events_before", None), fields=changed
        )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        # Through the workflow, each one checked and logged with its kind and text.
        for correction in formset.save(commit=False):
            if correction.pk is None:
                workflow.add_correction(
                    article=form.instance,
                    by=request.user,
                    kind=correction.kind,
                    text=correction.text,
                    at=correction.published_at,
                )
            else:
                workflow.edit_correction(correction=correction, by=request.user)
        for correction in formset.deleted_objects:
            workflow.delete_correction(correction=correction, by=request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Before VersionAdmin opens its revision block: history must hold the state this
        # edit starts from, even for stories made by code (seed, import).
        if request.method == "POST":
            history.ensure_initial_revision(object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Not inside VersionAdmin's revision block: each workflow action records its own
        # revision, with the state it started from (stories have no list_editable).
        return admin.ModelAdmin.changelist_view(self, request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEdit:
            # Lost the race between the form's check and the guarded UPDATE.
            messages.error(request, _("Someone else saved this story a moment ago; reload it."))
            return HttpResponseRedirect(request.path)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            user = request.user
            context.update(
                workflow_buttons=self.workflow_buttons(request, obj),
                preview_links=[
                    link
                    for link in obj.preview_links.filter(revoked_at__isnull=True).select_related(
                        "created_by"
                    )
                    if link.is_active
                ],
                can_share=(can_edit(user, obj) or can_publish(user)) and not obj.is_under_embargo,
                can_publish=can_publish(user),
                can_embargo=can_publish(user)
                and obj.status in (Article.Status.DRAFT, Article.Status.IN_REVIEW),
                embargo=obj.is_under_embargo,
                embargo_by=_who(obj.embargo_set_by),
                can_add_live_update=can_add_live_update(user, obj),
                can_end_coverage=can_end_coverage(user, obj),
                now=timezone.localtime(),
                newsroom_time_zone=settings.TIME_ZONE,
            )
        context.update(writing.context(request, obj))
        self.merged_inlines(request, context, obj)
        # The editor's import map is an inline script: it carries this request's CSP nonce.
        context["media"] = Media.from_media(context["media"], nonce=request.csp_nonce)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def merged_inlines(self, request, context, obj):
        """A save refused for someone else's newer one comes back with its Bylines box bound to
        the merged bylines (ArticleAdminForm.refuse_stale_edit), not to the rows it posted:
        those may name bylines deleted since, and miss the ones added since."""
        form = context["adminform"].form
        conflict = getattr(form, "conflict", None)
        if conflict is None or not conflict.byline_data:
            return
        shown = context["inline_admin_formsets"]
        formsets = []
        for index, inline_formset in enumerate(shown):
            formset, inline = inline_formset.formset, inline_formset.opts
            if formset.model is Byline:
                kwargs = self.get_formset_kwargs(request, obj, inline, formset.prefix)
                formset = type(formset)(**{**kwargs, "data": form.data})
                shown[index] = self.get_inline_formsets(request, [formset], [inline], obj)[0]
            formsets.append(formset)
        context["errors"] = helpers.AdminErrorList(form, formsets)

    def workflow_buttons(self, request, article):
        user, Status = request.user, Article.Status
        buttons = []
        if article.is_under_embargo:
            return buttons  # lifting and extending have forms of their own
        if article.status == Status.DRAFT and can_edit(user, article):
            buttons.append(("submit", _("Submit for review")))
        if can_publish(user) and article.status != Status.PUBLISHED:
            buttons.append(("publish", _("Publish now")))
        if can_publish(user) and article.is_scheduled:
            buttons.append(("publish", _("Publish now instead")))
        if can_publish(user) and article.status == Status.PUBLISHED:
            buttons.append(("unpublish", _("Unpublish")))
        if article.status in (Status.IN_REVIEW, Status.UNPUBLISHED) and (
            can_publish(user) or can_edit(user, article)
        ):
            buttons.append(("draft", _("Return to draft")))
        return buttons

    # Workflow pages
    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("schedule/", view(self.schedule_view), name="articles_article_schedule"),
            path("photos/", view(self.photo_search_view), name="articles_article_photos"),
            *writing.urls(view),
            path(
                "<path:object_id>/workflow/<slug:action>/",
                view(require_POST(self.workflow_view)),
                name="articles_article_workflow",
            ),
            path(
                "<path:object_id>/live/add/",
                view(lambda request, object_id: live.add_update_view(self, request, object_id)),
                name="articles_article_live_update",
            ),
            path(
                "<path:object_id>/live/<slug:action>/",
                view(
                    require_POST(
                        lambda request, object_id, action: live.coverage_view(
                            self, request, object_id, action
                        )
                    )
                ),
                name="articles_article_coverage",
            ),
            path(
                "<path:object_id>/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            *super().get_urls(),
        ]

    def _story(self, request, object_id):
        """The story a workflow page works on, if this user may see it (else not found)."""
        try:
            pk = int(object_id)
        except (TypeError, ValueError):
            raise Http404("No such story.") from None
        article = Article.objects.live().filter(pk=pk).first()
        if article is None or not can_view(request.user, article):
            raise Http404("No such story.")
        return article

    def workflow_view(self, request, object_id, action):
        article = self._story(request, object_id)
        change_url = reverse("admin:articles_article_change", args=[article.pk])
        if action == "unpublish" and not confirmed(request):
            # Only those who may unpublish are asked to confirm it.
            if not can_publish(request.user):
                raise PermissionDenied(_("Only editors may unpublish stories."))
            return self.confirm_unpublish(request, [article])
        try:
            if action in WORKFLOW_ACTIONS:
                function, done = WORKFLOW_ACTIONS[action]
                function(article=article, by=request.user)
            elif action == "schedule":
                at = forms.DateTimeField().clean(request.POST.get("at"))
                workflow.schedule(article=article, by=request.user, at=at)
                done = _("Scheduled for %(at)s.") % {"at": local_time(at)}
            elif action in EMBARGO_ACTIONS:
                done = self._embargo_action(request, article, action)
            elif action == "share":
                link = workflow.share_preview(article=article, by=request.user)
                done = format_html(
                    '{} <a href="{}">{}</a>',
                    _("Preview link ready; it works for 48 hours or until revoked:"),
                    request.build_absolute_uri(link.get_absolute_url()),
                    request.build_absolute_uri(link.get_absolute_url()),
                )
            elif action == "revoke":
                link = self._preview_link(article, request.POST.get("link"))
                workflow.revoke_preview(link=link, by=request.user)
                done = _("Preview link revoked.")
            elif action == "trash":
                workflow.trash(article=article, by=request.user)
                messages.success(request, _("Moved to the trash; it can be restored for 30 days."))
                return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
            else:
                raise PermissionDenied
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
        return HttpResponseRedirect(change_url)

    def _embargo_action(self, request, article, action):
        """Embargo, lift, extend: each a promise to a source (or breaking one), confirmed by
        a ticked box the server checks, not by a script."""
        if request.POST.get("confirm") != "yes":
            raise ValidationError(_("Tick the box to confirm; nothing was changed."))
        if action == "lift":
            workflow.lift_embargo(article=article, by=request.user)
            return _("Embargo lifted: the story is live now.")
        at = forms.DateTimeField().clean(request.POST.get("at"))
        function = workflow.embargo if action == "embargo" else workflow.extend_embargo
        function(article=article, by=request.user, until=at)
        return _("Under embargo until %(at)s.") % {"at": when(at)}

    def _preview_link(self, article, link_id):
        try:
            return get_object_or_404(PreviewLink, pk=int(link_id), article=article)
        except (TypeError, ValueError):
            raise Http404("No such preview link.") from None

    def photo_search_view(self, request):
        """Library photos for the body editor's picker, as JSON."""
        if not request.user.has_perm("articles.view_photo"):
            raise PermissionDenied
        # PostgreSQL text cannot hold NUL: such a search finds what the rest would.
        term = request.GET.get("q", "").replace("\x00", "").strip()[:100]
        # Story photos first: a headshot is rarely what a story's body needs.
        headshot = Exists(Author.objects.filter(headshot=OuterRef("pk")))
        photos = Photo.objects.annotate(is_headshot=headshot).order_by("is_headshot", "-pk")
        if term:
            photos = photos.filter(
                Q(caption__icontains=term)
                | Q(alt_text__icontains=term)
                | Q(credit__icontains=term)
                | Q(source__icontains=term)
            )
        results = [
            {
                "id": photo.pk,
                # The master's stable address: figures.py finds the photo by it on save.
                "src": media_url(photo.image.name),
                "alt": photo.alt_text,
                "caption": photo.caption,
                "credit_line": photo.credit_line,
            }
            for photo in photos[:12]
        ]
        return JsonResponse({"results": results})

    def schedule_view(self, request):
        """What goes live in the next seven days, by day."""
        days = history.schedule_by_day(viewable(request.user, Article.objects.live()), days=7)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Schedule: the next 7 days"),
            "opts": self.opts,
            "days": days,
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)

    def recover_view(self, request, version_id, extra_context=None):
        """Stories deleted for good stay deleted; the trash is where stories come back from."""
        raise PermissionDenied

    def recoverlist_view(self, request, extra_context=None):
        raise PermissionDenied

    # Deleting moves to the trash.
    def delete_model(self, request, obj):
        workflow.trash(article=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            workflow.trash(article=article, by=request.user)

    # Changelist actions
    def _each(self, request, queryset, function, done):
        count = 0
        for article in queryset:
            try:
                function(article=article, by=request.user)
                count += 1
            except (ValidationError, PermissionDenied) as error:
                reason = "; ".join(getattr(error, "messages", [str(error)]))
                messages.error(request, f"“{article.headline}”: {reason}")
        if count:
            messages.success(request, done % {"count": count})

    @admin.action(description=_("Submit selected stories for review"))
    def submit_selected(self, request, queryset):
        self._each(request, queryset, workflow.submit, _("%(count)d submitted for review."))

    @admin.action(description=_("Publish selected stories now"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._each(request, queryset, workflow.publish, _("%(count)d published."))

    @admin.action(description=_("Move selected stories to the trash"), permissions=["delete"])
    def trash_selected(self, request, queryset):
        self._each(request, queryset, workflow.trash, _("%(count)d moved to the trash."))
