"""A week's brief kept in the store by data stamp: the next brief of the same window reads it.

Ranking a window's articles (35,000 in a busy week) is seconds of Python however the archive is
stored, and a brief is a function of what `pipeline.brief_inputs` reads: the window's placed
articles and the weeks before them (both covered by the day stamps of `store/derived.py`), the
sources, the missed history of the weeks before, the options, the named-entity finder and the
code. The stamp below covers each, so a kept brief is served only while all of them stand; the
sources' fetch health and the time it was generated are read fresh. The stamp is read before
the brief is built: a write in between makes the kept brief look stale next time, never a stale
one look fresh. Like every derived value it can be deleted without loss.

A kept brief is a pickle, and the store is data, not code: anyone who can write to a shared
database (or hands over an archive file) could leave a pickle that runs a command when loaded.
So it is read back by `_BriefUnpickler`, which builds only the models' dataclasses and enums and
the datetime types; anything else fails the read and the brief is built afresh.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import enum
import hashlib
import io
import pickle
from dataclasses import is_dataclass, replace
from datetime import UTC, datetime, time, timedelta
from importlib import metadata
from pathlib import Path

from belowthefold import models
from belowthefold.config import Settings
from belowthefold.models import Brief, Window
from belowthefold.store import Store

KIND = "brief"
_DATETIME = frozenset({"date", "datetime", "time", "timedelta", "timezone"})


class _BriefUnpickler(pickle.Unpickler):
    """Unpickles the models' dataclasses and enums and datetime values, and nothing else."""

    def find_class(self, module: str, name: str) -> type:
        if module == "datetime" and name in _DATETIME:
            found: object = getattr(dt, name)
        elif module == models.__name__:
            found = getattr(models, name, None)
        else:
            found = None
        if isinstance(found, type) and (
            module == "datetime" or is_dataclass(found) or issubclass(found, enum.Enum)
        ):
            return found
        raise pickle.UnpicklingError(f"a kept brief may not hold {module}.{name}")


def package_stamp() -> str:
    """A fingerprint of every module of the package and of numpy's and scipy's versions: the
    brief reads the ranking, the facts, the naming and the models, so any change is a new one."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    for package in ("numpy", "scipy", "spacy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"{package}={metadata.version(package)}".encode())
    return h.hexdigest()


def entities_label() -> str:
    """Which name finder `brief.entities()` would pick, without loading the model."""
    from belowthefold.brief.entities import NER_MODEL, PATTERNS, model_installed

    return NER_MODEL if model_installed() else PATTERNS


def key_of(window: Window, audience: str, versus: str | None) -> str:
    return f"{audience}|{versus or ''}|{window.start.isoformat()}|{window.end.isoformat()}"


def stamp_of(
    store: Store,
    settings: Settings,
    window: Window,
    audience: str,
    versus: str | None,
    context_weeks: int,
) -> str:
    """The stamp of everything the window's brief is computed from (see the module's text)."""
    before = window.start - timedelta(days=1)
    parts = [
        package_stamp(),
        repr(settings.rank),
        repr(settings.cluster),
        repr(window),
        key_of(window, audience, versus),
        store.derived.span_stamp(window.start, window.end),
        store.derived.span_stamp(window.start - timedelta(weeks=context_weeks), before),
        repr(store.sources.all()),
        repr(sorted(store.briefs.history(audience, window).items())),
        entities_label(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def read(
    store: Store, window: Window, audience: str, versus: str | None, stamp: str
) -> Brief | None:
    """The kept brief while its stamp stands, else None."""
    key = key_of(window, audience, versus)
    found = store.derived.get(KIND, [key]).get(key)
    if found is None or found[0] != stamp:
        return None
    try:
        brief = _BriefUnpickler(io.BytesIO(base64.b64decode(found[1]))).load()
    except (pickle.UnpicklingError, binascii.Error, EOFError, AttributeError, TypeError):
        return None  # not a brief this code wrote: build it afresh
    return brief if isinstance(brief, Brief) else None


def keep(
    store: Store, window: Window, audience: str, versus: str | None, brief: Brief, stamp: str
) -> None:
    """Keep the brief under its stamp (one per window, audience and comparison)."""
    text = base64.b64encode(pickle.dumps(brief, protocol=pickle.HIGHEST_PROTOCOL)).decode()
    store.derived.put(KIND, {key_of(window, audience, versus): (stamp, text)})


def refreshed(store: Store, brief: Brief, now: datetime | None) -> Brief:
    """A kept brief with what is not in its stamp read now: the generation time and the
    sources' fetch health over the window."""
    start = datetime.combine(brief.window.start, time(0), tzinfo=UTC)
    end = datetime.combine(brief.window.end + timedelta(days=1), time(0), tzinfo=UTC)
    health = tuple(store.health.window(start, end, len(brief.window.days())))
    return replace(brief, generated_at=now or datetime.now(UTC), health=health)
