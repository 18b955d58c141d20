"""Staying up when a part fails: a database that stops answering gives readers a styled 503.

Pages already in the page cache are still served (the cache answers before any view runs).
Anything else that needed the database ends here, wherever it failed (a view, a template,
a middleware reading the session), through Django's 500 handler: a lost database is not a
bug in our code, so it answers 503 with Retry-After, rendered without touching the database.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("newsroom.faults")

# Errors that mean "the database is unreachable", not "this query is wrong".
UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def is_unavailable(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, UNAVAILABLE):
            return True
        error = error.__cause__
    return False


def unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


@requires_csrf_token
def server_error(request):
    """handler500: 503 when the database is gone, the styled 500 page otherwise."""
    if is_unavailable(sys.exc_info()[1]):
        logger.error("Database unavailable: answered 503 for %s", request.path)
        return unavailable_response()
    response = HttpResponseServerError(render_to_string("500.html"))
    response["Cache-Control"] = "no-store"
    return response
