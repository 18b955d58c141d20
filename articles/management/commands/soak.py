"""`make soak`: 64 clients for 60 seconds against `make serve` settings, over a mix of every
public page kind; it prints requests, 5xx and other errors, latency and the servers' memory
from start to end, and fails when there were errors or memory kept growing."""

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.loadtest import Server, load_test_redis, wrk
from articles.models import Article, Section
from authors.models import Author

CLIENTS = int(os.environ.get("SOAK_CLIENTS", "64"))
SECONDS = int(os.environ.get("SOAK_SECONDS", "60"))
# Memory counts as flat when the last sample is within this share of the first one taken
# after the warm-up (workers fill their caches at first, then must stop growing).
GROWTH_ALLOWED = 0.10
WARM_UP = 0.25

ROTATE = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
"""


def rss_kib(root_pid: int) -> int:
    """Resident memory of gunicorn's master and all its workers, in KiB."""
    pids = [str(root_pid)]
    result = subprocess.run(["pgrep", "-P", str(root_pid)], capture_output=True, text=True)
    pids += result.stdout.split()
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


class Command(BaseCommand):
    help = "Hold 64 clients for 60 s on every page kind; report errors and memory."

    def handle(self, *args, **options):
        self.stdout.write("1/3 Data")
        call_command("bench_data", stdout=self.stdout)
        paths = self.paths()
        redis = load_test_redis()
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(ROTATE % ", ".join(f'"{p}"' for p in paths))
        self.stdout.write(
            f"2/3 Load: {CLIENTS} clients for {SECONDS}s over {len(paths)} pages "
            f"(page cache {'on, Redis' if redis else 'off: no Redis'})"
        )
        samples = []
        server = Server(cached=bool(redis), redis=redis)
        with server as base:
            stop = threading.Event()

            def sample():
                start = time.monotonic()
                while not stop.is_set():
                    samples.append((time.monotonic() - start, rss_kib(server.process.pid)))
                    stop.wait(5)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            try:
                result = wrk(
                    base + "/",
                    connections=CLIENTS,
                    seconds=SECONDS,
                    extra=["--timeout", "10s", "-s", str(script)],
                )
            finally:
                stop.set()
                sampler.join()
                script.unlink(missing_ok=True)
        self.report(result, samples)

    def paths(self) -> list[str]:
        stories = Article.objects.public().filter(slug__startswith="bench-").latest_first()[:40]
        sections = Section.objects.filter(slug__startswith="bench-")[:6]
        authors = Author.objects.filter(slug__startswith="bench-")[:10]
        paths = ["/", "/?page=2", "/feed/", "/search/?q=fab+yields", "/tags/bench-topic-3/"]
        paths += [s.get_absolute_url() for s in stories]
        paths += [s.get_absolute_url() for s in sections]
        paths += [a.get_absolute_url() for a in authors]
        return paths

    def report(self, result: dict, samples: list) -> None:
        self.stdout.write("3/3 Results")
        self.stdout.write(
            f"  requests/s {result['rps']:.1f}, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms"
        )
        self.stdout.write(f"  errors (5xx, 4xx, socket errors, timeouts): {result['errors']}")
        measured = [s for s in samples if s[0] >= SECONDS * WARM_UP] or samples
        first, last = measured[0][1], measured[-1][1]
        peak = max(kib for _, kib in samples)
        growth = (last - first) / first if first else 0
        self.stdout.write(
            "  memory (gunicorn, all workers): "
            + ", ".join(f"{t:.0f}s {kib / 1024:.0f} MB" for t, kib in samples)
        )
        self.stdout.write(
            f"  after warm-up {first / 1024:.0f} MB -> end {last / 1024:.0f} MB "
            f"({growth:+.1%}), peak {peak / 1024:.0f} MB"
        )
        problems = []
        if result["errors"]:
            problems.append(f"{result['errors']} errors")
        if growth > GROWTH_ALLOWED:
            problems.append(f"memory grew {growth:.0%} after the warm-up")
        if problems:
            raise CommandError("Soak failed: " + "; ".join(problems))
        self.stdout.write(self.style.SUCCESS("Soak passed: no errors, memory flat."))
