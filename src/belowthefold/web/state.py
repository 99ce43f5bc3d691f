"""Per-app state, held by the app the factory makes (never module globals)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar, cast

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from belowthefold.config import Settings
from belowthefold.models import Brief, Window
from belowthefold.store import Store
from belowthefold.web.security import Resolver, resolve_host

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class _Cached:
    stamp: str
    brief: Brief
    built_at: float


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WebOptions:
    """How the app serves: settings, admin token, private feeds, and the seams tests swap."""

    settings: Settings
    admin_token: str | None = None
    allow_private: bool = False
    clock: Callable[[], datetime] = utcnow
    resolve: Resolver = field(default=resolve_host)
    cache_size: int = 32
    # Views other than briefs (a story page, the week picker, the sources' counts, an export)
    # kept by data stamp: at 100k each costs 0.1-10 s to read and would be read per request.
    view_cache_size: int = 256
    refresh_interval_s: float = 2.0
    # The first request for a brief waits this long for it, then hears 503 + Retry-After while
    # it is built in the background (under load, building in line made requests time out).
    first_build_wait_s: float = 10.0


class WebState:
    """Per-app state: the options, templates, and a small cache of briefs keyed by data stamp.

    Briefs are cached per (window, audience) with the data stamp they were built at, because
    building one ranks a whole week. When an import or fetch changes the stamp, the cached brief
    is still served at once and rebuilt in the background (stale while revalidating): a page
    never waits for `make_brief` to cluster thousands of freshly imported articles. The first
    request for a window and audience starts a background build and waits for it at most
    `first_build_wait_s`, then answers 503 with Retry-After. One lock serialises building:
    `make_brief` clusters pending articles, and two builders at once would assign them twice.
    """

    def __init__(self, options: WebOptions, templates: Jinja2Templates) -> None:
        self.options = options
        self.templates = templates
        self._mutex = threading.Lock()  # guards the two collections below
        self._build = threading.Lock()  # one make_brief at a time
        self._briefs: OrderedDict[tuple[str, str, str], _Cached] = OrderedDict()
        self._refreshing: set[tuple[str, str, str]] = set()
        self._pending: dict[tuple[str, str, str], Future[Brief]] = {}
        self._groups: tuple[str, frozenset[str]] = ("", frozenset())
        self._views: OrderedDict[tuple[str, ...], tuple[str, object]] = OrderedDict()

    @property
    def settings(self) -> Settings:
        return self.options.settings

    @property
    def admin(self) -> bool:
        return bool(self.options.admin_token)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """A store per request: connections are cheap, and WAL lets reads run beside a writer."""
        store = Store(self.settings.db)
        try:
            yield store
        finally:
            store.close()

    def brief(self, store: Store, window: Window, audience: str) -> Brief:
        """The window's brief for an audience: cached, refreshed in the background when stale."""
        key = (window.start.isoformat(), window.end.isoformat(), audience)
        stamp = store.overview.stamp()
        with self._mutex:
            cached = self._briefs.get(key)
        if cached is not None:
            # At most one rebuild per interval: during a long import the stamp changes with
            # every batch, and rebuilding on each would keep the importer waiting for the lock.
            age = time.monotonic() - cached.built_at
            if cached.stamp != stamp and age >= self.options.refresh_interval_s:
                self._refresh_later(key, window, audience)
            return cached.brief
        pending = self._build_soon(key, window, audience)
        try:
            return pending.result(timeout=self.options.first_build_wait_s)
        except FutureTimeout:
            raise HTTPException(
                503,
                f"the brief for {window.label} is being built; try again in a few seconds",
                headers={"Retry-After": "5"},
            ) from None

    def _build_soon(
        self, key: tuple[str, str, str], window: Window, audience: str
    ) -> Future[Brief]:
        """The build of a brief not cached yet: one per key, in a background thread."""
        with self._mutex:
            pending = self._pending.get(key)
            if pending is not None:
                return pending
            pending = self._pending[key] = Future()
        threading.Thread(
            target=self._first_build, args=(key, window, audience, pending), daemon=True
        ).start()
        return pending

    def _first_build(
        self, key: tuple[str, str, str], window: Window, audience: str, pending: Future[Brief]
    ) -> None:
        try:
            with self._build, self.store() as store:
                with self._mutex:
                    cached = self._briefs.get(key)
                brief = (
                    cached.brief if cached else self._build_and_keep(store, key, window, audience)
                )
            pending.set_result(brief)
        except Exception as exc:  # the waiting request re-raises it; a later one builds again
            pending.set_exception(exc)
        finally:
            with self._mutex:
                self._pending.pop(key, None)

    def _build_and_keep(
        self, store: Store, key: tuple[str, str, str], window: Window, audience: str
    ) -> Brief:
        from belowthefold.pipeline import make_brief

        brief = make_brief(store, self.settings, window, audience, now=self.options.clock())
        # The stamp *after* building: make_brief may itself have clustered new articles.
        stamp = store.overview.stamp()
        with self._mutex:
            self._briefs[key] = _Cached(stamp, brief, time.monotonic())
            self._briefs.move_to_end(key)
            while len(self._briefs) > self.options.cache_size:
                self._briefs.popitem(last=False)
        return brief

    def _refresh_later(self, key: tuple[str, str, str], window: Window, audience: str) -> None:
        with self._mutex:
            if key in self._refreshing:
                return
            self._refreshing.add(key)
        threading.Thread(
            target=self._refresh, args=(key, window, audience), name="brief-refresh", daemon=True
        ).start()

    def _refresh(self, key: tuple[str, str, str], window: Window, audience: str) -> None:
        try:
            with self._build, self.store() as store:
                self._build_and_keep(store, key, window, audience)
        except Exception:  # a failed refresh keeps the old brief; the next request retries
            log.exception("refreshing the brief for %s failed", key)
        finally:
            with self._mutex:
                self._refreshing.discard(key)

    def forget_briefs(self) -> None:
        """Drop every cached brief (after the sources change, groups and so briefs change)."""
        with self._mutex:
            self._briefs.clear()
            self._views.clear()

    def view(self, store: Store, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        """`compute()` kept under `key` with the data stamp: computed again once an import,
        fetch or sources change moves the stamp, otherwise read back (least recently used
        dropped first). The stamp is read before computing, so a write in between marks the
        value stale for the next request, never a stale value fresh."""
        stamp = store.overview.stamp()
        with self._mutex:
            hit = self._views.get(key)
            if hit is not None and hit[0] == stamp:
                self._views.move_to_end(key)
                return cast(T, hit[1])
        value = compute()
        with self._mutex:
            self._views[key] = (stamp, value)
            self._views.move_to_end(key)
            while len(self._views) > self.options.view_cache_size:
                self._views.popitem(last=False)
        return value

    def of_brief(self, store: Store, brief: Brief, kind: str, compute: Callable[[], T]) -> T:
        """What a page renders from this very brief (its HTML, its JSON), kept while the brief
        is the one served and the data stamp holds: rendering a week's brief costs 0.1-0.3 s at
        100k and the brief itself is already kept."""
        key = (kind, str(id(brief)))
        kept_brief, value = self.view(store, key, lambda: (brief, compute()))
        return value if kept_brief is brief else compute()  # an id reused by a newer brief

    def known_groups(self, store: Store) -> frozenset[str]:
        """Audience groups a request may ask for: groups in the data or the sources, and the
        default. Cached by data stamp, since listing groups scans every article."""
        stamp = store.overview.stamp()
        with self._mutex:
            if self._groups[0] == stamp:
                return self._groups[1]
        groups = set(store.articles.groups()) | {s.group for s in store.sources.all()}
        known = frozenset(groups | {self.settings.rank.audience})
        with self._mutex:
            self._groups = (stamp, known)
        return known


def state_of(request: Request) -> WebState:
    state = request.app.state.web
    assert isinstance(state, WebState)
    return state
