from django.conf import settings
from django.utils.functional import SimpleLazyObject

from articles.models import Section
from newsroom import fragments, surrogate


def navigation(request) -> list:
    """The sections, in the masthead's order; a fragment for readers (newsroom/fragments.py)."""

    def make(names):
        sections = Section.objects.only("name", "slug")
        return {"nav": [(s.pk, s.slug, s.name) for s in sections]}

    nav = fragments.get_or_make(request, ["nav"], make)["nav"]
    # Every page that draws the navigation prints each section's name.
    surrogate.add(request, *(f"section-{pk}" for pk, _, _ in nav))
    return [Section(pk=pk, slug=slug, name=name) for pk, slug, name in nav]


def site(request):
    """The site's name, tagline and section navigation, for the layout.

    The navigation is lazy: pages that do not draw it (the admin) never read it.
    """
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_tagline": settings.NEWSROOM_SITE_TAGLINE,
        "nav_sections": SimpleLazyObject(lambda: navigation(request)),
    }
