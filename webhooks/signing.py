"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A secret is `whsec_` and 32 random bytes in base64. The signature of a message is `v1,` and
the base64 HMAC-SHA256, keyed with those bytes, of "{webhook-id}.{webhook-timestamp}.{body}".
Written here with the standard library (it is six lines); the tests check it against the
reference implementation (the `standardwebhooks` package), which is kept out of the runtime so
that the check stays independent.
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def headers(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id=msg_id, timestamp=timestamp, body=body),
    }
