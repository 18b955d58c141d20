"""Sitemaps for search engines: stories (with their photos), sections, authors, tags, and a
Google News sitemap of the last two days. Only public stories, through the one rule.

Every file the index lists validates against the sitemap schemas, in every state of the site.
The schema has no valid empty file (a <urlset> needs one <url>, a <sitemapindex> one
<sitemap>), so a file with nothing in it (no story in the last two days, no author with a
public story) is left out of the index and answers 404, as Django's sitemaps already answer
for a page past the last. The sections file always holds the home page, so the index is never
empty either, even on a fresh install.
"""

from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import EmptyPage, Paginator
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from taggit.models import Tag

from articles.markup import media_url
from articles.models import Article, Byline, Photo, Section
from articles.paging import SitemapFilePaginator
from authors.models import Author
from newsroom.links import link


class NewsroomSitemap(Sitemap):
    """Adds what the one template (templates/sitemap.xml) prints beyond loc and lastmod.

    One instance serves one request. It reads its items and counts them once: the index
    asks for the count (to leave out empty files and to number the pages) and the lastmod,
    and the authors' and tags' items are computed lists, not lazy querysets."""

    paginator_class = Paginator

    @cached_property
    def item_list(self):
        return self.items()

    def _items(self):
        return self.item_list

    @cached_property
    def paginator(self):
        return self.paginator_class(self._items(), self.limit)

    def is_empty(self) -> bool:
        return self.paginator.count == 0

    def extras(self, item, base: str) -> dict:
        return {}

    def get_latest_lastmod(self):
        stamps = [self.lastmod(item) for item in self._items()]
        return max((stamp for stamp in stamps if stamp), default=None)

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        if not urls:
            # No valid empty <urlset> exists: Django's view answers 404, as past the last page.
            raise EmptyPage("This sitemap is empty.")
        base = f"{self.get_protocol(protocol)}://{self.get_domain(site)}"
        for url in urls:
            url.update(self.extras(url["item"], base))
        return urls


def _latest_public(**link):
    """The newest public story's publish time, for each row: a subquery of public()."""
    stories = Article.objects.public().filter(**link).order_by("-publish_at")
    return Subquery(stories.values("publish_at")[:1])


class StorySitemap(NewsroomSitemap):
    # The protocol allows 50,000 URLs a file; 1,000 (about 240 KB with image entries) keeps
    # each file quick to build when it is not cached and cheap to serve when it is; the
    # index lists as many files as it takes.
    limit = 1_000
    paginator_class = SitemapFilePaginator

    def stories(self):
        return Article.objects.public()

    def items(self):
        # Plain rows, not models: a thousand stories with their sections and photos as
        # model instances (and each photo's whole rendition manifest decoded) cost more than
        # everything else in the file. Only the story JPEGs of the manifest are read.
        return (
            self.stories()
            .order_by("-publish_at", "-id")
            .values_list(
                "slug",
                "headline",
                "publish_at",
                "updated_at",
                "section__slug",
                "lead_photo__rights_expire_on",
                "lead_photo__renditions__story__jpg",
                named=True,
            )
        )

    def location(self, item):
        return link("articles:story", section=item.section__slug, slug=item.slug)

    def lastmod(self, item):
        return max(item.updated_at, item.publish_at)

    def get_latest_lastmod(self):
        stamps = self.stories().aggregate(Max("updated_at"), Max("publish_at"))
        return max((v for v in stamps.values() if v), default=None)

    def extras(self, item, base):
        jpegs = item.lead_photo__renditions__story__jpg
        if not jpegs or not Photo.rights_allow(item.lead_photo__rights_expire_on):
            return {}  # no renditions: nothing a reader may fetch (masters are never public)
        return {"images": [{"loc": base + media_url(jpegs[-1][0])}]}


class NewsSitemap(StorySitemap):
    """Google News: public stories published in the last 48 hours. Sponsored stories are
    advertising, which Google News does not take: they stay in the plain sitemap only."""

    limit = 1000

    def stories(self):
        recent = super().stories().filter(publish_at__gte=timezone.now() - timedelta(hours=48))
        return recent.exclude(story_type=Article.StoryType.SPONSORED)

    def extras(self, item, base):
        return {
            **super().extras(item, base),
            "news": {
                "name": settings.NEWSROOM_SITE_NAME,
                "language": settings.LANGUAGE_CODE.split("-")[0],
                "date": item.publish_at,
                "title": item.headline,
            },
        }


class SectionSitemap(NewsroomSitemap):
    """The home page, then every section: the home page is there on a site with no story
    and no section yet, so this file, and the index, are never empty."""

    def items(self):
        sections = list(
            Section.objects.annotate(latest=_latest_public(section=OuterRef("pk"))).order_by(
                "order", "name"
            )
        )
        # Every story is in a section: the newest section's story is the home page's newest.
        latest = max((s.latest for s in sections if s.latest), default=None)
        home = SimpleNamespace(location=reverse("articles:home"), latest=latest)
        return [home, *sections]

    def location(self, item):
        return item.location if isinstance(item, SimpleNamespace) else item.get_absolute_url()

    def lastmod(self, item):
        return item.latest


class AuthorSitemap(NewsroomSitemap):
    def items(self):
        # One pass over the bylines of public stories, grouped by author (a latest-story
        # subquery for each author took 0.3 s on 300 authors and 10,000 stories).
        # Which authors: Author.objects.public(), the rule every public surface keeps; both
        # queries read the same instant.
        now = timezone.now()
        latest = dict(
            Byline.objects.filter(article__in=Article.objects.public(at=now))
            .order_by()
            .values_list("author")
            .annotate(latest=Max("article__publish_at"))
            .values_list("author", "latest")
        )
        authors = list(Author.objects.public(at=now).order_by("name"))
        for author in authors:
            author.latest = latest[author.pk]
        return authors

    def lastmod(self, item):
        return item.latest


class TagSitemap(NewsroomSitemap):
    def items(self):
        latest = {
            row["tags__id"]: max(row["published"], row["updated"])
            for row in Article.objects.public()
            .filter(tags__isnull=False)
            .values("tags__id")
            .annotate(published=Max("publish_at"), updated=Max("updated_at"))
        }
        tags = list(Tag.objects.filter(pk__in=latest).order_by("name"))
        for tag in tags:
            tag.latest = latest[tag.pk]
        return tags

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.latest


SITEMAPS = {
    "stories": StorySitemap,
    "news": NewsSitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "tags": TagSitemap,
}


def index(request):
    """The sitemap index, listing only the files with something in them (see the module's
    docstring). Deciding costs nothing more: the count the index reads to number each file's
    pages is the one that says it is empty."""
    sitemaps = {name: kind() for name, kind in SITEMAPS.items()}
    listed = {name: site for name, site in sitemaps.items() if not site.is_empty()}
    return sitemap_views.index(request, sitemaps=listed, sitemap_url_name="sitemap")
