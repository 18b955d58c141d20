"""`make bench`: load-test every page kind under production settings, cold and warm, against
a bare reference page served by the same server, and report ratios to it.

Ratios make results comparable across machines: the reference is Django returning a fixed
20 KB page with no database and no templates, so a page at 0.7 does 70% of that.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from articles.models import Article, Section
from authors.models import Author

DURATION = os.environ.get("BENCH_SECONDS", "10")
CONCURRENCY = os.environ.get("BENCH_CONCURRENCY", "16")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_ERROR_PATTERNS = (
    r"Non-2xx or 3xx responses: (\d+)",
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
)


def _wrk(url: str) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONCURRENCY}", f"-d{DURATION}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    errors = 0
    for pattern in _ERROR_PATTERNS:
        match = re.search(pattern, out)
        if match:
            errors += sum(int(g) for g in match.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": errors,
    }


class Command(BaseCommand):
    help = "Run the benchmark (see the module docstring); prints a table, writes bench-results/."

    def handle(self, *args, **options):
        if not shutil.which("wrk"):
            raise CommandError("wrk is not installed (apt-get install wrk).")
        from django.core.management import call_command

        self.stdout.write("1/3 Data")
        call_command("bench_data", stdout=self.stdout)
        paths = self.paths()
        redis = os.environ.get("REDIS_URL") or (
            "redis://127.0.0.1:6379/14" if self.redis_up() else ""
        )
        results = {}
        for phase, cached in (("cold", False), ("warm", True)):
            if cached and not redis:
                self.stdout.write("Warm run skipped: no Redis (set REDIS_URL).")
                continue
            self.stdout.write(
                f"2/3 Load, {phase}: {CONCURRENCY} connections, {DURATION}s a page kind"
            )
            with self.server(cached, redis) as base:
                results[phase] = {}
                for name, path in paths.items():
                    if cached:
                        urllib.request.urlopen(base + path).read()  # fill the cache
                    self.stdout.write(f"  {name:<10} {path}")
                    results[phase][name] = _wrk(base + path)
        self.report(results)
        self.explain()

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
            "search": search("fab yields"),
        }
        self.stdout.write("\nQuery plans (first page):")
        for name, queryset in queries.items():
            plan = queryset[:12].explain()
            scans = (
                "SEQUENTIAL SCAN of stories" if "Seq Scan on articles_article" in plan else "index"
            )
            self.stdout.write(f"  {name:<8} {scans}")

    def redis_up(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
            return True
        except OSError:
            return False

    def paths(self) -> dict:
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
            "search": "/search/?q=fab+yields",
            "feed": "/feed/",
            "sitemap": "/sitemap-stories.xml",
        }

    class server:
        """gunicorn with `make serve` settings, on a free port, for the length of a block."""

        def __init__(self, cached: bool, redis: str):
            self.cached, self.redis = cached, redis

        def __enter__(self):
            port = _free_port()
            env = {
                **os.environ,
                "DEBUG": "0",
                "SECRET_KEY": secrets.token_urlsafe(50),
                "ALLOWED_HOSTS": "127.0.0.1",
                "NEWSROOM_BENCH_REFERENCE": "1",
                "PAGE_CACHE": "1" if self.cached else "0",
                "LOG_LEVEL": "WARNING",
            }
            if self.cached:
                env["REDIS_URL"] = self.redis
            else:
                env.pop("REDIS_URL", None)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                env=env,
                check=True,
            )
            workers = str(int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1)))
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "newsroom.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    workers,
                    "--log-level",
                    "warning",
                ],
                env=env,
            )
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            return base

        def __exit__(self, *exc):
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

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
                row["ratio"] = round(row["rps"] / reference, 3) if reference else None
                self.stdout.write(
                    f"{phase:<5} {name:<10} {row['rps']:>9.1f} {row['p50_ms']:>8.1f} "
                    f"{row['p99_ms']:>8.1f} {row['errors']:>7} {row['ratio']:>6.2f}"
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
