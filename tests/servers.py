"""Real servers for the tests that need them: gunicorn as `make serve` runs it (DEBUG off),
on the test database, and a redis-server of the test's own that it can stop and resume.

Ports: a free one from the system, or, when runs side by side must keep to the ports they
were given, the next of NEWSROOM_TEST_PORTS (e.g. "8101-8109"), round and round.
"""

import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.db import connection

_given = os.environ.get("NEWSROOM_TEST_PORTS", "")
_ports = (
    itertools.cycle(range(int(_given.split("-")[0]), int(_given.split("-")[-1]) + 1))
    if _given
    else None
)


def port() -> int:
    if _ports is not None:
        return next(_ports)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until(ready, seconds: float, what: str) -> None:
    """Poll a process that starts on its own clock (nothing in the test can speed it up)."""
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {seconds} s")
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
        return True
    except OSError:
        return False


def collect_static(root: Path) -> Path:
    """What DEBUG off serves (whitenoise's manifest), collected once into `root`."""
    if not (root / "staticfiles.json").exists():
        env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "collectstatic", "STATIC_ROOT": str(root)}
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )
    return root


@contextmanager
def gunicorn(*, static_root: Path, workers: int = 3, timeout: int = 20, env=None, log=None):
    """gunicorn serving this checkout with DEBUG off, on the test database (the test must be
    transactional so that what it writes is committed and visible here) and on the same
    cache as the test (settings.CACHES: location and key prefix). Yields its base URL."""
    cache = settings.CACHES["default"]
    bind = port()
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "STATIC_ROOT": str(static_root),
        "LOG_LEVEL": "WARNING",
        "PAGE_CACHE": "1" if settings.NEWSROOM_PAGE_CACHE else "0",
        "FRAGMENT_CACHE": "1" if settings.NEWSROOM_FRAGMENT_CACHE else "0",
        **(env or {}),
    }
    if cache["BACKEND"] == "newsroom.cache.RedisCache":
        environment["REDIS_URL"] = cache["LOCATION"]
        environment["CACHE_KEY_PREFIX"] = cache.get("KEY_PREFIX", "")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{bind}",
            "--workers",
            str(workers),
            "--timeout",
            str(timeout),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        stderr=open(log, "w") if log else None,  # noqa: SIM115 (closed with the process)
    )
    base = f"http://127.0.0.1:{bind}"
    try:
        _wait_until(
            lambda: process.poll() is None and _answers(base + "/robots.txt"), 20, "gunicorn"
        )
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


def _database_url() -> str:
    """The test database's address, for another process: only PostgreSQL's can be shared
    (SQLite's test database lives in this process's memory), so elsewhere the test skips,
    loudly, and fails under NEWSROOM_REQUIRE_ALL=1."""
    from tests.conftest import require, uses_postgresql

    require(uses_postgresql(), "another process shares the test database only on PostgreSQL")
    db = connection.settings_dict
    user, password = db.get("USER") or "", db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    where = f"{host}:{db['PORT']}" if db.get("PORT") else host
    return f"postgres://{auth}{where}/{db['NAME']}"


REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """A redis-server of the test's own (no persistence), which it may freeze (SIGSTOP) as a
    hung Redis does and thaw again."""

    def __init__(self, workdir: Path):
        self.port = port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.start()

    def start(self) -> None:
        """Start (or start again, on the same port, empty) the server."""
        workdir = self.workdir
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        _wait_until(self._listening, 10, "redis-server")

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            return True
        except OSError:
            return False

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def background(command: list[str], *, env=None, log=None):
    """A manage.py or celery process of this checkout on the test database (PostgreSQL only),
    in a process group of its own so that `kill` (SIGKILL, as a crash does) takes its child
    processes too. Yields the Popen; stopped at the end whatever state it is in."""
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": _database_url(),
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=open(log, "w") if log else subprocess.DEVNULL,  # noqa: SIM115 (closed below)
        start_new_session=True,
    )
    try:
        yield process
    finally:
        kill(process, signal.SIGTERM)
        if process.stderr:
            process.stderr.close()


def kill(process: subprocess.Popen, how=signal.SIGKILL) -> None:
    """Signal the whole process group and wait for its leader."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, how)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def celery_worker(broker_url: str, *, env=None, log=None, concurrency: int = 2):
    """`make worker` as a test runs it: a Celery worker on `broker_url` and the test database."""
    return background(
        [
            "-m",
            "celery",
            "-A",
            "newsroom.celery",
            "worker",
            "--loglevel=WARNING",
            f"--concurrency={concurrency}",
            "--without-gossip",
            "--without-mingle",
        ],
        env={"TASKS_BROKER_URL": broker_url, **(env or {})},
        log=log,
    )


def wait_for(condition, seconds: float, what: str):
    """Poll, with a deadline, for something a real process does on its own clock."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds} s")
        time.sleep(0.1)


def varnish_installed() -> bool:
    from articles.loadtest import VARNISHD

    return Path(VARNISHD).exists()


# The purge secret of the Varnish the tests start (deploy/varnish/backends.sh).
PURGE_SECRET = "tests-varnish-purge-secret"


@contextmanager
def varnish(*, backends: list[str], purgers: str = "127.0.0.1"):
    """varnishd with deploy/varnish/newsroom.vcl in front of `backends` (HOST:PORT), on one
    of the test's ports (articles.loadtest.Varnish). Yields its base URL once it answers; a
    PURGE needs PURGE_SECRET (settings.NEWSROOM_CDN_PURGE_SECRET in the test)."""
    from articles.loadtest import Varnish
    from tests.conftest import require

    require(varnish_installed(), "varnishd is not installed (Debian: varnish varnish-modules)")
    with Varnish(
        backends=backends, port=port(), purgers=purgers, purge_secret=PURGE_SECRET
    ) as base:
        yield base
