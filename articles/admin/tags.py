"""Tags in the admin: django-taggit's own tag admin (merging included), with slugs in any
script accepted and filled in as newsroom/slugs.py makes them."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from taggit.admin import TagAdmin
from taggit.forms import MergeTagsForm
from taggit.models import Tag

from articles.admin.common import NewsroomAdminMedia, RecordsContentEvents
from articles.models import Article
from events import content as content_events
from events.stories import snapshot, story_changed
from newsroom.slugs import SlugFormField


class TagForm(forms.ModelForm):
    slug = SlugFormField(max_length=100)

    class Meta:
        model = Tag
        fields = ["name", "slug"]


admin.site.unregister(Tag)


@transaction.atomic
def merge_tags(tags: list[Tag], into: str) -> Tag:
    """Put the tag named ``into`` (made if new) on every story that has one of ``tags`` in
    their place, as content events in the same transaction: each tag that lost or gained
    stories, and each public story whose tags changed (readers see it on its page and in the
    tag lists). Merging into one of the selected tags keeps it."""
    target, _ = Tag.objects.get_or_create(name=into)
    others = [tag for tag in tags if tag.pk != target.pk]
    stories = list(Article.objects.filter(tags__in=others).distinct().order_by("pk"))
    before = {story.pk: snapshot(story) for story in stories}
    for story in stories:
        story.tags.remove(*others)
        story.tags.add(target)
    for tag in [*others, target]:
        content_events.changed(tag)
    for story in stories:
        story_changed(article=story, before=before[story.pk], changed=["tags"])
    return target


@admin.register(Tag)
class NewsroomTagAdmin(RecordsContentEvents, TagAdmin):
    form = TagForm
    Media = NewsroomAdminMedia

    def merge_tags_view(self, request):
        """taggit's merge page, merging through merge_tags() (events, and a merge into one
        of the selected tags that keeps it instead of taking it off every story), for those
        who may change tags (taggit asks only for staff status)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        selected = [pk for pk in request.session.get("selected_tag_ids", "").split(",") if pk]
        if request.method == "POST":
            form = MergeTagsForm(request.POST)
            if form.is_valid():
                merge_tags(
                    list(Tag.objects.filter(pk__in=selected)), form.cleaned_data["new_tag_name"]
                )
                self.message_user(request, "Tags have been merged", level="success")
                request.session.pop("selected_tag_ids", None)
                return redirect("..")
            self.message_user(request, "Form is invalid.", level="error")
        context = {"form": MergeTagsForm(), "selected_tag_ids": selected}
        return render(request, "admin/taggit/merge_tags_form.html", context)
