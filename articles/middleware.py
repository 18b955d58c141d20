"""Old addresses answer 301 wherever they point: a path stored as an OldURL redirects even
when no view claims it (WordPress's /2026/01/slug/, /?p=123, attachment pages)."""

from articles.views import WORDPRESS_QUERIES, moved


class OldAddresses:
    """Innermost middleware: a 404 is looked up among the old addresses; a WordPress query
    (?p=, ?page_id=, ?attachment_id=) is looked up first, since the page at its path (the
    home page) would answer 200. Other requests cost nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reading = request.method in ("GET", "HEAD")
        query = reading and any(key in request.GET for key in WORDPRESS_QUERIES)
        if query and (response := moved(request)) is not None:
            return response
        response = self.get_response(request)
        if reading and response.status_code == 404:
            return moved(request) or response
        return response
