"""Load-test plumbing shared by `make bench` and `make soak`: gunicorn with `make serve`
settings on a free port, Varnish in front of it as deploy/varnish has it, wrk against them,
and the figures wrk prints."""

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


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

    def __init__(self, *, cached: bool, redis: str, env: dict | None = None, access_log=None):
        """`redis` "" runs without a shared cache (nothing cached at all); with it, `cached`
        switches the page cache (fragments are on whenever Redis is). `env`: more settings.
        `access_log`: a file where gunicorn writes each request's path and the page cache's
        verdict (X-Page-Cache: miss is a render at the origin, hit a stored copy)."""
        self.cached, self.redis, self.extra = cached, redis, env or {}
        self.access_log = access_log

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
            **self.extra,
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
                *(
                    [
                        "--access-logfile",
                        str(self.access_log),
                        "--access-logformat",
                        "%(U)s %(s)s %({x-page-cache}o)s",
                    ]
                    if self.access_log
                    else []
                ),
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


VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
VCL = Path(__file__).resolve().parent.parent / "deploy" / "varnish"


class Varnish:
    """varnishd with deploy/varnish/newsroom.vcl in front of `backends` (HOST:PORT), its
    backends file written by deploy/varnish/backends.sh as `make stack` writes it, for the
    length of a block (which gets its base URL). A PURGE needs `purge_secret` (default: a new
    one, in the attribute of that name) as CDN_PURGE_SECRET."""

    def __init__(
        self,
        *,
        backends: list[str],
        port: int | None = None,
        purgers="127.0.0.1",
        purge_secret: str | None = None,
    ):
        self.backends, self.port, self.purgers = backends, port or _free_port(), purgers
        self.purge_secret = purge_secret or secrets.token_urlsafe(24)

    def __enter__(self) -> str:
        # Run as root, varnishd's worker process drops to its own user: its folder must be
        # reachable by that user (a private temporary folder is not).
        self.workdir = Path(tempfile.mkdtemp(prefix="newsroom-varnish-"))
        self.workdir.chmod(0o755)
        backends_vcl = subprocess.run(
            [str(VCL / "backends.sh"), *self.backends],
            env={**os.environ, "PURGERS": self.purgers, "CDN_PURGE_SECRET": self.purge_secret},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        (self.workdir / "newsroom-backends.vcl").write_text(backends_vcl)
        self.process = subprocess.Popen(
            [
                VARNISHD,
                "-F",
                "-n",
                str(self.workdir / "state"),
                "-a",
                f"127.0.0.1:{self.port}",
                "-T",
                "none",
                "-p",
                f"vcl_path={self.workdir}:{VCL}",
                "-f",
                str(VCL / "newsroom.vcl"),
                "-s",
                "malloc,256m",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode()[-2000:]
                shutil.rmtree(self.workdir, ignore_errors=True)
                raise RuntimeError(f"varnishd exited: {error}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise TimeoutError("varnishd did not start within 20 s") from None
                time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def backend_requests(self) -> int:
        """How many requests Varnish has sent to the app servers so far (varnishstat)."""
        out = subprocess.run(
            ["varnishstat", "-n", str(self.workdir / "state"), "-1", "-f", "MAIN.backend_req"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return int(out.split()[1])

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
