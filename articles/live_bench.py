"""The live phase of `make bench`: BENCH_LIVE_READERS (1,000) connections poll a Live story's
updates endpoint through the page cache (gunicorn with `make serve` settings and Redis) as
fast as wrk can send, a far heavier load than 1,000 readers polling every
LIVE_POLL_SECONDS, while an update is posted every LIVE_POLL_SECONDS. gunicorn's access log
gives every request's page cache verdict: a "miss" is a render at the origin.

Target (#17): at most one render per content change (each change starts a new cache
lifetime: the page cache's generation moves), so the origin's work does not grow with readers.
"""

import os
import threading
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from articles.loadtest import Server, wrk
from articles.models import Article, LiveUpdate, Section
from authors.models import Author

READERS = int(os.environ.get("BENCH_LIVE_READERS", "1000"))
SECONDS = int(os.environ.get("BENCH_LIVE_SECONDS", "30"))
SLUG = "bench-live-coverage"


def bench_story() -> tuple[Article, Author]:
    """A public Live story of the bench's own (made once, reused)."""
    section, _ = Section.objects.get_or_create(slug="bench-live", defaults={"name": "Bench live"})
    author, _ = Author.objects.get_or_create(
        slug="bench-live-reporter", defaults={"name": "Bench Live Reporter"}
    )
    story = Article.objects.filter(slug=SLUG).first()
    if story is None:
        story = Article.objects.create(
            headline="Bench: a live story",
            slug=SLUG,
            section=section,
            story_type=Article.StoryType.LIVE,
            status=Article.Status.PUBLISHED,
            publish_at=timezone.now() - timezone.timedelta(hours=1),
            body="<p>What we know so far.</p>",
        )
        story.bylines.create(author=author)
    return story, author


def _verdicts(log: Path, path: str) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [line.split()[-1] for line in lines if line.startswith(path + " ")]


def run_live_phase(stdout, redis: str) -> dict | None:
    if not redis:
        stdout.write("Live phase skipped: no Redis (set REDIS_URL).")
        return None
    story, author = bench_story()
    path = f"{story.get_absolute_url()}updates.json"
    every = settings.NEWSROOM_LIVE_POLL_SECONDS
    stdout.write(
        f"Live: {READERS} connections polling {path} for {SECONDS}s through the page cache, "
        f"an update posted every {every}s"
    )
    # Posting here must retire the server's cached copy: the same Redis, the same prefix.
    shared = {
        "default": {
            "BACKEND": "newsroom.cache.RedisCache",
            "LOCATION": redis,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "newsroom"),
        }
    }
    with TemporaryDirectory() as folder, override_settings(CACHES=shared):
        log = Path(folder) / "access.log"
        with Server(cached=True, redis=redis, access_log=log) as base:
            wrk(base + path, connections=10, seconds=2)  # warm: workers and the cached copy
            before = len(_verdicts(log, path))
            result = {}
            load = threading.Thread(
                # A reader waits 10 s for an answer (wrk's 2 s would count a queued poll
                # on a busy machine as an error).
                target=lambda: result.update(
                    wrk(
                        base + path,
                        connections=READERS,
                        seconds=SECONDS,
                        extra=("--timeout", "10s"),
                    )
                )
            )
            started = time.monotonic()
            load.start()
            posted = 0
            while time.monotonic() - started + every < SECONDS:
                time.sleep(every)
                posted += 1
                LiveUpdate.objects.create(
                    story=story, author=author, body=f"<p>Bench update {posted}.</p>"
                )
            load.join()
            time.sleep(1)  # gunicorn writes its log as each request ends
            verdicts = _verdicts(log, path)[before:]
    renders = verdicts.count("miss")
    lifetimes = posted + 1
    figures = {
        "readers": READERS,
        "seconds": SECONDS,
        "requests": len(verdicts),
        "rps": result.get("rps"),
        "p99_ms": result.get("p99_ms"),
        "errors": result.get("errors"),
        "updates_posted": posted,
        "renders": renders,
        "renders_per_cache_lifetime": round(renders / lifetimes, 2),
        "renders_per_poll_interval": round(renders / (SECONDS / every), 2),
    }
    stdout.write(
        f"{'requests':>9} {'req/s':>8} {'p99 ms':>7} {'errors':>6} {'posted':>6} "
        f"{'renders':>7} {'per lifetime':>12} {'per interval':>12}"
    )
    stdout.write(
        f"{figures['requests']:>9} {figures['rps'] or 0:>8.0f} {figures['p99_ms'] or 0:>7.0f} "
        f"{figures['errors'] or 0:>6} {posted:>6} {renders:>7} "
        f"{figures['renders_per_cache_lifetime']:>12} {figures['renders_per_poll_interval']:>12}"
    )
    verdict = "met" if figures["renders_per_cache_lifetime"] <= 1 else "MISSED"
    stdout.write(f"Target (at most 1 render per cache lifetime): {verdict}")
    return figures
