"""Response headers Django's SecurityMiddleware does not set itself, the client's address
behind proxies, and the login lockout's page.

This module is also imported by gunicorn's master (newsroom/gunicorn_logging.py) before
Django is set up: it imports nothing that needs the app registry at import time.
"""

import ipaddress
import logging

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


class SecurityHeaders:
    """Permissions-Policy on every response: a news site needs no camera, microphone,
    location or payment APIs, and an injected script should not get them either."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.NEWSROOM_PERMISSIONS_POLICY)
        return response


def client_address(meta) -> str:
    """The address of the machine that sent a request, from its WSGI environ / request.META.

    The one definition, used by the login lockout (django-axes), the API's request budget,
    Django's log lines and gunicorn's access log. With TRUSTED_PROXY_COUNT = n, each of our n
    proxies appended the address it saw to X-Forwarded-For, so the n-th entry from the right
    is the one our outermost proxy saw; anything left of it is the client's own say and is
    never trusted. With 0 (nothing in front), or a header too short or garbled to have come
    from our proxies, it is the connection's own address.
    """
    peer = meta.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return peer
    hops = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(hops) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-proxies].strip()))
    except ValueError:
        return peer


def client_ip(request) -> str:
    """client_address() of a request (AXES_CLIENT_IP_CALLABLE, the API throttle)."""
    return client_address(request.META)


class ClientAddressFilter(logging.Filter):
    """Puts the client's address on log records about a request (`%(client)s`), the same
    address the lockout and the API budget count."""

    def filter(self, record):
        meta = getattr(getattr(record, "request", None), "META", None)
        record.client = client_address(meta) if isinstance(meta, dict) else "-"
        return True


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer past the failure limit: the login page, saying what happened."""
    from django.contrib import admin

    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        **admin.site.each_context(request),
        "title": _("Sign-in paused"),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": round(cooloff.total_seconds() / 60) if cooloff else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)
