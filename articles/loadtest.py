"""Load-test plumbing shared by `make bench` and `make soak`: gunicorn with `make serve`
settings on a free port, wrk against it, and the figures wrk prints."""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request


def load_test_redis() -> str:
    """REDIS_URL, or a local Redis's database 14 when one answers, or "" (no warm phase)."""
    return os.environ.get("REDIS_URL") or ("redis://127.0.0.1:6379/14" if redis_up() else "")


def redis_up() -> bool:
    """Is a Redis answering on its usual local port?"""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


_ERROR_PATTERNS = (
    r"Non-2xx or 3xx responses: (\d+)",
    r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
)


def wrk(url: str, *, connections, seconds, extra=()) -> dict:
    out = subprocess.run(
        # wrk wants at least one connection per thread.
        [
            "wrk",
            f"-t{min(2, int(connections))}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            *extra,
            url,
        ],
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


class Server:
    """gunicorn with `make serve` settings, on a free port, for the length of a block."""

    def __init__(self, *, cached: bool, redis: str):
        """`redis` "" runs without a shared cache (nothing cached at all); with it, `cached`
        switches the page cache (fragments are on whenever Redis is)."""
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
        if self.redis:
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
