"""Public story pages. Each view picks a public queryset, paginates and renders."""

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.generic import ListView
from taggit.models import Tag

from articles import cards, media, structured_data
from articles.models import Article, LiveUpdate, OldURL, PreviewLink, Section
from articles.paging import OlderNewerPaginator
from articles.permissions import can_view
from newsroom import fragments, pagecache, surrogate
from newsroom.jinja2 import macros
from newsroom.links import link
from newsroom.twofactor import staff_only

LATEST_STORIES = 5


# WordPress answers these queries on any path, whatever its permalink structure.
WORDPRESS_QUERIES = ("p", "page_id", "attachment_id")


def old_addresses(request) -> list[str]:
    """The stored old paths this request may be: its path, and its path with one
    WordPress query (/?p=123), whatever other parameters ride along."""
    return [request.path] + [
        f"{request.path}?{key}={request.GET[key]}"
        for key in WORDPRESS_QUERIES
        if key in request.GET
    ]


def moved(request):
    """The new home of a story or section that used to live at this address, or None."""
    addresses = old_addresses(request)
    if any("\x00" in address for address in addresses):
        return None  # PostgreSQL text cannot hold NUL: no stored address has one
    old = OldURL.objects.select_related("article__section", "section")
    old = old.filter(path__in=addresses).order_by("-path").first()
    if old is None:
        return None
    if old.article is not None:
        if not Article.objects.public().filter(pk=old.article_id).exists():
            return None
        return redirect(old.article, permanent=True)
    return redirect(old.section, permanent=True)


class StoryListView(ListView):
    """A paginated list of public teasers; subclasses narrow the queryset."""

    context_object_name = "stories"
    paginator_class = OlderNewerPaginator
    lead_first = False  # the first card of page 1 as the lead card

    def get_paginate_by(self, queryset):
        return settings.NEWSROOM_STORIES_PER_PAGE

    def stories(self):
        return Article.objects.public()

    def get_queryset(self):
        return cards.listing(self.request, self.stories()).latest_first()

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        try:
            page = paginator.page(self.request.GET.get("page") or 1)
        except InvalidPage:
            raise Http404("No such page.") from None
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead = self.lead_first and context["page_obj"].number == 1
        context["cards"] = cards.cards(
            self.request,
            context["stories"],
            lead_first=lead,
            notes=self.card_notes(context["stories"]),
        )
        return context

    def card_notes(self, stories) -> dict:
        """A line to print above some cards, by story id (the author page's roles)."""
        return {}


class HomeView(StoryListView):
    template_name = "articles/home.html"
    lead_first = True  # the front page leads with its newest story

    def stories(self):
        surrogate.add(self.request, "home")
        return super().stories()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            structured_data=[structured_data.website(self.request)], **kwargs
        )


class SectionView(StoryListView):
    template_name = "articles/section.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            if response := moved(request):
                return response
            raise

    def stories(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["section"])
        surrogate.add(self.request, f"section-{self.section.pk}", f"list-section-{self.section.pk}")
        return Article.objects.public().in_section(self.section)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            section=self.section, current_section=self.section.slug, **kwargs
        )


class TagView(StoryListView):
    template_name = "articles/tag.html"
    paginator_class = Paginator  # the tag page says how many stories carry the tag

    def stories(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        surrogate.add(self.request, f"tag-{self.tag.pk}", f"list-tag-{self.tag.pk}")
        return Article.objects.public().tagged(self.tag)

    def paginate_queryset(self, queryset, page_size):
        paginated = super().paginate_queryset(queryset, page_size)
        # A tag used only on unpublished stories must not reveal itself (embargoes).
        if paginated[0].count == 0:
            raise Http404("No public stories carry this tag.")
        return paginated

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)


def live_updates_of(story, *, preview=False):
    """A Live story's updates, newest first, as its page prints them: for readers only
    LiveUpdate.objects.public() (none at all unless the story is public); a staff preview
    shows what is posted so far."""
    if not story.is_live:
        return []
    updates = LiveUpdate.objects.public() if not preview else LiveUpdate.objects.all()
    updates = updates.filter(story=story)
    if preview:
        updates = updates.filter(published_at__lte=timezone.now())
    updates = list(updates.for_page().newest_first())
    for update in updates:
        update.story = story  # their permalinks build on the story's address: no query each
    return updates


def _story_parts(request, story, origin: str, *, preview=False) -> dict:
    """The title, description, <head> tags and <article> of a story page (_story.html)."""
    pieces = macros("_story.html")
    updates = live_updates_of(story, preview=preview)
    data = []
    if story.publish_at:
        article = structured_data.news_article(request, story)
        if story.is_live:
            article.update(structured_data.live_blog(request, story, updates))
        data = [article, structured_data.breadcrumbs(request, story)]
    live = None
    if story.is_live:
        live = {
            "updates": updates,
            "poll_url": link("articles:live_updates", section=story.section.slug, slug=story.slug),
            "poll_seconds": settings.NEWSROOM_LIVE_POLL_SECONDS,
        }
    return {
        "title": story.headline,
        "description": pieces.summary(story),
        "head": pieces.story_head(story, origin, data, settings.NEWSROOM_SITE_NAME),
        "article": pieces.story_article(story, live),
        "keys": surrogate.story_keys(story, page=True, updates=updates),
        "live_open": story.coverage_is_open,
    }


def _latest(request, *, besides) -> list:
    """The newest public stories but `besides`, for the sidebar."""

    def make(names):
        rows = (
            Article.objects.public()
            .select_related("section")
            .latest_first()
            .only("headline", "slug", "publish_at", "section__slug")
        )[: LATEST_STORIES + 1]
        return {
            "latest": [
                {"pk": row.pk, "headline": row.headline, "url": row.get_absolute_url(),
                 "publish_at": row.publish_at}
                for row in rows
            ]
        }  # fmt: skip

    latest = fragments.get_or_make(request, ["latest"], make)["latest"]
    shown = [item for item in latest if item["pk"] != besides.pk][:LATEST_STORIES]
    # The list changes with every story going live: `latest` names it.
    surrogate.add(request, "latest", *(f"story-{item['pk']}" for item in shown))
    return shown


def _story_piece(request, slug) -> tuple[str, str]:
    """The fragment name of a story's parts, and the origin their absolute URLs carry."""
    origin = f"{request.scheme}://{request.get_host()}"
    return f"story:{slug}:{origin}", origin


def render_story(request, article, *, preview=None, whole=True):
    """A story page from `article` as for_story_page() reads it, or (`whole=False`) from
    only its address, the rest coming from the fragment cache or read when missing."""
    name, origin = _story_piece(request, article.slug)

    def make(names):
        full = article if whole else Article.objects.for_story_page().get(pk=article.pk)
        return {name: _story_parts(request, full, origin, preview=bool(preview))}

    parts = fragments.get_or_make(request, [name], make)[name]
    surrogate.add(request, *parts["keys"])
    response = render(
        request,
        "articles/story.html",
        {
            "story": article,
            "parts": parts,
            "latest": _latest(request, besides=article),
            "current_section": article.section.slug,
            "preview": preview,
        },
    )
    if preview:
        response["X-Robots-Tag"] = "noindex, nofollow"
    if parts.get("live_open"):
        # Updates are posted without the story being saved: browsers and CDNs keep an open
        # live story's page as briefly as its updates (newsroom.pagecache).
        response.cache_seconds = settings.NEWSROOM_LIVE_CACHE_SECONDS
    return response


def _public_story(request, slug):
    """The public story with this slug (or None), and whether it was read whole. With
    fragments its address (id and section) is a piece too: with that, and the page's other
    pieces, a story page reads nothing from the database."""
    name = f"address:{slug}"
    frags = fragments.of(request)
    if frags is not None and (address := frags.get_many([name]).get(name)):
        pk, section_slug = address
        return Article(pk=pk, slug=slug, section=Section(slug=section_slug)), False
    article = Article.objects.public().for_story_page().filter(slug=slug).first()
    if frags is not None and article is not None:
        frags.set_many({name: (article.pk, article.section.slug)})
    return article, True


def story(request, section, slug):
    piece, _ = _story_piece(request, slug)
    fragments.read_ahead(request, [f"address:{slug}", piece, "latest", "nav"])
    article, whole = _public_story(request, slug)
    if article is None:
        if response := moved(request):
            return response
        raise Http404("No such story.")
    if article.section.slug != section:
        return redirect(article, permanent=True)
    return render_story(request, article, whole=whole)


@never_cache
@staff_only
def staff_preview(request, pk):
    """A story in any state, in its public layout, for staff who may see it (can_view)."""
    article = get_object_or_404(Article.objects.for_story_page(), pk=pk)
    if not can_view(request.user, article):
        raise Http404("No such story.")
    return render_story(request, article, preview={"kind": "staff"})


@never_cache
def shared_preview(request, token):
    """A preview for someone without an account, through a signed, expiring link."""
    link = PreviewLink.from_token(token)
    if link is None:
        raise Http404("No such preview.")
    if not link.is_active:
        return render(request, "articles/preview_gone.html", {"link": link}, status=410)
    # A story taken down is never shown through a link, even one a takedown left open.
    article = get_object_or_404(Article.objects.for_story_page().previewable(), pk=link.article_id)
    response = render_story(request, article, preview={"kind": "shared", "link": link})
    media.remember_preview(request, response, link=link)  # its photos are not public yet
    return response


# How many of the newest updates the endpoint carries: a page that has missed more (a tab
# hidden for long) is told the list is not complete and reloads instead.
LIVE_UPDATES_POLLED = 20


def live_updates(request, section, slug):
    """A Live story's newest updates as JSON, for static/js/live.js on open pages.

    One address per story and no query string, so the page cache (and a CDN) hold one copy
    that every reader shares: rendered once per content change (pagecache.render_once), kept
    by browsers and CDNs for NEWSROOM_LIVE_CACHE_SECONDS. Only a public Live story answers."""
    return pagecache.render_once(request, lambda: _live_updates_json(request, section, slug))


def _live_updates_json(request, section, slug):
    story = (
        Article.objects.public()
        .filter(slug=slug, section__slug=section, story_type=Article.StoryType.LIVE)
        .select_related("section")
        .only("pk", "slug", "story_type", "coverage_ended_at", "section__slug")
        .first()
    )
    if story is None:
        raise Http404("No such live story.")
    rows = (
        LiveUpdate.objects.public()
        .filter(story=story)
        .for_page()
        .newest_first()[: LIVE_UPDATES_POLLED + 1]
    )
    rows = list(rows)
    for update in rows:
        update.story = story
    shown = rows[:LIVE_UPDATES_POLLED]
    surrogate.add(request, f"story-{story.pk}", *surrogate.update_keys(shown))
    pieces = macros("_live.html")
    response = JsonResponse(
        {
            "open": story.coverage_ended_at is None,
            "status": str(pieces.coverage_status(story)).strip(),
            "complete": len(rows) <= LIVE_UPDATES_POLLED,
            "updates": [
                {
                    "id": update.pk,
                    "key_event": update.key_event,
                    "html": str(pieces.live_update(update)).strip(),
                    "key_event_html": str(pieces.key_event_item(update)).strip()
                    if update.key_event
                    else "",
                }
                for update in shown
            ],
        }
    )
    response.cache_seconds = settings.NEWSROOM_LIVE_CACHE_SECONDS
    return response
