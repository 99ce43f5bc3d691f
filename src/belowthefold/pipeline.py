"""The pipeline as application services: each function runs one stage against the store.

The CLI and the web app call these; stages themselves never see the store. Every function
that writes does so in bounded batches, each one transaction, so a crash loses at most the
open batch and a re-run picks up where it stopped.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any, TypeVar

from belowthefold.config import FetchOptions, ImportOptions, Settings
from belowthefold.errors import InputError, WindowError
from belowthefold.ingest import iter_file
from belowthefold.ingest.records import EARLIEST, LATEST
from belowthefold.models import (
    Article,
    Assignment,
    Brief,
    BriefInputs,
    DupLink,
    FetchRecord,
    ImportSummary,
    Progress,
    RecordError,
    Source,
    Window,
)
from belowthefold.sources import (
    NO_RULES,
    GroupRules,
    SourceIndex,
    dump_sources,
    host_of,
    load_sources,
    merge_sources,
    parse_sources,
    parse_sources_file,
)
from belowthefold.store import Store
from belowthefold.store.checkpoint import dump_state, fingerprint, load_state
from belowthefold.store.leases import LeaseMark

if TYPE_CHECKING:
    from belowthefold.dedup import Deduper
    from belowthefold.fetch import Fetcher, FetchReport
    from belowthefold.fetch.discovery import FeedCheck
    from belowthefold.fetch.runner import FetchOutcome
    from belowthefold.language import LanguageIdentifier
    from belowthefold.stories import StoryClusterer

T = TypeVar("T")
CONTEXT_WEEKS = 4


NO_PROGRESS = Progress()


# --- sources ---------------------------------------------------------------------------------


def apply_sources(store: Store, sources_path: Path) -> int:
    """Store the sources file and regroup every article by it; returns articles regrouped."""
    parsed, raw = load_sources(sources_path)
    store.sources.replace_all(parsed.sources, raw)
    return store.articles.regroup(SourceIndex.build(parsed.sources, parsed.rules).resolve)


def stored_rules(store: Store) -> GroupRules:
    """The grouping rules of the stored sources file: its text is where they live."""
    raw = store.sources.raw_file()
    return parse_sources_file(raw, "stored sources file").rules if raw else NO_RULES


def source_index(store: Store) -> SourceIndex:
    return SourceIndex.build(store.sources.all(), stored_rules(store))


def load_catalog() -> list[Source]:
    """The default catalog of sources shipped in the package."""
    text = resources.files("belowthefold").joinpath("data/catalog.toml").read_text(encoding="utf-8")
    return parse_sources(text, "default catalog")


def _store_sources(store: Store, sources: Sequence[Source]) -> int:
    """Store the full list, keep the sources file text (and its rules) in step, regroup by it."""
    rules = stored_rules(store)
    store.sources.replace_all(sources, dump_sources(sources, rules))
    return store.articles.regroup(SourceIndex.build(sources, rules).resolve)


def save_sources(store: Store, sources: Sequence[Source]) -> int:
    """Add sources (merged by name into the stored ones) and regroup; returns articles regrouped.

    The one way every edge saves sources (`sources add`, OPML, the catalog, the web form and
    API): adding a feed to a known source keeps its other feeds, front page and full text, and
    the stored sources file text always lists what is stored.
    """
    return _store_sources(store, merge_sources(store.sources.all(), sources))


def remove_source(store: Store, name: str) -> bool:
    """Drop one source by name and regroup; False when there was none of that name."""
    sources = store.sources.all()
    kept = [s for s in sources if s.name != name]
    if len(kept) == len(sources):
        return False
    _store_sources(store, kept)
    return True


def add_source_from_url(
    store: Store,
    fetcher: Fetcher,
    url: str,
    group: str,
    name: str | None = None,
    frontpage: str | None = None,
    fulltext: bool = False,
) -> Source:
    """Find the feed at `url` (a feed, or a page that names one) live, then save it as a source.

    The name defaults to the feed's title, else the site's host. Raises FetchError when no
    feed answers.
    """
    from belowthefold.fetch.discovery import find_feed

    found = find_feed(fetcher, url)
    site = host_of(url)
    source = Source(
        name=name or found.title or site,
        group=group,
        domains=tuple(dict.fromkeys(d for d in (site, host_of(found.url)) if d)),
        feeds=(found.url,),
        frontpage=frontpage,
        fulltext=fulltext,
    )
    save_sources(store, [source])
    return source


def check_sources(store: Store, fetcher: Fetcher) -> list[tuple[Source, FeedCheck]]:
    """Try every stored feed live, storing nothing: each source with each of its feeds' result."""
    from belowthefold.fetch.discovery import check_feed

    return [(s, check_feed(fetcher, url)) for s in store.sources.all() for url in s.feeds]


# --- fetch -----------------------------------------------------------------------------------


def sources_to_fetch(store: Store, only: Sequence[str] = ()) -> list[Source]:
    """The stored sources with a feed or front page, limited to `only` names or groups if given."""
    sources = [s for s in store.sources.all() if (s.feeds or s.frontpage)]
    if only:
        sources = [s for s in sources if s.name in only or s.group in only]
    return sources


def fetch_sources(
    store: Store,
    options: FetchOptions,
    sources: Sequence[Source],
    fetcher: Fetcher | None = None,
    progress: Progress = NO_PROGRESS,
    languages: LanguageIdentifier | None = None,
) -> FetchReport:
    """One fetch run over `sources`: each feed's outcome is saved in its own transaction as it
    arrives, so a run killed at any point leaves the store as after some whole fetches."""
    from belowthefold.fetch import FetchReport, FetchRunner, SourceReport, Validators

    runner = FetchRunner(options, fetcher, languages=languages)
    start = runner.clock.monotonic()
    # Workers ask which article URLs are known while this thread saves: one lock for the store.
    lock = threading.Lock()

    def known(urls: Sequence[str]) -> set[str]:
        with lock:
            return store.feeds.known_urls(urls)

    with lock:
        run_id = store.runs.begin("fetch", f"{len(sources)} sources")
        index = SourceIndex.build([*store.sources.all(), *sources], stored_rules(store))
        validators: dict[str, Validators] = {}
        for url in dict.fromkeys(u for s in sources for u in s.feeds):
            state = store.feeds.state(url)
            if state is not None:
                validators[url] = Validators(state.etag, state.last_modified)
    results: dict[str, list[FetchRecord]] = {s.name: [] for s in sources}
    with closing(runner.run(sources, validators, known, progress)) as outcomes:
        for task in outcomes:
            for outcome in task:
                with lock:
                    saved = save_outcome(store, options, run_id, outcome, index)
                results[outcome.source.name].append(saved)
    reports = tuple(SourceReport(s.name, s.group, tuple(results[s.name])) for s in sources)
    entries = sum(r.entries for r in reports)
    inserted = sum(r.inserted for r in reports)
    unchanged = sum(r.not_modified for r in reports)
    errors = sum(len(r.failures) for r in reports)
    with lock:
        store.runs.finish(run_id, entries, inserted, unchanged, errors)
    return FetchReport(run_id, reports, runner.clock.monotonic() - start)


def save_outcome(
    store: Store,
    options: FetchOptions,
    run_id: int,
    outcome: FetchOutcome,
    index: SourceIndex,
    mark: LeaseMark | None = None,
) -> FetchRecord:
    """Store one fetch (a cancelled one is not the source's failure: not stored); `mark`, a
    fetch worker's leased task, is marked done in the same transaction (store/leases.py)."""
    record = outcome.record
    if record.error_kind == "cancelled":
        return record
    if record.kind == "frontpage" and not record.failed:
        gap = options.frontpage_max_gap_h
        n_links, known = store.feeds.save_frontpage(run_id, record, outcome.links, gap, mark)
        return replace(record, entries=known, warning=f"{n_links} links, {known} known articles")
    return store.feeds.save_fetch(run_id, record, outcome.articles, index.resolve, mark)


# --- import ----------------------------------------------------------------------------------


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter): each list is one write batch."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# A folder given with one of these formats stands for its files of that kind (gzipped too); a
# front-page folder is one input that its own reader walks. Under --format auto a folder is
# front pages when it holds snapshots, else its JSONL and CSV files.
_JSONL = (".jsonl", ".ndjson", ".json")
_FOLDER_SUFFIXES = {
    "gdelt": (".csv",),
    "csv": (".csv",),
    "jsonl": _JSONL,
    "auto": (*_JSONL, ".csv"),
}


def _files_under(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    from belowthefold.ingest.readers import base_suffix

    return sorted(p for p in path.rglob("*") if p.is_file() and base_suffix(p) in suffixes)


def input_files(paths: Sequence[Path], fmt: str) -> list[Path]:
    """The files to read: each path, with a folder of GDELT/CSV/JSONL files expanded, sorted.

    Every path is checked first, so a typo in the last of many never leaves half an import.
    """
    out: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"no such file: {path}")
        if not path.is_dir():
            out.append(path)
            continue
        if fmt == "frontpages" or (fmt == "auto" and any(path.rglob("*_headlines.json"))):
            if fmt == "frontpages" and not any(path.rglob("*_headlines.json")):
                raise InputError(
                    f"{path}: no front-page snapshots (DAY/HH-MM-SS_headlines.json) under it"
                )
            out.append(path)
            continue
        suffixes = _FOLDER_SUFFIXES[fmt]
        found = _files_under(path, suffixes)
        if not found:
            what = "empty folder" if not any(path.iterdir()) else "folder without input files"
            raise InputError(
                f"{path}: {what}: no {'/'.join(suffixes)} files (gzipped or not) under it"
                + ("" if fmt != "auto" else ", and no front-page snapshots")
            )
        out.extend(found)
    return out


class ImportTally:
    """The running counts of one import run, and how each batch and unusable file is saved.

    One definition for `import` and `backfill`: both record bad records and unusable files the
    same way, so their summaries, error rows and exit codes agree.
    """

    def __init__(self, store: Store, run_id: int, index: SourceIndex) -> None:
        self.store, self.run_id, self.index = store, run_id, index
        self.read = self.inserted = self.n_errors = self.unusable = 0
        self.errors: list[RecordError] = []

    def save(self, batch: Sequence[Article | RecordError]) -> list[Article]:
        """Store one batch (one transaction for its articles); returns its articles."""
        articles = [a for a in batch if isinstance(a, Article)]
        bad = [e for e in batch if isinstance(e, RecordError)]
        self.inserted += self.store.articles.insert_batch(articles, self.index.resolve, self.run_id)
        self.store.runs.add_errors(self.run_id, bad)
        self.errors.extend(bad[: max(0, 1000 - len(self.errors))])
        self.n_errors += len(bad)
        self.read += len(batch)
        return articles

    def unusable_file(self, path: Path, message: str) -> None:
        """One unusable file (a bad header, empty, cut short) is one error; the rest go on."""
        bad_file = RecordError(str(path), message.removeprefix(f"{path}: ")[:500])
        self.store.runs.add_errors(self.run_id, [bad_file])
        self.errors.append(bad_file)
        self.n_errors += 1
        self.unusable += 1

    def finish(self) -> ImportSummary:
        unchanged = self.read - self.inserted - (self.n_errors - self.unusable)
        self.store.runs.finish(self.run_id, self.read, self.inserted, unchanged, self.n_errors)
        return ImportSummary(
            self.run_id, self.read, self.inserted, unchanged, tuple(self.errors), self.n_errors
        )


def import_paths(
    store: Store,
    paths: Sequence[Path],
    options: ImportOptions,
    sources_path: Path | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportSummary:
    """Import files into the store, batch by batch; bad records are kept as errors, not fatal."""
    given, paths = paths, input_files(paths, options.format)
    if sources_path is not None:
        apply_sources(store, sources_path)
    run_id = store.runs.begin("import", " ".join(str(p) for p in given))
    tally = ImportTally(store, run_id, source_index(store))
    # One bar for the files (k of N, with an ETA) and one count of records, however many files.
    progress.total("import files", len(paths))
    for path in paths:
        try:
            for batch in batched(iter_file(path, options), options.batch_size):
                tally.save(batch)
                progress.advance("import records", len(batch))
        except InputError as exc:  # one unusable file (a bad header, empty) never stops the rest
            tally.unusable_file(path, str(exc))
        progress.advance("import files", 1)
    return tally.finish()


# --- dedup + stories -------------------------------------------------------------------------


@dataclass
class ClusterMemory:
    """The clusterer and deduper a long-running process (`watch`) keeps between its rounds.

    After a run they equal the state it kept in the store; while the store's kept state is
    still that one (its marker: no assignment written since, by this process or another) the
    next run goes on from them instead of unpickling it and loading the encoder again (~2-3 s a
    round with the encoder on). Mutable on purpose: it is the caller's cache, passed in, never
    module state; a run that fails forgets it.
    """

    key: tuple[str, str | None] | None = None  # (settings fingerprint, kept-state marker)
    state: tuple[StoryClusterer, Deduper] | None = None

    def take(
        self, store: Store, print_: str, first: datetime
    ) -> tuple[StoryClusterer, Deduper] | None:
        """The kept objects if the store's kept state is still theirs and every pending article
        (from `first`) is newer than its newest, as `_kept` asks; forgotten either way (a run
        changes them, and one that fails must not leave them half-changed here)."""
        key, state = self.key, self.state
        self.key, self.state = None, None
        found = store.stories.kept_marker()
        if state is None or key != (print_, None if found is None else found[0]):
            return None
        assert found is not None
        return state if first > found[1] else None

    def keep(self, store: Store, print_: str, state: tuple[StoryClusterer, Deduper]) -> None:
        """Remember the state a run just kept in the store (nothing when it kept none)."""
        found = store.stories.kept_marker()
        self.key, self.state = (None, None) if found is None else ((print_, found[0]), state)


def update_stories(
    store: Store,
    settings: Settings,
    progress: Progress = NO_PROGRESS,
    memory: ClusterMemory | None = None,
) -> int:
    """Assign every new article to a story and storyline, online, in published order.

    The clusterer is warmed with the stored assignments of the recent window first, so ids
    continue across runs; pickups are recognised by the deduper before clustering.
    """
    if store.articles.count_unassigned() == 0:  # nothing to do: no write, no waiting
        return 0
    # One clusterer per database across processes: a second `stories`/`brief` waits here, then
    # finds the articles assigned. Two at once assigned the same articles twice.
    with store.claims.hold("cluster") as claim:
        return _cluster_pending(store, settings, progress, claim.beat, memory)


@dataclass(frozen=True)
class ClusterTurn:
    """What `cluster_if_free` did: how many articles it assigned, or who held the claim."""

    clustered: int
    held_by: str | None = None


def cluster_if_free(
    store: Store, settings: Settings, memory: ClusterMemory | None = None
) -> ClusterTurn:
    """Assign the new articles unless another process is clustering now (then leave them to it).

    Fetch workers call this after each round: whichever finds the claim free clusters what
    every worker stored, so stories keep up without one of them waiting behind another.
    """
    if store.articles.count_unassigned() == 0:
        return ClusterTurn(0)
    with store.claims.take("cluster") as claim:
        if claim is None:
            return ClusterTurn(0, store.claims.holder("cluster") or "another process")
        return ClusterTurn(_cluster_pending(store, settings, NO_PROGRESS, claim.beat, memory))


def _cluster_pending(
    store: Store,
    settings: Settings,
    progress: Progress,
    beat: Callable[[], None],
    memory: ClusterMemory | None = None,
) -> int:
    pending = store.articles.count_unassigned()
    if pending == 0:
        return 0
    span = store.articles.unassigned_span()
    assert span is not None
    first, last = span
    print_ = fingerprint(settings.cluster, settings.dedup)
    remembered = None if memory is None else memory.take(store, print_, first)
    if remembered is not None:  # this process's last run, and nothing written since
        (clusterer, deduper), resumed = remembered, False
    else:
        (clusterer, deduper), resumed = _start(store, settings, print_, first, last)
    done = _assign(store, settings, progress, beat, (clusterer, deduper), span, pending)
    if memory is not None:
        memory.keep(store, print_, (clusterer, deduper))
    # The run's last save recounted the storylines its saves changed (15,900 storylines last
    # fed within the look-back, recounted here before, were 0.3 s of an increment at 1M); a
    # resumed run's part before the kill changed others nobody named, so it recounts them all.
    if resumed:
        store.stories.refresh_storyline_counts()
    return done


def _lookback(settings: Settings) -> timedelta:
    """How far back a run's clusterer and deduper reach: the longer of their windows."""
    return timedelta(days=max(settings.cluster.storyline_window_days, settings.dedup.window_days))


def _start(
    store: Store, settings: Settings, print_: str, first: datetime, last: datetime
) -> tuple[tuple[StoryClusterer, Deduper], bool]:
    """Where a run goes on from, and whether it resumes a killed one: that run's checkpoint,
    else the last finished run's kept state, else the stored assignments of the window."""
    from belowthefold.dedup import Deduper
    from belowthefold.stories import StoryClusterer

    clusterer = StoryClusterer(settings.cluster)
    deduper = Deduper(settings.dedup)
    resumed = _resumed(store, print_, clusterer)
    if resumed is not None:  # a run killed mid-way: go on from the state its last batch committed
        return resumed, True
    kept = _kept(store, print_, clusterer, first)
    if kept is not None:  # newer articles than the last run's: go on from its final state
        return kept, False
    # Bounded on both sides: a backfill before the archive warms from its own weeks only.
    lookback = _lookback(settings)
    recent = store.stories.recent(first - lookback, last + lookback)
    warm = [a for a, _ in recent]
    clusterer.warm(recent, _vectors(store, clusterer, warm))
    if warm:
        newest = warm[-1].published
        since = newest - timedelta(days=settings.dedup.window_days)
        deduper.warm(warm, store.stories.originals(since, newest))
    return (clusterer, deduper), False


def _assign(
    store: Store,
    settings: Settings,
    progress: Progress,
    beat: Callable[[], None],
    engines: tuple[StoryClusterer, Deduper],
    span: tuple[datetime, datetime],
    pending: int,
    clock: Callable[[], float] = perf_counter,
) -> int:
    """Cluster the unassigned articles of `span` (the oldest's and newest's times when the run
    began), committing whole batches with the state after them (a killed run resumes from
    it) as often as `_Cadence` allows; the last commit keeps the final state. An article
    stored meanwhile outside the span waits for the next run, as one stored behind the walk
    always did."""
    clusterer, deduper = engines
    first = span[0]
    print_ = fingerprint(settings.cluster, settings.dedup)
    progress.total("stories", pending)
    done = 0
    pairs: list[tuple[Article, Assignment]] = []
    dups: list[DupLink] = []
    size = settings.imports.batch_size
    batches = pending_batches(store, size, span)
    cadence = _Cadence(settings.imports.checkpoint_spacing, clock)
    newest, state = first, b""
    lines: set[str] = set()  # the storylines saved batches changed, recounted by the last
    # A full batch waits for the next article before it commits with its checkpoint: when
    # none comes, it is the run's last and commits with the kept state alone (the checkpoint,
    # tens of megabytes, was written only to be deleted by the same run: ~1 s of an increment).
    held: _Batch | None = None
    in_process = pending >= settings.imports.encode_process_from
    for article, vector in _with_vectors(store, clusterer, batches, in_process):
        if held is not None:
            with cadence.timed():
                lines |= store.stories.save(
                    *held.rows, held.state, story_merges=held.story_merges, moves=held.moves
                )
            done += len(held.rows[0])
            progress.advance("stories", len(held.rows[0]))
            # Written: its bytes (132 MB at 40,000 articles with the encoder) need not stay in
            # memory while the next batches cluster, nor beside the next checkpoint's.
            held = None
            state = b""
        newest = article.published
        link = deduper.add(article)
        if link is not None:
            dups.append(link)
        pairs.append((article, clusterer.add(article, vector)))
        if len(pairs) % size == 0:
            beat()  # per batch, committed or not: waiters see the holder alive
            if cadence.due():
                # Merges leave the clusterer before its state is checkpointed with them.
                merges, story_merges = clusterer.take_merges(), clusterer.take_story_merges()
                moves = clusterer.take_moves()
                with cadence.timed(dump=True):
                    state = _checkpoint(clusterer, deduper, print_)
                held = _Batch((pairs, dups, merges), state, story_merges, moves)
                pairs, dups = [], []
    if held is not None:  # nothing came after it: no merge, move or article since its state
        pairs, dups, merges = held.rows
        story_merges, moves = held.story_merges, held.moves
    else:
        merges, story_merges = clusterer.take_merges(), clusterer.take_story_merges()
        moves = clusterer.take_moves()
        # An article came after the last checkpoint (which let its bytes go once written):
        # the final state is dumped here.
        state = _checkpoint(clusterer, deduper, print_)
    store.stories.save(  # the last batch drops the checkpoint and keeps the final state
        pairs,
        dups,
        merges,
        done=True,
        story_merges=story_merges,
        kept=(state, newest),
        moves=moves,
        recount=lines,
    )
    done += len(pairs)
    progress.advance("stories", len(pairs))
    return done


class _Cadence:
    """When a clustering run checkpoints: after a full batch, once the clustering since the
    last checkpoint took `spacing` times as long as that checkpoint (its state's dump and the
    commit that wrote it), so checkpoints stay about 1/spacing of a run and a killed run
    redoes at most that much clustering. A small state (TF-IDF, a few thousand articles) costs
    milliseconds and is committed every batch as before; the encoder's (212 MB at 40,000
    replayed articles: the stories' vectors and terms of the storyline window), dumped and
    written every 2,000 articles, was 23% of a 100k run (docs/performance.md). `spacing` 0
    commits every batch. Only when the commits fall changes, never what is assigned (`clock`
    is a seam for tests)."""

    def __init__(self, spacing: float, clock: Callable[[], float]) -> None:
        self.spacing, self.clock = spacing, clock
        self.cost = 0.0  # the last checkpoint's dump plus its commit, in seconds
        self.since = clock()  # when the last checkpoint's work ended

    def due(self) -> bool:
        return self.spacing <= 0 or self.clock() - self.since >= self.spacing * self.cost

    @contextmanager
    def timed(self, dump: bool = False) -> Iterator[None]:
        """Time a checkpoint's part: its state's `dump` (which starts its cost), or the commit
        that writes it (which adds to it)."""
        start = self.clock()
        try:
            yield
        finally:
            self.since = self.clock()
            self.cost = (0.0 if dump else self.cost) + (self.since - start)


@dataclass(frozen=True)
class _Batch:
    """A clustered batch not committed yet: its (pairs, dups, storyline merges), the state after
    it, and its story merges and moves."""

    rows: tuple[list[tuple[Article, Assignment]], list[DupLink], list[tuple[str, str]]]
    state: bytes
    story_merges: list[tuple[str, str]]
    moves: list[tuple[str, str]]


def _checkpoint(clusterer: StoryClusterer, deduper: Deduper, print_: str) -> bytes:
    """The clusterer's and deduper's state after a batch, for the batch's own transaction.

    The encoder is left out by the clusterer's own pickling (it is a model, rebuilt from the
    options on resume), so nothing here touches it while the worker thread encodes.
    """
    return dump_state((clusterer, deduper), print_)


def _resumed(
    store: Store, print_: str, fresh: StoryClusterer
) -> tuple[StoryClusterer, Deduper] | None:
    """The state an interrupted run committed last, with `fresh`'s encoder, or None."""
    blob = store.stories.checkpoint()
    return _state(blob, print_, fresh) if blob else None


def _kept(
    store: Store, print_: str, fresh: StoryClusterer, first: datetime
) -> tuple[StoryClusterer, Deduper] | None:
    """The last finished run's final state when every pending article is newer than its newest.

    Going on from it is a single pass over old and new articles together (re-warming from the
    stored assignments is not: the term statistics and groups outside the warm window are
    gone), and it skips re-reading the last two weeks (70,000 articles at 5,000 a day). A
    backfill of older articles, or assignments written since, warm from the store instead.
    """
    found = store.stories.kept_state()
    if found is None or first <= found[1]:
        return None
    return _state(found[0], print_, fresh)


def _state(
    blob: bytes, print_: str, fresh: StoryClusterer
) -> tuple[StoryClusterer, Deduper] | None:
    from belowthefold.dedup import Deduper

    state = load_state(blob, print_)
    if not (isinstance(state, tuple) and len(state) == 2):
        return None
    clusterer, deduper = state
    if not (isinstance(clusterer, type(fresh)) and isinstance(deduper, Deduper)):
        return None
    clusterer.encoder = fresh.encoder
    return clusterer, deduper


def _vectors(
    store: Store, clusterer: StoryClusterer, articles: Sequence[Article]
) -> dict[str, Any]:
    """Dense vectors of `articles`: the stored ones, the rest encoded in one batch and stored."""
    name = clusterer.encoder_name
    if name is None or not articles:
        return {}
    found, missing = stored_and_missing(store, name, articles)
    if missing:
        fresh = dict(zip((a.id for a in missing), clusterer.encode(missing), strict=True))
        store.vectors.put(name, fresh)
        found.update(fresh)
    return found


def pending_batches(
    store: Store, size: int, span: tuple[datetime, datetime]
) -> Iterator[list[Article]]:
    """The unassigned articles of `span` (`unassigned_span()`) in the batches a run clusters and
    encodes them in: `size` at a time in published order.

    One definition for the run and for a backfill's encoding pass, which learns each outlet's
    packaging from the very batches the run would encode (`StoryClusterer.encode`), so its
    vectors are the ones `import` makes.
    """
    first, last = span
    return batched(store.articles.unassigned(size, since=first, until=last), size)


def stored_and_missing(
    store: Store, name: str, batch: Sequence[Article]
) -> tuple[dict[str, Any], list[Article]]:
    """The stored vectors of `batch` under `name`, and its articles without one, in order:
    the articles a batch's encoding learns its packaging from (`StoryClusterer.encode`), for
    the run and for a backfill's encoding pass alike."""
    found = store.vectors.get([a.id for a in batch], name)
    return found, [a for a in batch if a.id not in found]


def _with_vectors(
    store: Store, clusterer: StoryClusterer, batches: Iterable[list[Article]], in_process: bool
) -> Iterator[tuple[Article, Any]]:
    """The articles of `batches` in order, each with its dense vector (None without an
    encoder), batch by batch.

    The encoder runs one batch ahead, off the clusterer's critical path: in a thread, or with
    `in_process` in a process of its own (`stories/encoding.py`: the tokenizer holds the GIL,
    so only a process overlaps it with clustering). The store is only touched from the
    calling thread.
    """
    name = clusterer.encoder_name
    if name is None:
        yield from ((a, None) for batch in batches for a in batch)
        return
    from belowthefold.stories.encoding import Encoding, Pending

    Ahead = tuple[list[Article], dict[str, Any], list[Article], Pending]

    def finish(ahead: Ahead, encoding: Encoding) -> Iterator[tuple[Article, Any]]:
        batch, found, missing, encoded = ahead
        if missing:
            fresh = dict(zip((a.id for a in missing), encoding.result(encoded), strict=True))
            store.vectors.put(name, fresh)
            found.update(fresh)
        rows = [found[a.id] for a in batch if a.id in found]
        if rows:
            import numpy as np

            clusterer.expect(np.vstack(rows))
        return ((a, found.get(a.id)) for a in batch)

    with Encoding(clusterer, in_process) as encoding:
        pending: Ahead | None = None
        for batch in batches:
            found, missing = stored_and_missing(store, name, batch)
            ahead = (batch, found, missing, encoding.submit(missing))
            if pending is not None:
                yield from finish(pending, encoding)
            pending = ahead
        if pending is not None:
            yield from finish(pending, encoding)


# --- windows ---------------------------------------------------------------------------------

_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
# Windows stay inside the dates articles may have: the year 1 or 9999 has no news, and date
# arithmetic around them overflows.
FIRST_DAY, LAST_DAY = EARLIEST.date(), LATEST.date() - timedelta(days=1)


@dataclass(frozen=True)
class WindowNames:
    """What an edge calls the window's parts in its error messages. Plain words by default;
    the CLI passes its flags, the web its URL parameters, so neither speaks the other's."""

    week: str = "the week"
    start: str = "the first day"
    end: str = "the last day"


def week_label(day: date) -> str:
    """The ISO week `day` falls in, as windows are named: 2025-W14."""
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


def _in_range(d: date, what: str) -> date:
    if not FIRST_DAY <= d <= LAST_DAY:
        raise WindowError(f"{what} {d.isoformat()} is outside {FIRST_DAY.year}..{LAST_DAY.year}")
    return d


def _day(text: str, option: str) -> date:
    """A --from/--to day; the message is ours, not Python's "Invalid isoformat string"."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise WindowError(
            f"{option} {text!r} is not a calendar date (use e.g. 2025-04-03)"
        ) from exc


def parse_window(
    week: str | None = None,
    start: str | None = None,
    end: str | None = None,
    today: date | None = None,
    names: WindowNames = WindowNames(),
) -> Window:
    """`--week 2025-W14`, or `--from D --to D` (inclusive); default: the current ISO week."""
    n = names
    if week and (start or end):
        raise WindowError(f"give either {n.week} or {n.start}/{n.end}, not both")
    if start or end:
        s = _in_range(_day(start, n.start), n.start) if start else None
        e = _in_range(_day(end, n.end), n.end) if end else None
        s = s or (max(FIRST_DAY, e - timedelta(days=6)) if e else None)
        e = e or (min(LAST_DAY, s + timedelta(days=6)) if s else None)
        assert s is not None and e is not None
        if e < s:
            raise WindowError(f"{n.end} {e} is before {n.start} {s}")
        return Window(s, e, f"{s.isoformat()}..{e.isoformat()}")
    if week is None:
        week = week_label(today or datetime.now(UTC).date())
    m = _WEEK.match(week.strip())
    if not m:
        raise WindowError(f"{n.week} must look like 2025-W14, not {week!r}")
    year, num = int(m.group(1)), int(m.group(2))
    try:
        monday = date.fromisocalendar(year, num, 1)
    except ValueError as exc:  # Python says "Invalid week: 54"; say how many the year has
        weeks = date(year, 12, 28).isocalendar()[1] if 1 <= year <= 9999 else 0
        has = f": {year} has {weeks} ISO weeks" if weeks else ""
        raise WindowError(f"no such ISO week {week!r}{has}") from exc
    _in_range(monday, f"week {week!r} starts on")
    _in_range(monday + timedelta(days=6), f"week {week!r} ends on")
    return Window(monday, monday + timedelta(days=6), f"{year}-W{num:02d}")


def window_bounds(window: Window) -> tuple[datetime, datetime]:
    start = datetime.combine(window.start, time(0), tzinfo=UTC)
    end = datetime.combine(window.end + timedelta(days=1), time(0), tzinfo=UTC)
    return start, end


# --- brief -----------------------------------------------------------------------------------


def brief_inputs(
    store: Store,
    settings: Settings,
    window: Window,
    audience: str,
    versus: str | None = None,
    now: datetime | None = None,
) -> BriefInputs:
    """Read everything a brief needs for one window: articles, earlier context, health, history."""
    from belowthefold import aggregates

    start, end = window_bounds(window)
    articles = store.articles.placed(start, end)
    # The weeks before reach the ranking as their derived aggregates, not as their articles.
    audiences = [audience] if versus in (None, audience) else [audience, versus]
    before = aggregates.context_days(window, CONTEXT_WEEKS)
    archive = {
        g: aggregates.archive_weeks(store, window, g, settings.rank, CONTEXT_WEEKS)
        for g in audiences
    }
    context_pressure = {g: tuple(aggregates.pressure(store, before, [g])) for g in audiences}
    sources = store.sources.all()
    groups = tuple(sorted({a.group for a in articles} | {s.group for s in sources}))
    history = dict(store.briefs.history(audience, window))
    health = tuple(store.health.window(start, end, len(window.days())))
    from belowthefold.stories.represent import vector_name

    name = vector_name(settings.cluster)
    outside = [a.id for a in articles if a.group != audience]
    vectors = store.vectors.get(outside, name) if name else {}
    return BriefInputs(
        window=window,
        audience=audience,
        articles=tuple(articles),
        groups=groups,
        source_groups={s.name: s.group for s in sources},
        health=health,
        history=history,
        versus=versus,
        now=now or datetime.now(UTC),
        vectors=vectors,
        archive=archive,
        context_pressure=context_pressure,
    )


def make_brief(
    store: Store,
    settings: Settings,
    window: Window,
    audience: str,
    versus: str | None = None,
    now: datetime | None = None,
    progress: Progress = NO_PROGRESS,
    *,
    record: bool = False,
) -> Brief:
    """Run any pending stage, then build the window's brief.

    `record` remembers what was missed (for "missed for the 2nd week"): only the verbs that
    publish a brief (`brief`, `run`, `watch`) record, so opening last week's page in the web UI
    never changes what this week's brief says.
    """
    from belowthefold import kept

    update_stories(store, settings, progress)
    # A brief of the same window on the same data is read back, not ranked again (kept.py).
    stamp = kept.stamp_of(store, settings, window, audience, versus, CONTEXT_WEEKS)
    found = kept.read(store, window, audience, versus, stamp)
    if found is not None:
        brief = kept.refreshed(store, found, now)
    else:  # the ranking (numpy, scipy.sparse) loads only when a brief is built
        from belowthefold.brief import build_brief
        from belowthefold.store.checkpoint import collector_paused

        # Reading and ranking a window makes ~10^6 containers and no garbage cycles worth
        # collecting on the way: the collector would walk them again every few hundred.
        with collector_paused():
            inputs = brief_inputs(store, settings, window, audience, versus, now)
            brief = build_brief(inputs, settings.rank)
            kept.keep(store, window, audience, versus, brief, stamp)
    if record:
        store.briefs.record(brief)
    return brief
