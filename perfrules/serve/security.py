"""Who may call what: loopback by default, a bearer token for the API, CSRF for the pages.

A state-changing request (every POST) must carry either ``Authorization: Bearer <token>``
(an API client; browsers never add it by themselves) or the per-server CSRF token in the
``X-Perfrules-CSRF`` header, which a cross-site form cannot set and a cross-site script
cannot read.  An ``Origin`` from another site is refused outright, and the ``Host`` must be
one this server answers to (DNS rebinding).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets

import attrs

CSRF_HEADER = "x-perfrules-csrf"
TOKEN_COOKIE = "perfrules_token"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@attrs.frozen
class Guard:
    token: str | None
    csrf: str = attrs.field(factory=lambda: secrets.token_urlsafe(24))

    def bearer_ok(self, authorization: str | None) -> bool:
        if not self.token or not authorization or not authorization.startswith("Bearer "):
            return False
        return hmac.compare_digest(authorization[7:].strip(), self.token)

    def cookie_ok(self, cookie: str | None) -> bool:
        return bool(self.token and cookie and hmac.compare_digest(cookie, self.token))

    def csrf_ok(self, header: str | None) -> bool:
        return bool(header) and hmac.compare_digest(header or "", self.csrf)


def same_origin(origin: str | None, host: str | None) -> bool:
    """No Origin (curl, same-origin GET) is fine; otherwise it must name this very host."""
    if origin is None:
        return True
    if origin == "null" or not host:
        return False
    return origin.split("://", 1)[-1].rstrip("/") == host
