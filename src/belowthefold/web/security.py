"""The web app's guards: security headers, safe links, the admin token, private feed URLs.

Kept apart from the pages so each rule is small enough to read and test on its own.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# One link rule for the brief and the pages (`safe_href` is the pages' filter name for it).
from belowthefold.brief.view import safe_url as safe_href

# One address rule for adding a feed here and for every connection the fetcher makes.
from belowthefold.fetch.addresses import Resolver, address_problem, is_public_address, resolve_host

# No inline script anywhere (the JS is a file); styles come from our stylesheet only, and the
# SVG charts use presentation attributes, which CSP does not treat as inline style.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The brief's own HTML (from belowthefold.brief) carries its stylesheet inline; still no script.
CSP_BRIEF = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

SAFE_SCHEMES = ("http", "https")

__all__ = ["Resolver", "feed_url_problem", "is_public_address", "resolve_host", "safe_href"]


def token_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; no token configured means no admin at all."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def feed_url_problem(url: str, allow_private: bool, resolve: Resolver = resolve_host) -> str | None:
    """Why a feed URL may not be added from the web, or None when it may.

    Every resolved address must be public, so a name with one private record is refused too
    (the fetcher could connect to either).
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in SAFE_SCHEMES or not host:
        return "feed URL must be http(s) with a host"
    if allow_private:
        return None
    return address_problem(host, resolve)[1]


class SecurityHeaders:
    """ASGI middleware adding CSP, nosniff, frame and referrer headers to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": CSP.encode(),
                    b"x-content-type-options": b"nosniff",
                    b"x-frame-options": b"DENY",
                    b"referrer-policy": b"no-referrer",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                headers.extend((k, v) for k, v in extra.items() if k not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
