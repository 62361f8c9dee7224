"""Telling clients apart for rate limits, without knowing who they are.

At the very start of each request the client's address (the peer, or the one the trusted proxy
writes into X-Forwarded-For) becomes a token: an HMAC of the address under a key that changes
every minute, and the address itself is removed from the request, with every forwarding header,
before anything else (a view, a log line, an error page) could see it. Rate limits count per token
(survey/web/limits.py); a token links nothing after its minute, since the next minute's key gives
the same address another token.

The keys come from a seed made with the process and never written anywhere: not to the
database, the disk, a log or the environment. Gunicorn imports this module in its master process
(gunicorn.conf.py), so every worker forked from it shares the seed and a client has one token per
minute whichever worker serves it; after a restart the old tokens mean nothing.

IPv6 addresses count by their /64 network: one household or phone has a whole /64 and could
otherwise change address for every request.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

ENVIRON_KEY = "survey.client"
KEY_SECONDS = 60  # a new key every minute: the rate limits' window (survey/store/rate_limits.py)

# Made once per process tree (see the module's docstring); never leaves memory.
_SEED = secrets.token_bytes(32)

# Headers through which an address could reach the application, for the WSGI environ.
_ADDRESS_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_CLIENT_IP", "HTTP_TRUE_CLIENT_IP")


def client_token(address: str | None, now: float | None = None) -> str | None:
    """The token of ``address`` in the current minute, or None when it is no IP address (a unix
    socket, a proxy that sent nothing)."""
    network = _network(address)
    if network is None:
        return None
    window = int((_now() if now is None else now) // KEY_SECONDS)
    key = hmac.new(_SEED, window.to_bytes(8, "big"), hashlib.sha256).digest()
    return hmac.new(key, network.encode("ascii"), hashlib.sha256).hexdigest()[:32]


def _now() -> float:
    return time.time()


def _network(address: str | None) -> str | None:
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def forwarded_address(environ: dict[str, Any], proxy_count: int) -> str | None:
    """The client's address as the request gives it: with ``proxy_count`` trusted proxies in
    front, the entry the outermost of them wrote into X-Forwarded-For (entries further left were
    sent by the client and prove nothing); without a proxy, the peer's address."""
    if proxy_count <= 0:
        return environ.get("REMOTE_ADDR")
    entries = [entry.strip() for entry in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
    return entries[-proxy_count] if len(entries) >= proxy_count else None


class ClientTokens:
    """WSGI middleware: puts the client's token into the environ and takes its address out."""

    def __init__(self, app: Callable[..., Iterable[bytes]], proxy_count: int) -> None:
        self.app = app
        self.proxy_count = proxy_count

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[ENVIRON_KEY] = client_token(forwarded_address(environ, self.proxy_count))
        for name in _ADDRESS_HEADERS:
            environ.pop(name, None)
        environ["REMOTE_ADDR"] = ""  # WSGI servers set it; nothing here may read it
        return self.app(environ, start_response)
