"""A real HTTP server on 127.0.0.1 for the fetch tests: routes are plain functions.

Each route gets the request handler and writes whatever it likes (including misbehaving:
slow drips, endless bodies, gzip bombs), so the client is tested against real sockets.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from belowthefold.config import FetchOptions

Route = Callable[[BaseHTTPRequestHandler], None]

# Fetching from this server fast; it is on 127.0.0.1, so these options opt in to private addresses.
FAST = FetchOptions(
    per_host_delay_s=0.0,
    timeout_s=5.0,
    deadline_s=5.0,
    backoff_s=0.01,
    retries=1,
    allow_private_addresses=True,
)


@dataclass
class Served:
    """The running server: its base URL, routes (mutable while running) and the requests it saw."""

    base: str
    routes: dict[str, Route]
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, h in self.requests if p == path]


def send(
    h: BaseHTTPRequestHandler,
    body: bytes,
    ctype: str = "application/rss+xml; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(body)


def file_route(path: Path, ctype: str = "application/xml") -> Route:
    data = path.read_bytes()
    return lambda h: send(h, data, ctype)


@contextmanager
def serve(routes: dict[str, Route] | None = None, host: str = "127.0.0.1") -> Iterator[Served]:
    """Start a threaded server on a free port of `host` (a loopback address); stop it on exit."""
    served = Served("", dict(routes or {}))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: avoid 40 ms stalls

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            served.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = served.routes.get(self.path) or served.routes.get(path)
            if route is None:
                send(self, b"not found", "text/plain", 404)
                return
            with suppress(BrokenPipeError, ConnectionResetError):
                route(self)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    served.base = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def rss(items: list[tuple[str, str, str]], title: str = "Test feed") -> bytes:
    """A small RSS 2.0 feed from (title, link, pubDate) triples."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate>"
        f"<description>Summary of {t}</description></item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>http://example.org/</link>{body}</channel></rss>"
    ).encode()
