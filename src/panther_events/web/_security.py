"""What every response carries and every request must pass: security headers, host and token.

The dashboard shows attacker-controlled protocol data, so the headers forbid inline scripts
(Content-Security-Policy), sniffing and framing; a dashboard on a loopback address answers only
requests addressed to a loopback name (no DNS rebinding); one on any other address requires the
token given to ``serve --token``, as ``?token=`` once (then a cookie), a cookie or a bearer header.
"""

from __future__ import annotations

import ipaddress
import secrets
import string
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TOKEN_COOKIE", "SecurityMiddleware", "is_loopback"]

#: The cookie that carries the token after the first ``?token=`` request.
TOKEN_COOKIE = "panther_events_token"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(headers: dict[bytes, bytes]) -> str:
    host = headers.get(b"host", b"").decode("latin-1").lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class SecurityMiddleware:
    """Adds the security headers to every HTTP response and refuses requests that fail the
    host or token check with a plain 403 or 401 (never the page).

    Args:
        app: the application.
        token: the required token, or None for a loopback-only dashboard.
        extra_hosts: host names accepted besides the loopback ones (tests use ``testserver``).
    """

    def __init__(
        self, app: ASGIApp, *, token: str | None, extra_hosts: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.token = token
        self.hosts = _LOOPBACK_NAMES | extra_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        set_cookie = False
        if self.token is None:
            if _host_name(headers) not in self.hosts:
                await _refuse(send, 403, "this dashboard answers requests to 127.0.0.1 only")
                return
        else:
            given = self._given_token(scope, headers)
            # Bytes: comparing text with non-ASCII characters would raise.
            if given is None or not secrets.compare_digest(
                given.encode("utf-8", "surrogateescape"), self.token.encode()
            ):
                await _refuse(send, 401, "a token is required: open the URL that 'serve' printed")
                return
            set_cookie = b"token=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
                if set_cookie and self.token is not None:
                    cookie = f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/"
                    message["headers"].append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _given_token(scope: Scope, headers: dict[bytes, bytes]) -> str | None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return str(query["token"][0])
        auth = headers.get(b"authorization", b"").decode("latin-1")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed cookie header is no token, not an error page
            return None
        morsel = cookies.get(TOKEN_COOKIE)
        return str(morsel.value) if morsel is not None else None


#: Least characters of a token (``secrets.token_urlsafe()`` gives 43).
MIN_TOKEN = 16
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "-._~")


def check_token(token: str) -> None:
    """Raise ValueError unless ``token`` is at least ``MIN_TOKEN`` characters of letters,
    digits and ``-._~`` (they pass unchanged through a URL, a cookie and a header)."""
    if len(token) < MIN_TOKEN or not set(token) <= _TOKEN_CHARS:
        raise ValueError(
            f"--token must be at least {MIN_TOKEN} characters of letters, digits and '-._~' "
            f"(got {len(token)} characters); make one with: python3 -c 'import secrets; "
            "print(secrets.token_urlsafe())'"
        )


async def _refuse(send: Send, status: int, text: str) -> None:
    body = f"{status}: {text}\n".encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
