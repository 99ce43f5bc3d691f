"""A total deadline on every socket read and write, status line and headers included.

httpx's timeouts bound each network operation, so a server that drips one byte of its headers
every few seconds would hold a worker forever. This network backend caps each read/write at the
time left to the current request (set per thread by the Fetcher), so a slow drip anywhere in the
response ends as a timeout.
"""

from __future__ import annotations

import threading
import time
import typing
from collections.abc import Iterable

import httpcore
import httpx

from belowthefold.fetch.addresses import Allowed, GuardedBackend, Resolver, is_public_address


class RequestDeadlines:
    """The current request's deadline (monotonic seconds) per worker thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def set(self, end: float | None) -> None:
        self._local.end = end

    def left(self) -> float | None:
        end: float | None = getattr(self._local, "end", None)
        return None if end is None else end - time.monotonic()


def _cap(timeout: float | None, deadlines: RequestDeadlines) -> float | None:
    left = deadlines.left()
    if left is None:
        return timeout
    if left <= 0:
        raise httpcore.ReadTimeout("the request's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadlines: RequestDeadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cap(timeout, self._deadlines))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _cap(timeout, self._deadlines))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _cap(timeout, self._deadlines))
        return _Stream(inner, self._deadlines)

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, deadlines: RequestDeadlines) -> None:
        self._inner = inner
        self._deadlines = deadlines

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _cap(timeout, self._deadlines), local_address, socket_options
        )
        return _Stream(stream, self._deadlines)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, _cap(timeout, self._deadlines), socket_options
        )
        return _Stream(stream, self._deadlines)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def deadline_transport(
    deadlines: RequestDeadlines,
    resolve: Resolver | None = None,
    allowed: Allowed = is_public_address,
) -> tuple[httpx.BaseTransport, bool]:
    """httpx's own transport with the deadline-aware backend slipped under its connection pool,
    and under it, unless `resolve` is None, the backend that connects to public addresses only.

    Returns (transport, guarded). httpx offers no public hook for the network backend; where its
    internals differ from what we expect, the plain transport comes back with guarded False
    (per-operation timeouts still apply; the Fetcher then checks each hop's host itself).
    """
    transport = httpx.HTTPTransport(retries=0)
    pool = getattr(transport, "_pool", None)
    inner = getattr(pool, "_network_backend", None)
    if isinstance(pool, httpcore.ConnectionPool) and isinstance(inner, httpcore.NetworkBackend):
        backend = inner if resolve is None else GuardedBackend(inner, resolve, allowed)
        pool._network_backend = _Backend(backend, deadlines)
        return transport, resolve is not None
    return transport, False
