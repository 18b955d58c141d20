"""Which addresses a webhook may be sent to (no SSRF).

A subscription's URL is checked when it is saved (the admin shows why it is refused) and
again before every attempt, on the addresses the name resolves to then: the attempt connects
to the address that was checked, never to whatever a second lookup returns (DNS rebinding).

Refused unless the operator allows them (settings WEBHOOKS_*, docs/operators-guide.md):
- the site itself: its SITE_URL host and the names in ALLOWED_HOSTS;
- loopback (allowed by default only with DEBUG), private, link-local (cloud metadata at
  169.254.169.254), shared and other non-public networks, IPv4 and IPv6 alike, including IPv4
  inside IPv6 (::ffff:127.0.0.1, 6to4, Teredo, NAT64);
- always: multicast, broadcast, unspecified and reserved addresses, numbers written in other
  forms than four decimals (2130706433, 0177.0.0.1, 0x7f.1, 127.1), user names and passwords in
  the URL, schemes other than http and https, and http without TLS unless allowed.

A name in WEBHOOKS_ALLOWED_HOSTS lifts the site-itself and private-network rules for that name
only: what it resolves to is still checked, and link-local and cloud metadata addresses
(169.254.0.0/16, fe80::/10, fd00:ec2::254) and loopback stay refused unless the address class
is allowed (WEBHOOKS_ALLOW_PRIVATE, WEBHOOKS_ALLOW_LOOPBACK) or a network entry names them: a
name's DNS can change under a partner's feet, an address class is the operator's decision.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Cloud metadata services outside the link-local ranges: AWS's IPv6 one, Alibaba's.
METADATA = {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
# A label of an address written as numbers: decimal, octal (leading 0) or hexadecimal (0x).
_NUMBER = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


class Refused(ValueError):
    """The URL may not receive webhooks; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    """Where an attempt goes: the vetted addresses to connect to (in the resolver's order),
    and the name to present (the Host header, TLS's server name and certificate check)."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def vet(url: str) -> Target:
    """The target of `url` if webhooks may go there, else Refused saying why."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(_("Only http:// and https:// addresses can receive webhooks."))
    if scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise Refused(_("Use https://: plain http is not allowed here (WEBHOOKS_ALLOW_HTTP)."))
    if "@" in parts.netloc:
        raise Refused(_("Put no user name or password in the address; the signature is the proof."))
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused(_("The port is not a number from 1 to 65535.")) from None
    host = (parts.hostname or "").rstrip(".")
    if not host or port == 0:
        raise Refused(_("The address has no host name."))
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise Refused(_("The host name is not a valid internet name.")) from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    allowed = _operator_allows_name(host)
    if not allowed and _is_this_site(host):
        raise Refused(_("This address is the site itself; webhooks go to other systems."))
    literal = _literal(host)
    if literal is None and all(_NUMBER.match(label) for label in host.split(".")):
        raise Refused(_("Write an IP address as four decimal numbers (e.g. 203.0.113.7)."))
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(_("The host name %(host)s cannot be found.") % {"host": host}) from None
    addresses = list(
        dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in found)
    )
    if not addresses:
        raise Refused(_("The host name %(host)s cannot be found.") % {"host": host})
    for address in addresses:
        why = refusal(address, named=allowed)
        if why:
            raise Refused(why)
    return Target(scheme, host, port, path, tuple(str(address) for address in addresses))


def refusal(address: IPAddress, *, named: bool = False) -> str | None:
    """Why webhooks may not go to this address, or None when they may. ``named``: the host
    name is in WEBHOOKS_ALLOWED_HOSTS, which allows private networks, and no more."""
    if any(address in network for network in _allowed_networks()):
        return None
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return refusal(embedded, named=named)
    if address.is_loopback:
        if settings.WEBHOOKS_ALLOW_LOOPBACK or settings.WEBHOOKS_ALLOW_PRIVATE:
            return None
        return _(
            "%(address)s is this machine (loopback); allowed only with WEBHOOKS_ALLOW_LOOPBACK."
        ) % {"address": address}
    if (
        address.is_multicast
        or address.is_unspecified
        or address.is_reserved
        or address == ipaddress.IPv4Address("255.255.255.255")
    ):
        return _("%(address)s is not an address a webhook can be sent to.") % {"address": address}
    if not address.is_global:
        if settings.WEBHOOKS_ALLOW_PRIVATE:
            return None
        if named and (address.is_link_local or address in METADATA):
            return _(
                "%(address)s is link-local or a cloud metadata address: allowed only with "
                "WEBHOOKS_ALLOW_PRIVATE, whatever name it is reached by."
            ) % {"address": address}
        if named:
            return None
        return _(
            "%(address)s is on a private or internal network; allowed only with "
            "WEBHOOKS_ALLOW_PRIVATE or WEBHOOKS_ALLOWED_HOSTS."
        ) % {"address": address}
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (and reaches): mapped, 6to4, Teredo, NAT64."""
    if address.version != 6:
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_this_site(host: str) -> bool:
    """A name the site answers to: SITE_URL's host, or a name (not an address, not "*") in
    ALLOWED_HOSTS. Addresses of this machine are refused by the address rules instead."""
    names = [
        pattern.lower()
        for pattern in settings.ALLOWED_HOSTS
        if pattern != "*" and _literal(pattern.strip("[]")) is None
    ]
    site = urlsplit(settings.NEWSROOM_SITE_URL).hostname
    if site and _literal(site) is None:
        names.append(site.lower())
    return validate_host(host, names)


def _operator_allows_name(host: str) -> bool:
    names = [entry.lower() for entry in settings.WEBHOOKS_ALLOWED_HOSTS if not _network(entry)]
    return validate_host(host, names)


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [network for entry in settings.WEBHOOKS_ALLOWED_HOSTS if (network := _network(entry))]


def _network(entry: str):
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        return None
