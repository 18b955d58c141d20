"""The client's address behind proxies: one definition (newsroom.security.client_ip) for the
login lockout (django-axes), the API's request budget and the logs, tried through a real
nginx in front of a real gunicorn, as `make serve` runs it."""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection
from django.test import RequestFactory
from requests.adapters import HTTPAdapter

from articles.loadtest import redis_up
from newsroom.security import client_ip
from tests import servers
from tests.conftest import REDIS_URL, require, uses_postgresql

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
# Two readers' machines: loopback answers on all of 127/8, so each can be a source address.
ATTACKER, EDITOR = "127.0.0.2", "127.0.0.3"


# The rule ------------------------------------------------------------------------------


def request_from(peer: str, forwarded_for: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


def test_without_trusted_proxies_the_connection_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("198.51.100.7", "203.0.113.1")) == "198.51.100.7"


@pytest.mark.parametrize(
    "proxies, forwarded_for, expected",
    [
        # nginx appends the address it saw: the last entry is the client.
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.1, 198.51.100.7", "198.51.100.7"),  # the first one the client made up
        (2, "203.0.113.1,198.51.100.7, 10.0.0.5", "198.51.100.7"),  # CDN, then nginx
        (2, "2001:db8::1, 10.0.0.5", "2001:db8::1"),
    ],
)
def test_behind_n_proxies_the_nth_address_from_the_right(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request_from("10.0.0.9", forwarded_for)) == expected


@pytest.mark.parametrize("forwarded_for", [None, "", "not-an-address", "1.2.3.4, <script>"])
def test_a_missing_or_garbled_header_falls_back_to_the_connection(settings, forwarded_for):
    """Fewer addresses than proxies, or junk where the proxy's entry should be, means the
    header did not come from our proxies: the connection's address is all we can trust."""
    settings.TRUSTED_PROXY_COUNT = 1 if forwarded_for != "" else 2
    assert client_ip(request_from("10.0.0.9", forwarded_for)) == "10.0.0.9"


# Through nginx and gunicorn ---------------------------------------------------------------


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    """Until `url` answers (a process starting up cannot be hurried)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited:\n{log.read_text()}")
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """collectstatic once, as `make serve` does (DEBUG off needs the manifest)."""
    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 50, "STATIC_ROOT": str(root)}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return root


NGINX_CONF = """
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


@pytest.fixture
def site_behind_nginx(transactional_db, static_root, tmp_path):
    """gunicorn as `make serve` starts it, on the test database, behind nginx as the
    operators' guide configures it; yields nginx's address and gunicorn's log files."""
    require(uses_postgresql(), "the nginx test needs PostgreSQL (gunicorn shares its database)")
    nginx = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    require(nginx is not None, "nginx is not installed (apt-get install nginx)")
    require(redis_up(), "Redis is not running on 127.0.0.1:6379 (the workers share the budget)")
    db = connection.settings_dict
    user = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}",
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"test-{secrets.token_hex(8)}",
        "PAGE_CACHE": "0",  # every API request reaches the throttle
        "STATIC_ROOT": str(static_root),
        "TRUSTED_PROXY_COUNT": "1",
        "LOGIN_FAILURE_LIMIT": "3",
        "API_RATE": "5/m",
        "REQUIRE_2FA": "",
        "LOG_LEVEL": "WARNING",
    }
    upstream, port = servers.port(), None
    access_log, app_log = tmp_path / "gunicorn-access.log", tmp_path / "gunicorn.log"
    with open(app_log, "w") as out:
        gunicorn = subprocess.Popen(
            # As `make serve` runs it; gunicorn.conf.py (read from the working directory) names
            # the access log's client the way the app does.
            [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "--bind", f"127.0.0.1:{upstream}",
             "--workers", "2", "--access-logfile", str(access_log),
             "--forwarded-allow-ips", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_for(f"http://127.0.0.1:{upstream}/healthz", gunicorn, app_log)
        port = servers.port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp_path,
                port=port,
                upstream=upstream,
                user="user root;" if os.geteuid() == 0 else "",
            )
        )
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "nginx-error.log"),
             "-g", "daemon off;"],
            stderr=subprocess.STDOUT,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", proxy, tmp_path / "nginx-error.log")
            yield f"http://127.0.0.1:{port}", access_log, app_log
        finally:
            stop(proxy)
    finally:
        stop(gunicorn)


class FromAddress(HTTPAdapter):
    """Connections from one local source address, like a separate machine."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def sign_in(session, base, username, password, **headers) -> int:
    form = session.get(f"{base}/admin/login/", headers=headers).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    response = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": token, "username": username, "password": password},
        headers=headers,
        allow_redirects=False,
    )
    return response.status_code


def logged(log: Path, pattern: str, count: int) -> list[re.Match]:
    """The first `count` lines of another process's log that match; gunicorn writes a line
    once the response is sent, so it may come a moment after the client has read it."""
    deadline = time.monotonic() + 10
    while True:
        found = [m for m in map(re.compile(pattern).search, log.read_text().splitlines()) if m]
        if len(found) >= count or time.monotonic() > deadline:
            return found[:count]
        time.sleep(0.05)


def logged_clients(access_log: Path, request_line: str, count: int) -> list[str]:
    """Who gunicorn's access log says sent these requests (its first field)."""
    lines = logged(access_log, rf"^(\S+) .*\"{re.escape(request_line)}", count)
    return [line.group(1) for line in lines]


def test_a_lockout_through_nginx_hits_the_attackers_address_not_everyones(
    site_behind_nginx, django_user_model
):
    base, access_log, app_log = site_behind_nginx
    django_user_model.objects.create_user("edna", password=PASSWORD, is_staff=True)
    attacker, editor = browser(ATTACKER), browser(EDITOR)
    # Wrong passwords for edna, some claiming to come from the editor's own address.
    codes = [
        sign_in(attacker, base, "edna", "guess", **({"X-Forwarded-For": EDITOR} if n % 2 else {}))
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert sign_in(attacker, base, "edna", PASSWORD) == 429  # locked, right password or not
    # The real editor, from her own machine, is not locked out by it.
    assert sign_in(editor, base, "edna", PASSWORD) == 302
    # The access log names each machine, not nginx, and not what the attacker claimed.
    assert logged_clients(access_log, "POST /admin/login/", 5) == [ATTACKER] * 4 + [EDITOR]
    # Django's own log lines name the same client.
    attacker.get(f"{base}/no-such-page/", headers={"X-Forwarded-For": EDITOR})
    assert re.search(
        rf"client {re.escape(ATTACKER)}.*Not Found: /no-such-page/", app_log.read_text()
    )


def test_the_api_budget_through_nginx_cannot_be_dodged_with_a_made_up_header(site_behind_nginx):
    base, access_log, _ = site_behind_nginx
    attacker, reader = browser(ATTACKER), browser(EDITOR)
    codes = [
        attacker.get(
            f"{base}/api/v1/sections/", headers={"X-Forwarded-For": f"198.51.100.{n}"}
        ).status_code
        for n in range(6)
    ]
    assert codes == [200] * 5 + [429]
    # The budget is the attacker's own: another reader still has theirs.
    assert reader.get(f"{base}/api/v1/sections/").status_code == 200
    assert logged_clients(access_log, "GET /api/v1/sections/", 7) == [ATTACKER] * 6 + [EDITOR]
