"""No SSRF through webhooks: addresses a webhook may not be sent to are refused when the
subscription is saved (with the reason) and again, on the address actually connected to,
before every attempt."""

import shutil
import socket
import subprocess

import pytest
from django.utils import timezone

from events.models import Event
from tests.conftest import require
from tests.factories import ArticleFactory
from tests.webhook_receiver import Receiver
from webhooks import delivery, urlguard
from webhooks.admin import SubscriptionForm
from webhooks.models import Delivery, Subscription
from webhooks.urlguard import Refused, vet

REFUSED = {
    # loopback, in every spelling
    "http://127.0.0.1/hook": "loopback",
    "http://127.9.9.9:8080/hook": "loopback",
    "http://localhost/hook": "loopback",  # a name that resolves to loopback
    "http://[::1]/hook": "loopback",
    "http://[::ffff:127.0.0.1]/hook": "loopback",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/hook": "loopback",
    "http://[64:ff9b::7f00:1]/hook": "loopback",  # NAT64
    "http://[2002:7f00:1::]/hook": "loopback",  # 6to4
    "http://2130706433/hook": "four decimal numbers",  # 127.0.0.1 as one number
    "http://0177.0.0.1/hook": "four decimal numbers",  # octal
    "http://0x7f.0.0.1/hook": "four decimal numbers",  # hexadecimal
    "http://127.1/hook": "four decimal numbers",  # short form
    "http://127.000.000.001/hook": "four decimal numbers",
    # private, shared, link-local (cloud metadata)
    "http://10.0.0.5/hook": "private",
    "http://172.16.3.4/hook": "private",
    "http://192.168.1.1/hook": "private",
    "http://100.64.0.1/hook": "private",
    "http://169.254.169.254/latest/meta-data/": "private",
    "http://[fe80::1]/hook": "private",
    "http://[fc00::1]/hook": "private",
    "http://[::ffff:10.0.0.5]/hook": "private",
    "http://[::ffff:169.254.169.254]/hook": "private",
    # nowhere a request can go
    "http://0.0.0.0/hook": "not an address",
    "http://[::]/hook": "not an address",
    "http://224.0.0.1/hook": "not an address",
    "http://[ff02::1]/hook": "not an address",
    "http://255.255.255.255/hook": "not an address",
    "http://240.0.0.1/hook": "not an address",
    # the site itself (ALLOWED_HOSTS and SITE_URL below)
    "https://news.example.com/hook": "the site itself",
    "https://www.news.example.com/hook": "the site itself",
    "https://cms.example.org/hook": "the site itself",
    # not a webhook address at all
    "ftp://8.8.8.8/hook": "Only http",
    "file:///etc/passwd": "Only http",
    "gopher://8.8.8.8:70/_": "Only http",
    "https://user:pw@8.8.8.8/hook": "user name",
    "https://8.8.8.8:99999/hook": "port",
}


@pytest.fixture(autouse=True)
def production(settings):
    """As a production site is set: no DEBUG defaults for loopback or plain http."""
    settings.ALLOWED_HOSTS = [".news.example.com", "127.0.0.1", "*"]
    settings.NEWSROOM_SITE_URL = "https://cms.example.org"
    settings.WEBHOOKS_ALLOW_HTTP = True  # (refused on its own below)
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_ALLOWED_HOSTS = []


@pytest.mark.parametrize(("url", "why"), REFUSED.items())
def test_webhooks_are_refused_where_they_could_reach_inside(url, why):
    with pytest.raises(Refused, match=why):
        vet(url)


@pytest.mark.parametrize(
    ("url", "address", "port"),
    [
        ("https://8.8.8.8/hook", "8.8.8.8", 443),
        ("https://[2606:4700:4700::1111]/hook", "2606:4700:4700::1111", 443),
        ("http://1.1.1.1:8443/", "1.1.1.1", 8443),
        ("https://[::ffff:8.8.4.4]/", "::ffff:808:404", 443),
    ],
)
def test_public_addresses_are_accepted(url, address, port):
    target = vet(url)
    assert (target.address, target.port) == (address, port)


def test_plain_http_is_refused_in_production_unless_allowed(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(Refused, match="https"):
        vet("http://8.8.8.8/hook")
    assert vet("https://8.8.8.8/hook").scheme == "https"


def test_the_operator_may_allow_loopback_private_networks_or_named_hosts(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert vet("http://127.0.0.1:8161/hook").address == "127.0.0.1"
    assert vet("http://[::ffff:127.0.0.1]/hook").port == 80
    with pytest.raises(Refused, match="private"):
        vet("http://10.0.0.5/hook")
    settings.WEBHOOKS_ALLOWED_HOSTS = ["10.1.2.0/24", "localhost"]
    assert vet("http://10.1.2.3/hook").address == "10.1.2.3"
    with pytest.raises(Refused, match="private"):
        vet("http://10.1.3.3/hook")
    settings.ALLOWED_HOSTS = ["localhost"]
    # Allowed by name, though the site answers to it; it resolves to loopback, allowed too.
    assert vet("http://localhost:8161/hook").address in ("127.0.0.1", "::1")
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    assert vet("http://169.254.169.254/").address == "169.254.169.254"
    with pytest.raises(Refused, match="not an address"):
        vet("http://224.0.0.1/")  # never a receiver


def _resolving_to(monkeypatch, address):
    """A partner's DNS we cannot run here: its name answers with ``address``."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    answer = [(family, socket.SOCK_STREAM, 6, "", (address, 443))]
    monkeypatch.setattr(urlguard.socket, "getaddrinfo", lambda *args, **kwargs: answer)


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "169.254.0.1",
        "fe80::1",
        "fd00:ec2::254",
        "100.100.100.200",
        "::ffff:169.254.169.254",
        "64:ff9b::a9fe:a9fe",
        "127.0.0.1",
        "::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_an_allowed_name_still_never_reaches_metadata_loopback_or_nowhere(
    settings, monkeypatch, address
):
    """WEBHOOKS_ALLOWED_HOSTS by name: if that name's DNS later points inside (a partner's
    compromised zone, an expired domain), nothing is sent there."""
    settings.WEBHOOKS_ALLOWED_HOSTS = ["hooks.partner.example"]
    _resolving_to(monkeypatch, address)
    with pytest.raises(Refused):
        vet("https://hooks.partner.example/latest/meta-data/")


def test_an_allowed_name_reaches_its_private_network_and_what_the_classes_allow(
    settings, monkeypatch
):
    settings.WEBHOOKS_ALLOWED_HOSTS = ["hooks.partner.example"]
    url = "https://hooks.partner.example/hook"
    _resolving_to(monkeypatch, "10.0.0.7")
    assert vet(url).address == "10.0.0.7"
    _resolving_to(monkeypatch, "127.0.0.1")
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    assert vet(url).address == "127.0.0.1"
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    _resolving_to(monkeypatch, "169.254.169.254")
    settings.WEBHOOKS_ALLOWED_HOSTS = ["hooks.partner.example", "169.254.169.254/32"]
    assert vet(url).address == "169.254.169.254"  # a network entry says so on purpose


def test_the_admin_form_says_why_an_address_is_refused(db):
    form = SubscriptionForm(
        data={
            "name": "Intranet",
            "url": "http://169.254.169.254/",
            "event_kinds": ["story.published"],
        }
    )
    assert not form.is_valid()
    [message] = form.errors["url"]
    assert "169.254.169.254 is on a private or internal network" in message
    ok = SubscriptionForm(
        data={"name": "App", "url": "https://8.8.8.8/hook", "event_kinds": ["story.published"]}
    )
    assert ok.is_valid(), ok.errors


def test_each_attempt_checks_the_address_again_and_connects_to_the_one_it_checked(
    settings, django_capture_on_commit_callbacks, db
):
    """Allowed when saved, loopback is refused at the attempt once the operator says so;
    while allowed, the attempt goes to the address the name was vetted on, with the name as
    its Host."""
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.NEWSROOM_TASKS_BROKER_URL = ""
    settings.ALLOWED_HOSTS = []
    receiver = Receiver().start()
    try:
        subscription = Subscription.objects.create(
            name="App",
            url=f"http://localhost:{receiver.port}/hook",
            event_kinds=["story.published"],
        )
        event = Event.objects.create(
            kind="story.published", article=ArticleFactory(), payload={}, occurred_at=timezone.now()
        )
        with django_capture_on_commit_callbacks(execute=True):
            delivery.schedule_after_commit(delivery.fan_out(event))
        [request] = receiver.received
        assert request.headers["host"] == f"localhost:{receiver.port}"

        settings.WEBHOOKS_ALLOW_LOOPBACK = False
        with django_capture_on_commit_callbacks(execute=True):
            delivery.send_test(subscription)
        assert len(receiver.received) == 1  # nothing sent
        refused = Delivery.objects.get(event=None)
        assert refused.error.startswith("Refused: 127.0.0.1 is this machine (loopback)")
        assert refused.status == "pending" and refused.response_code is None
    finally:
        receiver.stop()


def test_https_receivers_must_show_a_valid_certificate_for_their_name(
    settings, tmp_path, django_capture_on_commit_callbacks, db
):
    """The attempt connects to the vetted address but checks the certificate against the
    URL's name (TLS server name and hostname check): a self-signed one is refused."""
    require(shutil.which("openssl") is not None, "openssl is missing: TLS receiver not tested")
    pem = tmp_path / "receiver.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
        + ["-keyout", str(pem), "-out", str(tmp_path / "cert.pem")],
        check=True,
        capture_output=True,
    )
    pem.write_text(pem.read_text() + (tmp_path / "cert.pem").read_text())
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.NEWSROOM_TASKS_BROKER_URL = ""
    settings.ALLOWED_HOSTS = []
    receiver = Receiver(certificate=str(pem)).start()
    try:
        subscription = Subscription.objects.create(
            name="App", url=f"https://localhost:{receiver.port}/hook", event_kinds=["x"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            sent = delivery.send_test(subscription)
        sent.refresh_from_db()
        assert sent.error.startswith("TLS failed") and "certificate verify failed" in sent.error
        assert receiver.received == []
    finally:
        receiver.stop()
