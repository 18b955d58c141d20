"""`make bench`: load-test every page kind under production settings, in three phases (no
shared cache; page cache off; page cache on), against a bare reference page served by the
same server, and report ratios to it. Then the live phase (articles/live_bench.py): 1,000
readers polling a Live story's updates through the page cache while updates are posted,
counting the renders at the origin (`--live-only` runs just that). And *through the cache*:
Varnish in front (deploy/varnish), story and home as ratios to the same bare reference page
(from the app server itself), and a surge in which readers load five page kinds while an
editor publishes every 5 s: how many requests reach the app servers, against the target of
at most one per purged page per publish.

Ratios make results comparable across machines: the reference is Django returning a fixed
20 KB page with no database and no templates, so a page at 0.7 does 70% of that.
"""

import json
import os
import secrets
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote_plus

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from articles.loadtest import VARNISHD, Server, Varnish, _free_port, load_test_redis, wrk
from articles.models import Article, Section
from authors.models import Author

DURATION = os.environ.get("BENCH_SECONDS", "10")
# (name, page cache on, Redis on). "cold" is the page cache off, as issue #6 defines it:
# pages are assembled from cached pieces (fragments). "bare" has no Redis at all: every
# page is rendered whole from the database, the site as it runs without a shared cache.
PHASES = (("bare", False, False), ("cold", False, True), ("warm", True, True))
# Two words that meet in about a hundred of the bench's stories: ten pages of results.
SEARCH_WORDS = "fab dresden"
CONCURRENCY = os.environ.get("BENCH_CONCURRENCY", "16")
# Which phases to run (all by default): bare, cold, warm, cache (through Varnish), live, admin.
RUN = set(os.environ.get("BENCH_PHASES", "bare,cold,warm,cache,live,admin").split(","))
WARM_UP = 2  # seconds of load before each measured run
SURGE_SECONDS = int(os.environ.get("BENCH_SURGE_SECONDS", "60"))
PUBLISH_EVERY = 5  # seconds between the editor's publishes during the surge
# What readers load during the surge; a story published in the bench section by the bench
# author is on every one of them (the story page through its Latest Stories), so each
# publish purges them all.
SURGE_PAGES = ("home", "story", "section", "author", "feed")


class Command(BaseCommand):
    help = "Run the benchmark (see the module docstring); prints a table, writes bench-results/."

    def add_arguments(self, parser):
        parser.add_argument(
            "--live-only", action="store_true", help="Run only the live phase (no bench data)."
        )

    def handle(self, *args, **options):
        if not shutil.which("wrk"):
            raise CommandError("wrk is not installed (apt-get install wrk).")
        from django.core.management import call_command

        from articles.live_bench import run_live_phase

        if options["live_only"]:
            run_live_phase(self.stdout, load_test_redis())
            return

        self.stdout.write("1/3 Data")
        call_command("bench_data", stdout=self.stdout)
        paths = self.paths()
        redis = load_test_redis()
        results = {}
        for phase, cached, shared in PHASES:
            if phase not in RUN:
                continue
            if shared and not redis:
                self.stdout.write(f"{phase.capitalize()} run skipped: no Redis (set REDIS_URL).")
                continue
            self.stdout.write(
                f"2/3 Load, {phase}: {CONCURRENCY} connections, {DURATION}s a page kind"
            )
            with Server(cached=cached, redis=redis if shared else "") as base:
                results[phase] = {}
                for name, path in paths.items():
                    # Two seconds first, not counted: every worker has compiled its templates
                    # and opened its connections, and whatever the phase caches is in place
                    # (the steady state a busy site runs in).
                    wrk(base + path, connections=CONCURRENCY, seconds=WARM_UP)
                    self.stdout.write(f"  {name:<10} {path}")
                    results[phase][name] = wrk(
                        base + path, connections=CONCURRENCY, seconds=DURATION
                    )
                if not shared:
                    # What one search costs when nothing is cached, without 15 others queued
                    # beside it on two cores: the search's own latency.
                    self.stdout.write(f"  {'search/1':<10} {paths['search']} (one connection)")
                    results[phase]["search/1"] = wrk(
                        base + paths["search"], connections=1, seconds=DURATION
                    )
        if results:
            self.report(results)
        if "cache" in RUN and redis and Path(VARNISHD).exists():
            self.stdout.write("Through the cache: Varnish in front")
            self.report_cache(self.through_the_cache(paths, redis))
        elif "cache" in RUN:
            self.stdout.write("Through the cache skipped: it needs Redis and varnishd.")
        self.explain()
        if "live" in RUN:
            run_live_phase(self.stdout, redis)
        if "admin" in RUN:
            # The staff side at 100,000 stories: server time and query counts (issue #16).
            self.stdout.write("")
            call_command("bench_admin", stdout=self.stdout)

    def through_the_cache(self, paths: dict, redis: str) -> dict:
        front_port = _free_port()
        purge_url = f"http://127.0.0.1:{front_port}"
        secret = secrets.token_urlsafe(24)
        env = {"CDN_PURGE": "varnish", "CDN_PURGE_URLS": purge_url, "CDN_PURGE_SECRET": secret}
        with Server(cached=True, redis=redis, env=env) as base:
            varnish = Varnish(
                backends=[base.removeprefix("http://")], port=front_port, purge_secret=secret
            )
            with varnish as front:
                return self.measure_cache(base, front, varnish, paths, redis)

    def measure_cache(self, base, front, varnish, paths, redis) -> dict:
        rows = {}
        # The bare reference page, as every other phase measures it: from the app server.
        wrk(base + paths["reference"], connections=CONCURRENCY, seconds=WARM_UP)
        rows["reference"] = wrk(
            base + paths["reference"], connections=CONCURRENCY, seconds=DURATION
        )
        for name in ("home", "story"):
            wrk(front + paths[name], connections=CONCURRENCY, seconds=WARM_UP)
            self.stdout.write(f"  {name:<10} {paths[name]} (through Varnish)")
            rows[name] = wrk(front + paths[name], connections=CONCURRENCY, seconds=DURATION)
        rows["surge"] = self.surge(front, varnish, paths, redis)
        return rows

    def surge(self, front: str, varnish, paths: dict, redis: str) -> dict:
        """Readers on SURGE_PAGES through Varnish while an editor publishes every 5 s (in
        this process, as the admin would: the "cdn" event handler purges Varnish); the
        requests that reached the app servers, counted by Varnish."""
        from django.test import override_settings

        from articles import workflow

        drafts = self.drafts(SURGE_SECONDS // PUBLISH_EVERY)
        editor = self.editor()
        shared = {
            "default": {
                "BACKEND": "newsroom.cache.RedisCache",
                "LOCATION": redis,
                "KEY_PREFIX": "newsroom",
            }
        }
        # This process must move the app servers' content generation (their Redis) and
        # purge the Varnish in front, as an app server would.
        with (
            override_settings(
                CACHES=shared,
                NEWSROOM_CDN_PURGE="varnish",
                NEWSROOM_CDN_PURGE_URLS=[front],
                NEWSROOM_CDN_PURGE_SECRET=varnish.purge_secret,
            ),
            ThreadPoolExecutor(len(SURGE_PAGES)) as pool,
        ):
            self.stdout.write(
                f"  surge: {SURGE_SECONDS}s on {', '.join(SURGE_PAGES)}, a publish every "
                f"{PUBLISH_EVERY}s"
            )
            for name in SURGE_PAGES:
                wrk(front + paths[name], connections=2, seconds=1)  # in the cache
            before = varnish.backend_requests()
            loads = [
                pool.submit(wrk, front + paths[name], connections=2, seconds=SURGE_SECONDS)
                for name in SURGE_PAGES
            ]
            start = time.monotonic()
            published = 0
            for draft in drafts:
                wake = start + (published + 1) * PUBLISH_EVERY
                time.sleep(max(0, wake - time.monotonic()))
                if time.monotonic() - start >= SURGE_SECONDS - 1:
                    break
                workflow.publish(article=draft, by=editor)
                published += 1
            served = [load.result() for load in loads]
            origin = varnish.backend_requests() - before
        budget = published * len(SURGE_PAGES)
        return {
            "seconds": SURGE_SECONDS,
            "publishes": published,
            "pages": len(SURGE_PAGES),
            "reader_requests": sum(round(row["rps"] * SURGE_SECONDS) for row in served),
            "errors": sum(row["errors"] for row in served),
            "origin_requests": origin,
            "budget": budget,
            "per_purged_page_per_publish": round(origin / budget, 2) if budget else None,
        }

    def drafts(self, count: int) -> list:
        """Stories ready to publish, in the bench section, by the bench author."""
        from articles.models import Byline

        section = Section.objects.filter(slug__startswith="bench-").first()
        author = Author.objects.public().filter(slug__startswith="bench-").first()
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        drafts = []
        for n in range(count):
            draft = Article.objects.create(
                headline=f"Surge story {n} of {stamp}",
                slug=f"surge-{stamp}-{n}",
                section=section,
                body="<p>A story published during the bench's surge.</p>",
            )
            Byline.objects.create(article=draft, author=author, position=0)
            drafts.append(draft)
        return drafts

    def editor(self):
        from django.contrib.auth import get_user_model

        user, _ = get_user_model().objects.get_or_create(
            username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
        )
        return user

    def report_cache(self, rows: dict) -> None:
        reference = rows["reference"]["rps"]
        self.stdout.write(f"{'page':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}")
        for name in ("reference", "home", "story"):
            row = rows[name]
            row["ratio"] = round(row["rps"] / reference, 2) if reference else None
            self.stdout.write(
                f"{name:<10} {row['rps']:>9.1f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} "
                f"{row['ratio']:>6.2f}"
            )
        surge = rows["surge"]
        verdict = (
            "within the target"
            if surge["origin_requests"] <= surge["budget"]
            else "OVER the target"
        )
        self.stdout.write(
            f"Surge: {surge['publishes']} publishes in {surge['seconds']}s, "
            f"{surge['reader_requests']} reader requests ({surge['errors']} errors), "
            f"{surge['origin_requests']} reached the app servers: "
            f"{surge['per_purged_page_per_publish']} per purged page per publish "
            f"(at most 1 is the target: {verdict})"
        )
        folder = Path(settings.BASE_DIR) / "bench-results"
        folder.mkdir(exist_ok=True)
        path = folder / f"bench-cache-{timezone.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(rows, indent=2))
        self.stdout.write(f"Written to {path}")

    def explain(self):
        """The hot queries' plans on this data: a sequential scan of stories is a finding."""
        if connection.vendor != "postgresql":
            self.stdout.write("\nQuery plans: PostgreSQL only (set DATABASE_URL).")
            return
        from articles.search import search

        section = Section.objects.filter(slug__startswith="bench-").first()
        author = Author.objects.public().filter(slug__startswith="bench-").first()
        listing = Article.objects.public().for_listing().latest_first()
        queries = {
            "home": listing,
            "section": listing.in_section(section),
            "author": listing.by_author(author),
            "search": search(SEARCH_WORDS),
        }
        self.stdout.write("\nQuery plans (first page):")
        for name, queryset in queries.items():
            plan = queryset[:12].explain()
            scans = (
                "SEQUENTIAL SCAN of stories" if "Seq Scan on articles_article" in plan else "index"
            )
            self.stdout.write(f"  {name:<8} {scans}")

    def paths(self) -> dict:
        from articles.search import search

        found = search(SEARCH_WORDS).count()
        if not found:
            raise CommandError(f"The bench search {SEARCH_WORDS!r} finds nothing in this data.")
        self.stdout.write(f"Search {SEARCH_WORDS!r}: {found} public stories match.")
        story = Article.objects.public().filter(slug__startswith="bench-").latest_first().first()
        section = Section.objects.filter(slug__startswith="bench-").first()
        author = Author.objects.public().filter(slug__startswith="bench-").first()
        return {
            "reference": "/bench/reference/",
            "home": "/",
            "story": story.get_absolute_url(),
            "section": section.get_absolute_url(),
            "author": author.get_absolute_url(),
            "tag": "/tags/bench-topic-3/",
            "search": f"/search/?q={quote_plus(SEARCH_WORDS)}",
            "feed": "/feed/",
            "sitemap": "/sitemap-stories.xml",
        }

    def report(self, results: dict) -> None:
        self.stdout.write("3/3 Results (ratio = requests/s ÷ the reference's in the same phase)\n")
        header = (
            f"{'phase':<5} {'page':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'ratio':>6}"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for phase, pages in results.items():
            reference = pages["reference"]["rps"]
            for name, row in pages.items():
                # A ratio compares like with like: not the one-connection search.
                comparable = reference and name != "search/1"
                row["ratio"] = round(row["rps"] / reference, 3) if comparable else None
                ratio = f"{row['ratio']:>6.2f}" if comparable else f"{'-':>6}"
                self.stdout.write(
                    f"{phase:<5} {name:<10} {row['rps']:>9.1f} {row['p50_ms']:>8.1f} "
                    f"{row['p99_ms']:>8.1f} {row['errors']:>7} {ratio}"
                )
        folder = Path(settings.BASE_DIR) / "bench-results"
        folder.mkdir(exist_ok=True)
        path = folder / f"bench-{timezone.now():%Y%m%d-%H%M%S}.json"
        meta = {
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "cores": os.cpu_count(),
            "concurrency": int(CONCURRENCY),
            "seconds": int(DURATION),
            "stories": Article.objects.public().count(),
        }
        path.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
        self.stdout.write(f"\nWritten to {path}")
