"""Where a webhook may point: an https:// address whose host resolves only to public addresses.

Loopback, private (RFC 1918, unique-local), link-local, multicast, reserved and unspecified addresses
are refused, so a webhook cannot reach the forum's own network (server-side request forgery). The
address is checked when the endpoint is registered and again at every delivery (DNS can change),
and the delivery connects to the address that was checked. WEBHOOKS_ALLOW_PRIVATE=1 allows them,
and http://, for development and tests.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from forum.errors import ValidationError
from forum.i18n import _

URL_MAX = 500


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, {"url": [message]})


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


def resolve(host: str, port: int, allow_private: bool) -> list[str]:
    """The host's addresses, every one public unless allowed; ValidationError otherwise."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise _refuse(_("The address “%(host)s” could not be found.", host=host)) from exc
    found = list(dict.fromkeys(info[4][0] for info in infos))
    if not found:
        raise _refuse(_("The address “%(host)s” could not be found.", host=host))
    if not allow_private and not all(is_public(a) for a in found):
        raise _refuse(_("Webhooks cannot point at loopback, private or link-local addresses."))
    return found


def parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a checked URL."""
    split = urlsplit(url)
    port = split.port or (443 if split.scheme == "https" else 80)
    path = (split.path or "/") + (f"?{split.query}" if split.query else "")
    return split.scheme, split.hostname or "", port, path


def check_url(url: Any, *, allow_private: bool) -> str:
    """The URL, stripped, if a webhook may be sent to it; ValidationError with the reason otherwise."""
    text = str(url or "").strip() if isinstance(url, str) else ""
    if not text or len(text) > URL_MAX or any(ord(ch) < 33 for ch in text):
        raise _refuse(_("Give the full address of your endpoint, e.g. https://example.com/hooks."))
    try:
        split = urlsplit(text)
        port = split.port
    except ValueError as exc:
        raise _refuse(_("That is not a web address.")) from exc
    if split.scheme not in ("https", "http") or not split.hostname:
        raise _refuse(_("Give the full address of your endpoint, e.g. https://example.com/hooks."))
    if split.scheme == "http" and not allow_private:
        raise _refuse(_("Webhooks are sent over https:// only."))
    if split.username or split.password:
        raise _refuse(_("Put no user name or password in the address; check the signature instead."))
    resolve(split.hostname, port or (443 if split.scheme == "https" else 80), allow_private)
    return text
