"""The frozen records that cross stage boundaries.

Every stage takes and returns these; none of them knows about SQLite, HTTP or the CLI.
Datetimes are timezone-aware UTC throughout; days are UTC calendar days.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, Literal, Self, TypeVar, overload

OTHER_GROUP = "other"
# Dense article vectors are kept at half precision (store/vectors.py: 1 KB an article) and so
# are used at it from the start (StoryClusterer.encode): a re-clustering or a backfill that reads
# them back makes the same decisions as the import that first encoded them.
VECTOR_DTYPE = "float16"
# The brief's formats: one list, which `brief.FORMATS` and the CLI's `--format` choice read.
BriefFormat = Literal["md", "html", "json"]


@dataclass(frozen=True)
class Source:
    """An outlet the user follows, and the group it counts in."""

    name: str
    group: str
    domains: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    frontpage: str | None = None
    fulltext: bool = False


@dataclass(frozen=True)
class FetchRecord:
    """One fetch of one URL (feed, front page or article page): the outcome, as data."""

    source: str
    url: str
    kind: str
    at: datetime
    status: int | None = None
    not_modified: bool = False
    entries: int = 0
    inserted: int = 0
    skipped: int = 0
    error_kind: str | None = None
    error: str | None = None
    warning: str | None = None
    bytes: int = 0
    elapsed_ms: int = 0
    etag: str | None = None
    last_modified: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_kind is not None


@dataclass(frozen=True)
class Progress:
    """Progress callbacks an edge passes in (the CLI's rich bars); all optional, so tests pass
    none. Every long stage (import, stories, fetch) reports through this one shape."""

    on_total: Callable[[str, int | None], None] | None = None
    on_advance: Callable[[str, int], None] | None = None

    def total(self, task: str, n: int | None) -> None:
        if self.on_total:
            self.on_total(task, n)

    def advance(self, task: str, n: int = 1) -> None:
        if self.on_advance:
            self.on_advance(task, n)


@dataclass(frozen=True)
class Article:
    """One news item after validation, before grouping into stories.

    `group` is the record's own group (it wins over the sources file); the
    resolved group lives in `PlacedArticle`.
    """

    id: str
    title: str
    published: datetime
    url: str | None = None
    text: str = ""
    outlet: str = ""
    domain: str = ""
    lang: str | None = None
    group: str | None = None
    weight: float = 1.0
    extra: Mapping[str, Any] = field(default_factory=dict)
    published_estimated: bool = False

    @property
    def lead(self) -> str:
        """Title plus the first few hundred characters of text: what clustering reads."""
        return f"{self.title}. {self.text[:600]}" if self.text else self.title


@dataclass(frozen=True)
class RecordError:
    """One input item that could not be used: where it was and what was wrong."""

    origin: str
    message: str
    line: int | None = None
    raw: str = ""

    def where(self) -> str:
        return f"{self.origin}:{self.line}" if self.line is not None else self.origin


@dataclass(frozen=True)
class ImportSummary:
    """What one import run did; the CLI turns it into a line and an exit code."""

    run_id: int
    read: int
    inserted: int
    unchanged: int
    errors: tuple[RecordError, ...]
    skipped: int = 0


@dataclass(frozen=True)
class Assignment:
    """Where the online clusterer put an article: its story and storyline."""

    article_id: str
    story_id: str
    storyline_id: str
    similarity: float = 1.0


@dataclass(frozen=True)
class DupLink:
    """An article recognised as a pickup (syndicated copy) of an earlier original."""

    article_id: str
    original_id: str
    similarity: float


_T = TypeVar("_T")


class computed_once(Generic[_T]):
    """`functools.cached_property` without its lock: the value is computed on first read and
    kept in the instance's `__dict__`, where later reads find it without calling anything.

    On Python 3.11 cached_property takes a lock on every first read, which was half the cost of
    a week's 70,000 first reads of `day` and `outlet_key`; the values are pure functions of
    frozen fields, so two threads computing one at once keep equal values.
    """

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> _T | Self:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value


@dataclass(frozen=True)
class PlacedArticle:
    """An article with everything downstream stages need: group, story, storyline, pickup."""

    id: str
    title: str
    published: datetime
    url: str | None
    outlet: str
    source: str | None
    group: str
    weight: float
    story_id: str | None
    storyline_id: str | None
    original_id: str | None = None
    text: str = ""
    lang: str | None = None
    # The best place the headline held on a page it was seen on (1 = the lead), where the input
    # says: front-page snapshots, imported or fetched. None for feeds and files without it.
    position: int | None = None

    # `day` and `outlet_key` are read hundreds of thousands of times in a week's ranking: each
    # is computed once per article (a frozen dataclass's fields never change under it).
    @computed_once
    def day(self) -> date:
        return self.published.date()

    @property
    def is_pickup(self) -> bool:
        return self.original_id is not None

    @property
    def outlet_name(self) -> str:
        """The outlet as people read it: the record's outlet, else its source, else ""."""
        return self.outlet or self.source or ""

    @computed_once
    def outlet_key(self) -> str:
        """The outlet name to count distinct outlets by (falls back to the source)."""
        return self.outlet_name.strip().lower()


@dataclass(frozen=True)
class Window:
    """A closed range of UTC days, e.g. an ISO week or a column's own week."""

    start: date
    end: date
    label: str

    def days(self) -> list[date]:
        n = (self.end - self.start).days + 1
        return [self.start + timedelta(days=i) for i in range(n)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class PressurePoint:
    """Daily news pressure for one group (Eisensee & Strömberg's top-three share)."""

    day: date
    group: str
    value: float
    concentration: float
    articles: int
    attention: float
    top_storylines: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupCoverage:
    """How one group covered one story: articles, distinct outlets, summed weight."""

    articles: int
    outlets: int
    attention: float
    originals: int = 0
    pickups: int = 0


@dataclass(frozen=True)
class StoryCoverage:
    """A story's coverage over a window, by group, with the signals ranking needs."""

    story_id: str
    storyline_id: str
    headline: str
    by_group: Mapping[str, GroupCoverage]
    days: tuple[date, ...]
    outlets: int
    originals: int
    pickups: int
    articles: tuple[PlacedArticle, ...]

    @property
    def groups(self) -> int:
        return len(self.by_group)


@dataclass(frozen=True)
class DominantStoryline:
    """A storyline holding a large share of the audience's attention in the window."""

    storyline_id: str
    headline: str
    share: float
    articles: tuple[PlacedArticle, ...]
    peak_day: date | None = None
    peak_share: float = 0.0
    lead: str = ""
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class MissedHeadline:
    """A story the audience's outlets under-covered relative to its weight elsewhere."""

    rank: int
    story_id: str
    storyline_id: str
    headline: str
    score: float
    reasons: tuple[str, ...]
    coverage: Mapping[str, int]
    articles: tuple[PlacedArticle, ...]
    lead: str = ""
    facts: tuple[str, ...] = ()
    crowded_out_by: str | None = None
    weeks_missed: int = 1
    # The crowding storyline's share of the audience's attention on the story's days.
    crowded_share: float = 0.0
    # One or two plain sentences for the column: what happened, who covered it, who did not.
    summary: str = ""


@dataclass(frozen=True)
class SourceHealth:
    """Per-source completeness for the brief's appendix: so 'missed' is never a dead feed."""

    source: str
    group: str
    articles: int
    days_without: int
    errors: int
    last_error: str | None = None


@dataclass(frozen=True)
class Brief:
    """The week's column as data; renderers turn it into Markdown, HTML or JSON."""

    window: Window
    audience: str
    groups: tuple[str, ...]
    pressure: tuple[PressurePoint, ...]
    dominant: tuple[DominantStoryline, ...]
    missed: tuple[MissedHeadline, ...]
    generated_at: datetime
    notes: tuple[str, ...] = ()
    health: tuple[SourceHealth, ...] = ()
    versus: str | None = None
    versus_dominant: tuple[DominantStoryline, ...] = ()
    versus_missed: tuple[MissedHeadline, ...] = ()
    methods: tuple[str, ...] = ()
    # The column's opening paragraph: what dominated, how hard, and what that left for the rest.
    lead: str = ""
    # The audience's outlets by name, for sentences that speak of "the BBC" rather than a group.
    audience_outlets: tuple[str, ...] = ()
    # Why the missed list is empty when it is, in plain words (what the brief needs).
    missed_note: str = ""
    # What found the names in the key facts: "patterns" (the fallback) or the NER model's name.
    entities: str = "patterns"


@dataclass(frozen=True)
class ArchiveWeek:
    """One week before the window as the coverage model learns from it (`rank/model.py`).

    `total` is the audience's attention that week; `rows` are (reach, audience share) of each
    of its stories outside the week's dominant storylines. It depends on that week's articles
    alone, so the store keeps it by data stamp and a brief need not read the week again.
    """

    total: float
    rows: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class BriefInputs:
    """Everything the brief needs, read from the store by the pipeline in one go.

    `articles` covers the window; `context` covers the weeks before it (for the archive-learned
    expectation of audience coverage and the audience's usual variety); `history` maps a story id
    to the number of consecutive earlier weeks it was listed as missed for this audience.
    """

    window: Window
    audience: str
    articles: tuple[PlacedArticle, ...]
    context: tuple[PlacedArticle, ...] = ()
    groups: tuple[str, ...] = ()
    source_groups: Mapping[str, str] = field(default_factory=dict)
    health: tuple[SourceHealth, ...] = ()
    history: Mapping[str, int] = field(default_factory=dict)
    versus: str | None = None
    now: datetime | None = None
    # The clusterer's stored multilingual vectors of the window's articles (id -> vector), where
    # an encoder is on: the ranking joins an event reported in several languages with them.
    vectors: Mapping[str, Any] = field(default_factory=dict)
    # What the weeks before the window give, per audience, when the pipeline read it from the
    # store's derived aggregates instead of `context`: the coverage model's archive weeks (most
    # recent first) and the audience's daily pressure on the context's days. An audience absent
    # here is computed from `context`, as before.
    archive: Mapping[str, tuple[ArchiveWeek, ...]] = field(default_factory=dict)
    context_pressure: Mapping[str, tuple[PressurePoint, ...]] = field(default_factory=dict)
