"""Polite HTTP: one request at a time per host, robots.txt, caps on time, size and redirects.

Every failure becomes a `FetchError(kind, message, status)` so the runner can record it as data.
The httpx transport and the clock are passed in (seams): tests swap them, nothing is mocked.
"""

from __future__ import annotations

import copy
import email.utils
import threading
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from belowthefold.config import FetchOptions
from belowthefold.errors import FetchError
from belowthefold.fetch.addresses import (
    Allowed,
    PrivateAddressError,
    Resolver,
    address_problem,
    is_public_address,
    resolve_host,
)
from belowthefold.fetch.deadline import RequestDeadlines, deadline_transport


@dataclass(frozen=True)
class RobotsRules:
    """One host's robots.txt, read by RFC 9309 (protego: longest match, `Allow` beside
    `Disallow`, `*` and `$`); no parser allows everything, unless `refusal` says why not."""

    parser: Protego | None
    refusal: str | None = None

    def allows(self, url: str, agent: str) -> bool:
        if self.refusal is not None:
            return False
        return True if self.parser is None else bool(self.parser.can_fetch(url, agent))

    def crawl_delay(self, agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(agent)
        return None if delay is None else float(delay)


# Error kinds recorded per fetch; the CLI and docs list these.
KINDS = (
    "timeout",
    "connect",
    "http",
    "too_large",
    "redirects",
    "robots",
    "rate_limited",
    "parse",
    "not_feed",
    "extract",
    "invalid_url",
    "internal",
    "cancelled",
    "private_address",
)


class Clock(Protocol):
    """Wall time for records, monotonic time for deadlines, and sleeping: one seam for all three."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class HostTurns(Protocol):
    """Who else must agree before a request to a host goes out: a fetch worker's host leases
    (belowthefold/workers.py), so hosts stay polite across processes and machines, not only
    across this Fetcher's threads. Called under the Fetcher's per-host lock."""

    def begin(self, host: str) -> bool:
        """Wait for the host's turn; True if a turn was taken that `end` must give back.
        Raises FetchError('host_busy') when the turn does not come in time."""
        ...

    def end(self, host: str, taken: bool, pause: float) -> None:
        """The request is over; the host may be asked again `pause` seconds from now."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


@dataclass(frozen=True)
class Validators:
    """What a conditional GET sends back so an unchanged feed costs one empty 304."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class HttpResult:
    """A finished response: final URL, status, headers (lower-case keys) and the decoded body."""

    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    elapsed_s: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def validators(self) -> Validators:
        return Validators(self.headers.get("etag"), self.headers.get("last-modified"))


class _Deadline:
    """When a request must be done by (monotonic seconds); queueing for a host extends it."""

    def __init__(self, end: float) -> None:
        self.end = end


class _HostGate:
    """One lock and one last-request time per host: requests to a host never overlap."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}

    def lock(self, host: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(host, threading.Lock())

    def wait_turn(self, host: str, delay: float, clock: Clock) -> None:
        last = self._last.get(host)
        if last is not None:
            clock.sleep(last + delay - clock.monotonic())

    def done(self, host: str, clock: Clock) -> None:
        self._last[host] = clock.monotonic()


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _Decoder:
    """gzip/deflate decoding with a cap on the *decoded* size, so a gzip bomb stops at the cap."""

    def __init__(self, encoding: str, cap: int) -> None:
        enc = encoding.strip().lower()
        self.cap = cap
        self.size = 0
        self._raw_deflate_tried = enc != "deflate"
        self._z: zlib._Decompress | None = None
        if enc in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(zlib.MAX_WBITS | 32)
        elif enc == "deflate":
            self._z = zlib.decompressobj(zlib.MAX_WBITS)
        elif enc not in ("", "identity"):
            # We only ask for gzip and deflate; anything else would reach the parser as noise.
            raise FetchError("http", f"unsupported Content-Encoding {enc!r}")

    def feed(self, data: bytes) -> bytes:
        if self._z is None:
            out = data
        else:
            try:
                out = self._z.decompress(data, self.cap - self.size + 1)
            except zlib.error as exc:
                if self.size or self._raw_deflate_tried:
                    raise FetchError("http", f"broken compressed body: {exc}") from exc
                # Some servers send 'deflate' without the zlib header: retry as raw deflate.
                self._raw_deflate_tried = True
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.feed(data)
            # Anything left unconsumed means the output would exceed the cap.
            if self._z.unconsumed_tail:
                raise FetchError(
                    "too_large", f"body larger than {self.cap} bytes after decompression"
                )
        self.size += len(out)
        if self.size > self.cap:
            raise FetchError("too_large", f"body larger than {self.cap} bytes")
        return out


class Fetcher:
    """GETs URLs politely and within bounds; thread-safe, shared by every worker of a run."""

    def __init__(
        self,
        options: FetchOptions,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
        resolve: Resolver = resolve_host,
        allowed: Allowed = is_public_address,
    ) -> None:
        """`resolve` and `allowed` are the address guard's seams: which addresses a host has,
        and which of them may be connected to (public ones; ignored with allow_private_addresses).
        """
        self.options = options
        self.clock: Clock = clock or SystemClock()
        timeout = httpx.Timeout(options.timeout_s, connect=min(options.timeout_s, 10.0))
        self._deadlines = RequestDeadlines()
        self._resolve = resolve
        self._allowed = allowed
        guard = None if options.allow_private_addresses else resolve
        guarded = False
        if transport is None:
            transport, guarded = deadline_transport(self._deadlines, guard, allowed)
        # Without the guarded backend (a swapped transport, other httpx internals) every hop's
        # host is still checked before its request; only DNS rebinding then slips through.
        self._check_hops = guard is not None and not guarded
        self.client = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": options.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._gate = _HostGate()
        self._robots: dict[str, RobotsRules] = {}
        self._cancelled = threading.Event()
        self._turns: HostTurns | None = None

    def sharing(self, turns: HostTurns) -> Fetcher:
        """This Fetcher (its connections, robots.txt rules, per-host gate and cancel switch)
        asking `turns` before each request too: a fetch worker's view of it. Close the
        original, not the view."""
        view = copy.copy(self)
        view._turns = turns
        return view

    def host_lock(self, url: str) -> threading.Lock:
        """The lock every request to `url`'s host holds while it is out: taking it waits for
        this process's request in flight there (a worker does before giving the host back)."""
        return self._gate.lock(_host_key(url))

    def close(self) -> None:
        self.client.close()

    def cancel(self) -> None:
        """Refuse every request not yet on the wire (Ctrl-C): workers queued for a host stop now."""
        self._cancelled.set()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public -----------------------------------------------------------------------------

    def get(
        self, url: str, validators: Validators | None = None, accept: str = "*/*"
    ) -> HttpResult:
        """GET with redirects followed by hand (capped, loop-checked, robots-checked per hop)."""
        seen: set[str] = set()
        current = url
        # One deadline for the whole request: every hop, retry and byte of the body.
        deadline = _Deadline(self.clock.monotonic() + self.options.deadline_s)
        for _hop in range(self.options.max_redirects + 1):
            if not current.lower().startswith(("http://", "https://")):
                raise FetchError("invalid_url", f"not an http(s) URL: {current[:200]}")
            if current in seen:
                raise FetchError("redirects", f"redirect loop at {current[:200]}")
            seen.add(current)
            if self._check_hops:
                self._check_address(current)
            before = self.clock.monotonic()
            self._check_robots(current)
            deadline.end += self.clock.monotonic() - before  # robots.txt has its own deadline
            result = self._get_with_retries(current, validators, accept, deadline)
            if result.status in (301, 302, 303, 307, 308) and "location" in result.headers:
                current = urljoin(current, result.headers["location"])
                continue
            return result
        raise FetchError(
            "redirects", f"more than {self.options.max_redirects} redirects from {url[:200]}"
        )

    def _check_address(self, url: str) -> None:
        host = urlsplit(url).hostname or ""
        problem = address_problem(host, self._resolve, self._allowed)[1]
        if problem:
            raise FetchError("private_address", f"refused: {problem}")

    # -- robots -----------------------------------------------------------------------------

    def allowed(self, url: str) -> bool:
        """robots.txt says our User-Agent may fetch this URL (fetched once per host and run)."""
        if not self.options.respect_robots:
            return True
        key = _host_key(url)
        # One loader per host; the others wait for its answer instead of asking again.
        with self._gate.lock("robots " + key):
            if key not in self._robots:
                self._robots[key] = self._load_robots(key)
        return self._robots[key].allows(url, self.options.user_agent)

    def _load_robots(self, key: str) -> RobotsRules:
        # RFC 9309 section 2.3.1: a 4xx robots.txt (or none reachable) allows everything; a 5xx
        # one means the server is in trouble, and the RFC's answer is to crawl nothing there.
        try:
            deadline = _Deadline(self.clock.monotonic() + self.options.deadline_s)
            result = self._get_with_retries(key + "/robots.txt", None, "text/plain", deadline, 0)
        except FetchError as exc:
            if exc.kind in ("host_busy", "cancelled"):  # no answer yet: ask again next time
                raise
            if exc.status is not None and exc.status >= 500:
                return RobotsRules(None, f"robots.txt answered HTTP {exc.status}")
            return RobotsRules(None)
        if result.status != 200:
            return RobotsRules(None)
        return RobotsRules(Protego.parse(result.body[:500_000].decode("utf-8", "replace")))

    def delay_for(self, url: str) -> float:
        """The pause this Fetcher keeps between two requests to `url`'s host, as it knows it now:
        a fetch worker gives a host back with it, so the next worker (another process, another
        machine, which has not read that robots.txt) waits the host's Crawl-delay too."""
        return self._delay(_host_key(url))

    def _delay(self, host: str) -> float:
        """The per-host pause: ours, or robots.txt's Crawl-delay when longer (capped at a minute)."""
        rules = self._robots.get(host) if self.options.respect_robots else None
        asked = rules.crawl_delay(self.options.user_agent) if rules is not None else None
        return max(self.options.per_host_delay_s, min(float(asked or 0), 60.0))

    def _check_robots(self, url: str) -> None:
        if urlsplit(url).path == "/robots.txt":
            return
        if not self.allowed(url):
            refusal = self._robots[_host_key(url)].refusal
            why = f" ({refusal}: nothing is fetched there for now)" if refusal else ""
            raise FetchError("robots", f"robots.txt disallows {url[:200]}{why}")

    # -- one request ------------------------------------------------------------------------

    def _get_with_retries(
        self,
        url: str,
        validators: Validators | None,
        accept: str,
        deadline: _Deadline,
        retries: int | None = None,
    ) -> HttpResult:
        attempts = (self.options.retries if retries is None else retries) + 1
        last: FetchError | None = None
        for attempt in range(attempts):
            if attempt and not self._pause(self.options.backoff_s * 2 ** (attempt - 1), deadline):
                break
            try:
                result = self._get_once(url, validators, accept, deadline)
            except FetchError as exc:
                if exc.kind not in ("timeout", "connect") or self.clock.monotonic() >= deadline.end:
                    raise
                last = exc
                continue
            if result.status == 429 or (result.status == 503 and "retry-after" in result.headers):
                wait = retry_after_seconds(result.headers.get("retry-after"), self.clock.now())
                if wait is not None and (
                    wait > self.options.max_retry_after_s
                    or self.clock.monotonic() + wait > deadline.end
                    or attempt == attempts - 1
                ):
                    raise FetchError(
                        "rate_limited",
                        f"HTTP {result.status}: server asks to wait {wait:.0f}s "
                        f"(cap {self.options.max_retry_after_s:.0f}s)",
                        result.status,
                    )
                last = FetchError(
                    "rate_limited", f"HTTP {result.status}, Retry-After {wait}", result.status
                )
                if wait is not None:
                    self.clock.sleep(wait)
                continue
            if result.status >= 500:
                last = FetchError("http", f"HTTP {result.status}", result.status)
                continue
            if result.status >= 400:
                raise FetchError("http", f"HTTP {result.status}", result.status)
            return result
        assert last is not None
        raise last

    def _pause(self, seconds: float, deadline: _Deadline) -> bool:
        """Back off before a retry; False when the wait would overrun the request's deadline."""
        if self.clock.monotonic() + seconds >= deadline.end:
            return False
        self.clock.sleep(seconds)
        return True

    def _get_once(
        self, url: str, validators: Validators | None, accept: str, deadline: _Deadline
    ) -> HttpResult:
        host = _host_key(url)
        headers = {"Accept": accept}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        queued = self.clock.monotonic()
        with self._gate.lock(host):
            taken = self._turns.begin(host) if self._turns is not None else False
            try:
                self._gate.wait_turn(host, self._delay(host), self.clock)
                # Queueing for our turn at the host is politeness, not the server's slowness.
                deadline.end += self.clock.monotonic() - queued
                if self._cancelled.is_set():
                    raise FetchError("cancelled", "the run was interrupted before this request")
                return self._stream(url, headers, deadline)
            finally:
                self._gate.done(host, self.clock)
                if self._turns is not None:
                    self._turns.end(host, taken, self._delay(host))

    def _stream(self, url: str, headers: dict[str, str], deadline: _Deadline) -> HttpResult:
        start = self.clock.monotonic()
        cap = self.options.max_bytes
        # Socket reads use the real monotonic clock: translate the time left into it.
        self._deadlines.set(time.monotonic() + max(0.0, deadline.end - start))
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                hdrs = {k.lower(): v for k, v in response.headers.items()}
                if (
                    response.status_code in (301, 302, 303, 307, 308, 304)
                    or response.status_code >= 400
                ):
                    return HttpResult(
                        str(response.url),
                        response.status_code,
                        hdrs,
                        b"",
                        self.clock.monotonic() - start,
                    )
                length = hdrs.get("content-length", "")
                if length.isdigit() and int(length) > cap:
                    raise FetchError(
                        "too_large",
                        f"Content-Length {length} over the cap of {cap} bytes",
                        response.status_code,
                    )
                decoder = _Decoder(hdrs.get("content-encoding", ""), cap)
                chunks: list[bytes] = []
                raw_size = 0
                for chunk in _raw(response):
                    raw_size += len(chunk)
                    if raw_size > cap:
                        raise FetchError(
                            "too_large", f"body larger than {cap} bytes", response.status_code
                        )
                    chunks.append(decoder.feed(chunk))
                    if self.clock.monotonic() > deadline.end:
                        raise FetchError(
                            "timeout",
                            f"no complete answer within {self.options.deadline_s:g}s (slow body)",
                            response.status_code,
                        )
                return HttpResult(
                    str(response.url),
                    response.status_code,
                    hdrs,
                    b"".join(chunks),
                    self.clock.monotonic() - start,
                )
        except httpx.TimeoutException as exc:
            if self.clock.monotonic() >= deadline.end - 0.01:
                raise FetchError(
                    "timeout",
                    f"no complete answer within {self.options.deadline_s:g}s (slow server)",
                ) from exc
            raise FetchError("timeout", f"timed out: {type(exc).__name__}") from exc
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, PrivateAddressError):  # raised by the guarded backend
                raise FetchError("private_address", str(exc)[:300]) from exc
            raise FetchError("connect", f"{type(exc).__name__}: {exc}"[:300]) from exc
        except (
            httpx.RemoteProtocolError,
            httpx.ReadError,
            httpx.WriteError,
            httpx.ProxyError,
        ) as exc:
            raise FetchError("connect", f"{type(exc).__name__}: {exc}"[:300]) from exc
        except httpx.InvalidURL as exc:
            raise FetchError("invalid_url", str(exc)[:300]) from exc
        except httpx.HTTPError as exc:
            raise FetchError("connect", f"{type(exc).__name__}: {exc}"[:300]) from exc
        finally:
            self._deadlines.set(None)


def _raw(response: httpx.Response) -> Iterator[bytes]:
    # iter_raw: we decode ourselves, with a cap, instead of httpx's uncapped decoders.
    # No chunk_size: each network read is yielded at once, so the deadline is checked per read.
    yield from response.iter_raw()
