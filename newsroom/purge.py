"""Purging the CDN in front by surrogate key: Varnish (xkey), Fastly or Cloudflare, as
CDN_PURGE says (newsroom/settings.py). The "cdn" event handler calls `purge()` with the keys
an event touches (newsroom/surrogate.py); a purge that fails raises PurgeFailed, and the task
engine tries the event again later. Nothing here runs inside an editor's save.

Each CDN takes a bounded number of keys a request, so keys go in batches:
- Varnish: a `PURGE /` with an `xkey` header to every instance (CDN_PURGE_URLS); 100 keys a
  request keeps the header well under varnishd's http_req_hdr_len (8 KB). The shared secret
  CDN_PURGE_SECRET goes in `X-Purge-Secret`: the VCL obeys only a PURGE from its purgers ACL
  with that secret and no proxy in between (deploy/varnish/newsroom.vcl).
- Fastly: `POST /service/<id>/purge` with a `Surrogate-Key` header, at most 256 keys
  (Fastly's batch limit), authenticated by `Fastly-Key`.
- Cloudflare: `POST /zones/<id>/purge_cache` with `{"tags": [...]}`, at most 100 tags a
  request (its documented limit for every plan), with a bearer token.
"""

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings

logger = logging.getLogger(__name__)

VARNISH_BATCH = 100
FASTLY_BATCH = 256
CLOUDFLARE_BATCH = 100


class PurgeFailed(Exception):
    """The CDN did not confirm the purge; the caller's task is retried."""


def batches(keys: Iterable[str], size: int) -> list[list[str]]:
    ordered = sorted(set(keys))
    return [ordered[start : start + size] for start in range(0, len(ordered), size)]


def _send(request: urllib.request.Request) -> bytes:
    try:
        with urllib.request.urlopen(request, timeout=settings.NEWSROOM_CDN_PURGE_TIMEOUT) as answer:
            return answer.read()
    except urllib.error.HTTPError as error:
        raise PurgeFailed(f"{request.full_url} answered {error.code}") from error
    except OSError as error:
        raise PurgeFailed(f"{request.full_url} unreachable: {error}") from error


def purge_varnish(keys: Iterable[str]) -> None:
    if not settings.NEWSROOM_CDN_PURGE_URLS:
        raise PurgeFailed("CDN_PURGE=varnish needs CDN_PURGE_URLS (each Varnish's address)")
    if not settings.NEWSROOM_CDN_PURGE_SECRET:
        raise PurgeFailed("CDN_PURGE=varnish needs CDN_PURGE_SECRET (as in newsroom-backends.vcl)")
    for batch in batches(keys, VARNISH_BATCH):
        for base in settings.NEWSROOM_CDN_PURGE_URLS:
            request = urllib.request.Request(
                base.rstrip("/") + "/",
                method="PURGE",
                headers={
                    "xkey": " ".join(batch),
                    "X-Purge-Secret": settings.NEWSROOM_CDN_PURGE_SECRET,
                },
            )
            _send(request)


def purge_fastly(keys: Iterable[str]) -> None:
    service, token = settings.FASTLY_SERVICE_ID, settings.FASTLY_API_TOKEN
    if not service or not token:
        raise PurgeFailed("CDN_PURGE=fastly needs FASTLY_SERVICE_ID and FASTLY_API_TOKEN")
    url = f"{settings.FASTLY_API_URL.rstrip('/')}/service/{service}/purge"
    for batch in batches(keys, FASTLY_BATCH):
        headers = {"Fastly-Key": token, "Surrogate-Key": " ".join(batch)}
        _send(urllib.request.Request(url, method="POST", headers=headers))


def purge_cloudflare(keys: Iterable[str]) -> None:
    zone, token = settings.CLOUDFLARE_ZONE_ID, settings.CLOUDFLARE_API_TOKEN
    if not zone or not token:
        raise PurgeFailed("CDN_PURGE=cloudflare needs CLOUDFLARE_ZONE_ID and CLOUDFLARE_API_TOKEN")
    url = f"{settings.CLOUDFLARE_API_URL.rstrip('/')}/zones/{zone}/purge_cache"
    for batch in batches(keys, CLOUDFLARE_BATCH):
        request = urllib.request.Request(
            url,
            method="POST",
            data=json.dumps({"tags": batch}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        answer = _send(request)
        try:
            success = json.loads(answer).get("success")
        except (ValueError, AttributeError):
            success = False
        if not success:
            raise PurgeFailed(f"Cloudflare did not confirm the purge: {answer[:200]!r}")


ADAPTERS = {"varnish": purge_varnish, "fastly": purge_fastly, "cloudflare": purge_cloudflare}


def purge(keys: Iterable[str]) -> int:
    """Purge these surrogate keys from the configured CDN; the number of keys sent (0 when
    no CDN is purged). Raises PurgeFailed when the CDN did not confirm."""
    keys = set(keys)
    adapter = ADAPTERS.get(settings.NEWSROOM_CDN_PURGE)
    if adapter is None or not keys:
        return 0
    adapter(keys)
    logger.info("purged %d surrogate keys from %s", len(keys), settings.NEWSROOM_CDN_PURGE)
    return len(keys)
