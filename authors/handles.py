"""Contact handles: each kind accepts what people paste, stores one normal form, and
knows its link.

People paste handles in many shapes ("@janeroe", "x.com/janeroe", a profile URL); each kind
turns them into one stored form or says clearly what it expected.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext_lazy as _

_DOMAIN = re.compile(
    r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)


def _strip_url(value: str, hosts: tuple[str, ...]) -> str | None:
    """The path of ``value`` when it is a URL (scheme optional) on one of ``hosts``."""
    candidate = value if "://" in value else "https://" + value
    parts = urlsplit(candidate)
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("mobile.")
    if host in hosts:
        return parts.path.strip("/")
    return None


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    example: str

    def normalize(self, value: str) -> str:
        raise NotImplementedError

    def url(self, value: str) -> str:
        raise NotImplementedError

    def display(self, value: str) -> str:
        return value

    def error(self) -> ValidationError:
        return ValidationError(
            _("Enter a %(kind)s such as %(example)s."),
            params={"kind": self.label, "example": self.example},
            code="invalid_handle",
        )


class Email(Kind):
    def normalize(self, value):
        value = value.removeprefix("mailto:")
        try:
            validate_email(value)
        except ValidationError:
            raise self.error() from None
        local, _, domain = value.rpartition("@")
        return f"{local}@{domain.lower()}"

    def url(self, value):
        return f"mailto:{value}"


class X(Kind):
    _name = re.compile(r"^[A-Za-z0-9_]{1,15}$")

    def normalize(self, value):
        path = _strip_url(value, ("x.com", "twitter.com"))
        name = (path if path is not None else value).removeprefix("@")
        if not self._name.match(name):
            raise self.error()
        return name

    def url(self, value):
        return f"https://x.com/{value}"

    def display(self, value):
        return f"@{value}"


class Mastodon(Kind):
    _user = re.compile(r"^[A-Za-z0-9_]{1,30}$")

    def normalize(self, value):
        if "://" in value or (value.count("@") == 1 and "/" in value):
            parts = urlsplit(value if "://" in value else "https://" + value)
            user, host = parts.path.strip("/").removeprefix("@"), parts.hostname or ""
        else:
            user, _, host = value.removeprefix("@").partition("@")
        host = host.lower()
        if not self._user.match(user) or not _DOMAIN.match(host):
            raise self.error()
        return f"@{user}@{host}"

    def url(self, value):
        user, host = value[1:].split("@")
        return f"https://{host}/@{user}"


class Bluesky(Kind):
    def normalize(self, value):
        path = _strip_url(value, ("bsky.app",))
        if path is not None:
            value = path.removeprefix("profile/")
        handle = value.removeprefix("@").lower()
        if not _DOMAIN.match(handle) or handle.rsplit(".", 1)[-1].isdigit():
            raise self.error()
        return handle

    def url(self, value):
        return f"https://bsky.app/profile/{value}"

    def display(self, value):
        return f"@{value}"


class LinkedIn(Kind):
    _slug = re.compile(r"^[A-Za-z0-9\-_%]{3,100}$")

    def normalize(self, value):
        path = _strip_url(value, ("linkedin.com",))
        if path is None:
            path = value.strip("/")
        slug = path.removeprefix("in/")
        if not self._slug.match(slug):
            raise self.error()
        return slug

    def url(self, value):
        return f"https://www.linkedin.com/in/{value}/"

    def display(self, value):
        return f"in/{value}"


class Website(Kind):
    _validate = URLValidator(schemes=["http", "https"])

    def normalize(self, value):
        try:
            self._validate(value)
        except ValidationError:
            raise self.error() from None
        return value

    def url(self, value):
        return value

    def display(self, value):
        parts = urlsplit(value)
        host = (parts.hostname or "").removeprefix("www.")
        path = parts.path.rstrip("/")
        return host + path


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Email("email", _("Email"), "jane@example.com"),
        X("x", _("X (Twitter)"), "@janeroe"),
        Mastodon("mastodon", _("Mastodon"), "@janeroe@mastodon.social"),
        Bluesky("bluesky", _("Bluesky"), "@janeroe.bsky.social"),
        LinkedIn("linkedin", _("LinkedIn"), "https://www.linkedin.com/in/janeroe/"),
        Website("website", _("Website"), "https://janeroe.example.com/"),
    )
}
