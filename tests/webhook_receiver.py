"""A real HTTP receiver for the webhook tests: a threading http.server on a test port that
checks each delivery's Standard Webhooks signature with the reference implementation (the
`standardwebhooks` package, not our code), de-duplicates by webhook-id as receivers should,
and answers as the test tells it: 200 or any status, slowly, or not at all (a hung receiver)."""

import json
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError

from tests.servers import port as free_port


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    secret: str | None = None
    port: int = field(default_factory=free_port)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    delay: float = 0  # seconds each answer takes (a busy receiver)
    certificate: str | None = None  # a PEM file with key and certificate: answer over TLS

    def __post_init__(self):
        self.received: list[Received] = []
        self.release = threading.Event()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/newsroom?from=test"

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {key.lower(): value for key, value in self.headers.items()}
                receiver.received.append(Received(headers, body, receiver.verify(headers, body)))
                if receiver.hang or receiver.delay:
                    receiver.release.wait(30 if receiver.hang else receiver.delay)
                self.send_response(receiver.status)
                for key, value in receiver.headers.items():
                    self.send_header(key, value)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(f"receiver says {receiver.status}".encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        if self.certificate:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certificate)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def verify(self, headers: dict, body: bytes) -> bool:
        if self.secret is None:
            return False
        try:
            Webhook(self.secret).verify(body, headers)
            return True
        except WebhookVerificationError:
            return False

    @property
    def unique(self) -> dict[str, Received]:
        """What a receiver that de-duplicates by webhook-id keeps: the first of each."""
        kept = {}
        for request in self.received:
            kept.setdefault(request.webhook_id, request)
        return kept
