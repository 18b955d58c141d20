"""The staff site: Django's admin, with the guards every model's admin gets, ours and those of
the apps we use (taggit's tags, the users) alike.

Each ModelAdmin registered here is given ``GuardedModelAdmin`` first in its bases, so bad
input a hand-made URL can carry is a clear answer on every admin page, not a 500 on the
pages someone remembered to guard:

- a NUL in a search (the list's search box, the autocomplete widgets' ``term``): PostgreSQL
  text cannot hold one, so it is dropped and the search finds what the rest would;
- a date-hierarchy link past the calendar (``publish_at__year=9999``): the list answers as it
  does for any bad filter, without it (Django only catches a date that does not exist);
- an action posted with ids that are not this model's keys (``_selected_action=abc``): a
  message, and nothing done.
"""

from functools import cache

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _


class CheckedDateHierarchy:
    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            # datetime(9999, 12, 31) + one day, or replace(year=10000): past the calendar.
            raise IncorrectLookupParameters(error) from error


@cache
def _checked(changelist):
    return type(changelist.__name__, (CheckedDateHierarchy, changelist), {})


class GuardedModelAdmin:
    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def get_changelist(self, request, **kwargs):
        return _checked(super().get_changelist(request, **kwargs))

    def response_action(self, request, queryset):
        key = self.model._meta.pk
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                key.clean(key.to_python(value), None)
        except ValidationError:
            self.message_user(
                request,
                _("Nothing was done: the selection names items that are not in this list."),
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


@cache
def guarded(admin_class):
    if issubclass(admin_class, GuardedModelAdmin):
        return admin_class
    return type(admin_class.__name__, (GuardedModelAdmin, admin_class), {})


class NewsroomAdminSite(admin.AdminSite):
    """The home page is the newsroom dashboard (articles.desk); Django's list of every model
    stays one link away, at models/."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = guarded(admin_class or admin.ModelAdmin)
        super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        return [
            path("models/", self.admin_view(self.models_view), name="models"),
            *super().get_urls(),
        ]

    def get_app_list(self, request, app_label=None):
        """Tags are the newsroom's, not a separate app called "Taggit": they are listed with
        stories and photos."""
        apps = super().get_app_list(request, app_label)
        taggit = next((app for app in apps if app["app_label"] == "taggit"), None)
        articles = next((app for app in apps if app["app_label"] == "articles"), None)
        if taggit and articles:
            articles["models"] = sorted(
                articles["models"] + taggit["models"], key=lambda model: model["name"]
            )
            apps.remove(taggit)
        return apps

    def index(self, request, extra_context=None):
        from articles.desk import desk_for

        context = {
            **self.each_context(request),
            "title": _("Newsroom"),
            "subtitle": None,
            "desk": desk_for(request.user),
            "newsroom_zone": timezone.get_current_timezone_name(),
            "show_all_models": request.user.is_superuser
            or request.user.has_perm("auth.change_user"),
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/dashboard.html", context)

    def models_view(self, request):
        """Django's own admin index: every model this user may see, by app."""
        return super().index(request, {"title": _("All models")})
