"""A story's history in the admin (compare revisions, restore one) and the confirmations that
stand before the two clicks that change what readers see: Restore and Unpublish."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import history, workflow
from articles.permissions import can_edit

CONFIRM_TEMPLATE = "admin/articles/article/confirm.html"


def confirmed(request) -> bool:
    return request.POST.get("confirmed") == "yes"


class StoryHistoryMixin:
    def _confirm(self, request, *, title, explanation, confirm_label, cancel_url, **extra):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "explanation": explanation,
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "action_url": request.get_full_path(),
            "hidden": [],
            "rows": None,
            **extra,
        }
        return TemplateResponse(request, CONFIRM_TEMPLATE, context)

    def confirm_unpublish(self, request, stories, *, from_list=False):
        """Unpublish takes a story off the site: one click asks first, and says what happens."""
        live = [story for story in stories if story.is_public]
        explanation = [
            _(
                "Unpublishing takes a story off the site at once: its page answers “not "
                "found”, and it leaves the home and section pages, feeds, sitemaps and search. "
                "Shared preview links stop working."
            ),
            _(
                "The story stays in the newsroom, marked Unpublished, with its history. An "
                "editor can publish it again."
            ),
        ]
        if not live:
            explanation.insert(0, _("None of these stories is live on the site now."))
        hidden = []
        if from_list:
            hidden = [("action", "unpublish_selected")] + [
                (helpers.ACTION_CHECKBOX_NAME, story.pk) for story in stories
            ]
        one = len(stories) == 1
        return self._confirm(
            request,
            title=_("Unpublish “%(headline)s”?") % {"headline": stories[0].headline}
            if one
            else _("Unpublish %(count)d stories?") % {"count": len(stories)},
            explanation=explanation,
            confirm_label=_("Yes, take it off the site") if one else _("Yes, take them off"),
            cancel_url=reverse("admin:articles_article_change", args=[stories[0].pk])
            if one and not from_list
            else reverse("admin:articles_article_changelist"),
            original=stories[0] if one and not from_list else None,
            stories=stories if from_list else None,
            hidden=hidden,
            danger=True,
        )

    def confirm_restore(self, request, article, version):
        when = date_format(version.revision.date_created, "DATETIME_FORMAT")
        by = version.revision.user or _("someone")
        explanation = [
            _(
                "Restoring brings back the headline, slug, dek, section, body, teaser and lead "
                "photo of the revision saved %(when)s by %(by)s, as a new revision; the "
                "current words stay in the history."
            )
            % {"when": when, "by": by},
            _("The status, publish time, bylines, tags and corrections stay as they are now."),
        ]
        if article.is_public:
            explanation.append(_("This story is live: readers see the restored words at once."))
        return self._confirm(
            request,
            title=_("Restore the revision of %(when)s?") % {"when": when},
            explanation=explanation,
            confirm_label=_("Yes, restore this revision"),
            cancel_url=reverse("admin:articles_article_compare", args=[article.pk]),
            original=article,
            hidden=[("version", version.pk)],
            rows=history.compare_with_story(version, article),
        )

    def compare_view(self, request, object_id):
        article = self._story(request, object_id)
        if request.method == "POST":
            version = history.version_of(article, request.POST.get("version"))
            return self._restore(request, article, version)
        versions = history.versions_of(article)
        older = history.version_of(article, request.GET.get("a")) if request.GET.get("a") else None
        newer = history.version_of(article, request.GET.get("b")) if request.GET.get("b") else None
        if older is None and len(versions) > 1:
            older = versions[1]
        if newer is None and versions:
            newer = versions[0]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Compare revisions of “%(headline)s”") % {"headline": article.headline},
            "opts": self.opts,
            "original": article,
            "versions": versions,
            "restorable": {v.pk for v in versions[1:] if not history.is_refused(v)},
            "older": older,
            "newer": newer,
            "rows": history.compare(older, newer) if older and newer else [],
            "can_restore": can_edit(request.user, article),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def _restore(self, request, article, version):
        # Refused before anything is offered: a confirmation page is an offer.
        if not can_edit(request.user, article):
            raise PermissionDenied(_("You may not change this story."))
        compare_url = reverse("admin:articles_article_compare", args=[article.pk])
        if history.is_refused(version):
            messages.error(
                request,
                _(
                    "That revision is an edit that was refused because someone saved first; it "
                    "was never the story's state, so it cannot be restored. Copy what you need."
                ),
            )
            return HttpResponseRedirect(f"{compare_url}?a={version.pk}")
        if not confirmed(request):
            return self.confirm_restore(request, article, version)
        try:
            workflow.restore_revision(article=article, version=version, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(f"{compare_url}?a={version.pk}")
        messages.success(request, _("The earlier revision is restored as a new revision."))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    # django-reversion's own revert and recover pages write an old row back whole: status,
    # publish time, trash state and version included, past every check and the log. Here a
    # revision is compared, and restoring it brings back its words through the workflow.
    def revision_view(self, request, object_id, version_id, extra_context=None):
        article = self._story(request, object_id)
        version = history.version_of(article, version_id)
        if request.method == "POST":
            return self._restore(request, article, version)
        compare_url = reverse("admin:articles_article_compare", args=[article.pk])
        return HttpResponseRedirect(f"{compare_url}?a={version.pk}")

    @admin.action(description=gettext_lazy("Unpublish selected stories"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        stories = list(queryset)
        if not confirmed(request):
            return self.confirm_unpublish(request, stories, from_list=True)
        self._each(request, stories, workflow.unpublish, _("%(count)d unpublished."))
