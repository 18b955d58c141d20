from django.conf import settings

from articles.models import Section


def site(request):
    """The site's name, tagline and section navigation, for the layout.

    The sections queryset is lazy: pages that do not draw the navigation (the admin)
    never run it.
    """
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "site_tagline": settings.NEWSROOM_SITE_TAGLINE,
        "nav_sections": Section.objects.only("name", "slug"),
    }
