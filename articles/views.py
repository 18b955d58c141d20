"""Public story pages. Each view picks a public queryset, paginates and renders."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import ListView
from taggit.models import Tag

from articles.models import Article, Section

LATEST_STORIES = 5


class StoryListView(ListView):
    """A paginated list of public teasers; subclasses narrow the queryset."""

    context_object_name = "stories"

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_STORIES_PER_PAGE

    def stories(self):
        return Article.objects.public()

    def get_queryset(self):
        return self.stories().for_listing().latest_first()


class HomeView(StoryListView):
    template_name = "articles/home.html"


class SectionView(StoryListView):
    template_name = "articles/section.html"

    def stories(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["section"])
        return Article.objects.public().in_section(self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section, current_section=self.section.slug, **kwargs
        )


class TagView(StoryListView):
    template_name = "articles/tag.html"

    def stories(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return Article.objects.public().tagged(self.tag)

    def paginate_queryset(self, queryset, page_size):
        paginated = super().paginate_queryset(queryset, page_size)
        # A tag used only on unpublished stories must not reveal itself (embargoes).
        if paginated[0].count == 0:
            raise Http404("No public stories carry this tag.")
        return paginated

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


def story(request, section, slug):
    article = get_object_or_404(Article.objects.public().for_story_page(), slug=slug)
    if article.section.slug != section:
        return redirect(article, permanent=True)
    latest = (
        Article.objects.public()
        .exclude(pk=article.pk)
        .select_related("section")
        .latest_first()
        .only("headline", "slug", "publish_at", "section__slug", "section__name")
    )[:LATEST_STORIES]
    return render(
        request,
        "articles/story.html",
        {"story": article, "latest": latest, "current_section": article.section.slug},
    )
