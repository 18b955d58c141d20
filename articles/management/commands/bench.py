"""`make bench`: load-test every page kind under production settings, in three phases (no
shared cache; page cache off; page cache on), against a bare reference page served by the
same server, and report ratios to it. Then the live phase (articles/live_bench.py): 1,000
readers polling a Live story's updates through the page cache while updates are posted,
counting the renders at the origin (`--live-only` runs just that).

Ratios make results comparable across machines: the reference is Django returning a fixed
20 KB page with no database and no templates, so a page at 0.7 does 70% of that.
"""

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote_plus

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from articles.loadtest import Server, load_test_redis, wrk
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
WARM_UP = 2  # seconds of load before each measured run


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
        self.report(results)
        self.explain()
        run_live_phase(self.stdout, redis)
        # The staff side at 100,000 stories: server time and query counts (issue #16).
        self.stdout.write("")
        call_command("bench_admin", stdout=self.stdout)

    def explain(self):
        """The hot queries' plans on this data: a sequential scan of stories is a finding."""
        if connection.vendor != "postgresql":
            self.stdout.write("\nQuery plans: PostgreSQL only (set DATABASE_URL).")
            return
        from articles.search import search

        section = Section.objects.filter(slug__startswith="bench-").first()
        author = Author.objects.filter(slug__startswith="bench-").first()
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
        author = Author.objects.filter(slug__startswith="bench-").first()
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
