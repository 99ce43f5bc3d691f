"""Per-app state, held by the app the factory makes (never module globals)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.templating import Jinja2Templates

from belowthefold.config import Settings
from belowthefold.models import Brief, Window
from belowthefold.store import Store
from belowthefold.store.web_queries import WebRepo
from belowthefold.web.security import Resolver, resolve_host


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


class WebState:
    """Per-app state: the options, templates, and a small cache of briefs keyed by data stamp.

    Briefs are cached per (window, audience, data stamp) because building one ranks a whole
    week; the stamp changes whenever an import or fetch adds data, so the cache never serves
    stale results. One lock serialises brief building: `make_brief` clusters pending articles,
    and two requests doing that at once would assign the same articles twice.
    """

    def __init__(self, options: WebOptions, templates: Jinja2Templates) -> None:
        self.options = options
        self.templates = templates
        self._lock = threading.Lock()
        self._briefs: OrderedDict[tuple[str, str, str, str], Brief] = OrderedDict()

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
        from belowthefold.pipeline import make_brief

        repo = WebRepo(store.conn)
        key = (window.start.isoformat(), window.end.isoformat(), audience)
        with self._lock:
            hit = self._briefs.get((*key, repo.stamp()))
            if hit is not None:
                return hit
            brief = make_brief(store, self.settings, window, audience, now=self.options.clock())
            # Keyed by the stamp *after* building: make_brief may have clustered new articles.
            self._briefs[(*key, repo.stamp())] = brief
            while len(self._briefs) > self.options.cache_size:
                self._briefs.popitem(last=False)
            return brief

    def forget_briefs(self) -> None:
        with self._lock:
            self._briefs.clear()

    def known_groups(self, store: Store) -> set[str]:
        """Audience groups a request may ask for: groups in the data or the sources, and the default."""
        groups = set(store.articles.groups()) | {s.group for s in store.sources.all()}
        return groups | {self.settings.rank.audience}


def state_of(request: Request) -> WebState:
    state = request.app.state.web
    assert isinstance(state, WebState)
    return state
