"""Purging the CDN by surrogate key (newsroom/purge.py) and the Varnish configuration
(deploy/varnish/newsroom.vcl), for real: Fastly's and Cloudflare's APIs are played by a local
HTTP receiver (they cannot be reached from here), Varnish is varnishd in front of a local
origin that answers as the app does."""

import http.client
import http.server
import json
import threading
from contextlib import contextmanager

import pytest

from newsroom import purge
from tests import servers

# One xdist worker runs the whole file: its module fixture starts Varnish once.
pytestmark = pytest.mark.xdist_group("test_purge")


class Recorder(http.server.ThreadingHTTPServer):
    """A local HTTP server that records each request and answers as `reply` says."""

    daemon_threads = True

    def __init__(self, reply):
        self.requests = []
        self.reply = reply
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", servers.port()), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with self.server.lock:
            self.server.requests.append(
                {"method": self.command, "path": self.path, "headers": self.headers, "body": body}
            )
        status, headers, content = self.server.reply(self)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_HEAD = do_POST = do_PURGE = _answer

    def log_message(self, *args):
        pass


@contextmanager
def recorder(reply):
    server = Recorder(reply)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def ok(body=b'{"status": "ok"}'):
    return lambda handler: (200, {"Content-Type": "application/json"}, body)


KEYS = {f"story-{n}" for n in range(300)}


def test_fastly_gets_every_key_in_batches_of_256_with_its_key(settings):
    with recorder(ok()) as fastly:
        settings.NEWSROOM_CDN_PURGE = "fastly"
        settings.FASTLY_API_URL = fastly.url
        settings.FASTLY_SERVICE_ID, settings.FASTLY_API_TOKEN = "SVC123", "secret-token"
        assert purge.purge(KEYS) == 300
    assert [r["method"] for r in fastly.requests] == ["POST", "POST"]
    assert {r["path"] for r in fastly.requests} == {"/service/SVC123/purge"}
    assert {r["headers"]["Fastly-Key"] for r in fastly.requests} == {"secret-token"}
    batches = [r["headers"]["Surrogate-Key"].split() for r in fastly.requests]
    assert [len(batch) for batch in batches] == [256, 44]
    assert set().union(*batches) == KEYS


def test_cloudflare_gets_every_tag_in_batches_of_100_with_a_bearer_token(settings):
    with recorder(ok(b'{"success": true, "errors": []}')) as cloudflare:
        settings.NEWSROOM_CDN_PURGE = "cloudflare"
        settings.CLOUDFLARE_API_URL = cloudflare.url + "/client/v4"
        settings.CLOUDFLARE_ZONE_ID, settings.CLOUDFLARE_API_TOKEN = "zone9", "cf-token"
        purge.purge(KEYS)
    assert {r["path"] for r in cloudflare.requests} == {"/client/v4/zones/zone9/purge_cache"}
    assert {r["headers"]["Authorization"] for r in cloudflare.requests} == {"Bearer cf-token"}
    batches = [json.loads(r["body"])["tags"] for r in cloudflare.requests]
    assert [len(batch) for batch in batches] == [100, 100, 100]
    assert set().union(*batches) == KEYS


def test_a_purge_the_cdn_does_not_confirm_fails_so_it_is_tried_again(settings):
    settings.NEWSROOM_CDN_PURGE = "cloudflare"
    settings.CLOUDFLARE_ZONE_ID, settings.CLOUDFLARE_API_TOKEN = "zone9", "cf-token"
    refusals = [
        ok(b'{"success": false, "errors": [{"code": 1134}]}'),
        lambda handler: (500, {}, b"oops"),
    ]
    for reply in refusals:
        with recorder(reply) as cloudflare:
            settings.CLOUDFLARE_API_URL = cloudflare.url
            with pytest.raises(purge.PurgeFailed):
                purge.purge({"home"})
    settings.CLOUDFLARE_API_URL = f"http://127.0.0.1:{servers.port()}"  # nobody listening
    with pytest.raises(purge.PurgeFailed):
        purge.purge({"home"})


def test_no_cdn_configured_purges_nothing(settings):
    settings.NEWSROOM_CDN_PURGE = "none"
    assert purge.purge({"home"}) == 0


# Varnish -----------------------------------------------------------------------------------


# Answers the app itself gave (through Django's test client), replayed by the origin by path.
PLAYED: dict[str, dict[str, str]] = {}


def origin_reply(handler):
    """Pages as the app answers them: /a and /b share the key `shared`; /cookie sets one;
    a path in PLAYED answers with the headers the app gave."""
    path = handler.path.split("?")[0]
    if path in PLAYED:
        return 200, PLAYED[path], f"played {path}".encode()
    if path == "/healthz":
        return 200, {"Content-Type": "application/json"}, b'{"ok": true}'
    headers = {
        "Content-Type": "text/html",
        "Cache-Control": "public, max-age=0, s-maxage=300",
        "Surrogate-Control": "max-age=86400",
        "CDN-Cache-Control": "max-age=86400",
    }
    if path == "/story-7":
        headers["Surrogate-Key"] = "story-7 section-2"
    if path in ("/a", "/b", "/admin/x"):
        name = path.strip("/").replace("/", "-")
        headers["Surrogate-Key"] = f"page-{name} shared"
        headers["Cache-Tag"] = f"page-{name},shared"
    if path == "/cookie":
        headers["Set-Cookie"] = "csrftoken=abc; Path=/"
    if path == "/missing":
        return 404, {"Content-Type": "text/html"}, b"not yet"
    if path == "/unsaid":
        return 200, {"Content-Type": "text/html"}, b"no Cache-Control"
    return 200, headers, f"page {path}".encode()


def through(base, path, *, headers=None, method="GET", source="127.0.0.1"):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10, source_address=(source, 0))
    connection.request(method, path, headers=headers or {})
    answer = connection.getresponse()
    answer.read()
    connection.close()
    return answer


@pytest.fixture(scope="module")
def cdn():
    with (
        recorder(origin_reply) as origin,
        servers.varnish(backends=[origin.url.removeprefix("http://")]) as base,
    ):
        servers._wait_until(lambda: through(base, "/ready").status == 200, 10, "a healthy backend")
        yield base, origin


def fetched(origin, path) -> int:
    with origin.lock:
        return sum(1 for r in origin.requests if r["path"] == path)


def test_varnish_keeps_pages_by_the_apps_word_and_hides_the_keys(cdn):
    base, origin = cdn
    first, second = through(base, "/a"), through(base, "/a")
    assert (first.getheader("X-Cache"), second.getheader("X-Cache")) == ("miss", "hit")
    assert fetched(origin, "/a") == 1
    for name in ("Surrogate-Key", "Cache-Tag", "Surrogate-Control", "CDN-Cache-Control", "xkey"):
        assert second.getheader(name) is None, name
    assert "s-maxage=300" in second.getheader("Cache-Control")  # what browsers see


def test_a_purge_drops_exactly_the_pages_with_that_key(cdn, settings):
    base, origin = cdn
    through(base, "/a"), through(base, "/b")
    settings.NEWSROOM_CDN_PURGE, settings.NEWSROOM_CDN_PURGE_URLS = "varnish", [base]
    settings.NEWSROOM_CDN_PURGE_SECRET = servers.PURGE_SECRET
    purge.purge({"page-a"})
    assert through(base, "/a").getheader("X-Cache") == "miss"
    assert through(base, "/b").getheader("X-Cache") == "hit"
    purge.purge({"shared"})
    assert through(base, "/a").getheader("X-Cache") == "miss"
    assert through(base, "/b").getheader("X-Cache") == "miss"


def test_only_the_purgers_acl_may_purge(cdn):
    base, origin = cdn
    through(base, "/b")
    refused = through(base, "/", method="PURGE", headers={"xkey": "shared"}, source="127.0.0.2")
    assert refused.status == 403
    assert through(base, "/b").getheader("X-Cache") == "hit"


def test_a_purge_without_the_shared_secret_is_refused(cdn, settings):
    base, origin = cdn
    through(base, "/b")
    settings.NEWSROOM_CDN_PURGE, settings.NEWSROOM_CDN_PURGE_URLS = "varnish", [base]
    settings.NEWSROOM_CDN_PURGE_SECRET = servers.PURGE_SECRET + "-not"
    with pytest.raises(purge.PurgeFailed, match="403"):
        purge.purge({"shared"})
    settings.NEWSROOM_CDN_PURGE_SECRET = ""
    with pytest.raises(purge.PurgeFailed, match="CDN_PURGE_SECRET"):
        purge.purge({"shared"})
    assert through(base, "/b").getheader("X-Cache") == "hit"


def test_cookies_staff_pages_errors_and_posts_are_never_kept(cdn):
    base, origin = cdn
    for path, headers, method in [
        ("/a?staff", {"Cookie": "sessionid=xyz"}, "GET"),
        ("/cookie", {}, "GET"),
        ("/admin/x", {}, "GET"),
        ("/missing", {}, "GET"),
        ("/unsaid", {}, "GET"),
        ("/a?form", {}, "POST"),
    ]:
        before = fetched(origin, path)
        through(base, path, headers=headers, method=method)
        through(base, path, headers=headers, method=method)
        assert fetched(origin, path) == before + 2, path


# The "cdn" event handler -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_event_purges_its_keys_from_varnish_through_the_cdn_handler(
    cdn, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    import events
    from events.models import Delivery
    from newsroom import pagecache

    base, origin = cdn
    settings.NEWSROOM_CDN_PURGE, settings.NEWSROOM_CDN_PURGE_URLS = "varnish", [base]
    settings.NEWSROOM_CDN_PURGE_SECRET = servers.PURGE_SECRET
    through(base, "/story-7"), through(base, "/b")
    story = {"id": 7, "section": 2, "tags": [], "authors": [], "photos": [], "public": True}
    with django_capture_on_commit_callbacks(execute=False) as committed:
        events.record("story.updated", payload={"story": story, "before": story, "changed": []})
    generation = pagecache.state()[0]
    for callback in committed:
        callback()
    assert Delivery.objects.get(handler="cdn").done_at is not None
    # The app servers' page cache is retired before the CDN fetches the page again.
    assert cache.get(pagecache.GENERATION_KEY) != generation
    assert through(base, "/story-7").getheader("X-Cache") == "miss"
    assert through(base, "/b").getheader("X-Cache") == "hit"  # not named by the event


@pytest.mark.django_db
def test_a_purge_that_fails_is_noted_for_a_retry_and_the_change_stands(
    settings, django_capture_on_commit_callbacks
):
    import events
    from events.models import Delivery, Event

    settings.NEWSROOM_CDN_PURGE = "varnish"
    settings.NEWSROOM_CDN_PURGE_URLS = [f"http://127.0.0.1:{servers.port()}"]  # nobody there
    settings.NEWSROOM_CDN_PURGE_SECRET = servers.PURGE_SECRET
    with django_capture_on_commit_callbacks(execute=True):
        events.record("tag.changed", payload={"tag": 3})
    delivery = Delivery.objects.get(handler="cdn")
    assert Event.objects.filter(kind="tag.changed").exists()
    assert delivery.done_at is None and delivery.attempts == 1
    assert "PurgeFailed" in delivery.last_error and delivery.due_at > delivery.event.created_at


@pytest.mark.django_db
def test_a_photo_change_purges_the_story_pages_that_show_it_inside_their_body(
    cdn, client, settings, django_capture_on_commit_callbacks
):
    """#18 part 3: the app's own story page, kept by Varnish, is dropped by the photo event
    of a library photo inside its body, even one whose payload names no story (the page's
    `photo-<id>` key, stored with the story on save, is enough)."""
    import events
    from tests.factories import ArticleFactory, PhotoFactory

    base, origin = cdn
    settings.NEWSROOM_CDN_PURGE, settings.NEWSROOM_CDN_PURGE_URLS = "varnish", [base]
    settings.NEWSROOM_CDN_PURGE_SECRET = servers.PURGE_SECRET
    inside = PhotoFactory()
    story = ArticleFactory(
        body=f'<p>Words.</p><figure><img src="{inside.image.url}" alt=""></figure>'
    )
    answer = client.get(story.get_absolute_url())
    assert answer.status_code == 200 and "Surrogate-Control" in answer
    PLAYED["/played-story"] = {
        name: answer[name]
        for name in ("Content-Type", "Cache-Control", "Surrogate-Key", "Surrogate-Control")
    }
    for path in ("/played-story", "/b"):
        through(base, path)
        assert through(base, path).getheader("X-Cache") == "hit", path
    with django_capture_on_commit_callbacks(execute=True):
        events.record("photo.changed", payload={"photo": inside.pk, "stories": [], "authors": []})
    assert through(base, "/played-story").getheader("X-Cache") == "miss"
    assert through(base, "/b").getheader("X-Cache") == "hit"  # shows no such photo
