"""Backfills on Dask: read, validate, identify language and encode in parallel workers.

The costly per-article work (parsing, URL canonicalisation, language id and above all the dense
encoder) needs no state shared between articles, so Dask workers do it and return plain records
and vectors. It runs in two passes. First the workers read the input files, one file per task,
and only this client writes their records to the store, in the order `import` would. Then the
client walks the stored pending articles in the batches the story run will encode them in
(`pipeline.pending_batches`), learns each batch's outlet packaging from its titles as the run
would (`batch_packaging`), and hands the batches to the workers to encode; their vectors are
stored. The story run (`update_stories`) then finds every vector stored and clusters exactly as
after an `import --no-stories`: the backfill's stories are the import's stories, to the bit.
Encoding each file where it was read was one pass, but an outlet's packaging was then learnt
from that file's titles instead of the run's batch, and a few vectors differed (B-cubed 0.9943
against `import` on the GDELT week). Clustering stays serial on purpose: it is online (each
decision depends on all earlier ones).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from belowthefold.config import ClusterOptions, ImportOptions, Settings
from belowthefold.errors import ConfigError, InputError
from belowthefold.ingest import iter_file
from belowthefold.language import LanguageIdentifier
from belowthefold.models import Article, ImportSummary, Progress, RecordError
from belowthefold.pipeline import (
    NO_PROGRESS,
    ImportTally,
    apply_sources,
    batched,
    input_files,
    pending_batches,
    source_index,
    stored_and_missing,
)
from belowthefold.store import Store
from belowthefold.stories.encoding import ToEncode
from belowthefold.stories.represent import vector_name

PLUGIN = "belowthefold-backfill"


@dataclass(frozen=True)
class BackfillOptions:
    """Where the work runs: a scheduler's address, or a LocalCluster of `workers` processes."""

    scheduler: str | None = None
    workers: int = 2
    # Files handed out ahead per worker: enough to keep each busy, few enough that the results
    # waiting for the client stay a few files' worth of memory.
    ahead_per_worker: int = 2


@dataclass(frozen=True)
class Prepared:
    """One input file as a worker leaves it: its records in file order; `file_error` says why
    the file stopped being readable, after `records`."""

    path: str
    records: tuple[Article | RecordError, ...]
    file_error: str | None = None


class Preparer:
    """What a worker holds for its life: the language identifier and the encoder, loaded once."""

    def __init__(self, imports: ImportOptions, cluster: ClusterOptions) -> None:
        from belowthefold.stories import StoryClusterer

        self.imports = imports
        self.languages = LanguageIdentifier(
            imports.language_min_score, detect=imports.detect_language
        )
        # Only its encoder is used: `encode` is the one definition of what an article's vector is.
        self.clusterer = StoryClusterer(cluster)

    def prepare(self, path: Path) -> Prepared:
        records: list[Article | RecordError] = []
        error = None
        try:
            records.extend(iter_file(path, self.imports, self.languages))
        except InputError as exc:  # the file's own error, reported once as `import` does
            error = str(exc)
        return Prepared(str(path), tuple(records), error)

    def encode(self, batch: ToEncode) -> Any:
        return batch.encoded_by(self.clusterer)


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ConfigError(
            "backfill needs Dask distributed: pip install 'belowthefold[backfill]'"
        ) from exc
    return distributed


def _plugin(imports: ImportOptions, cluster: ClusterOptions) -> Any:
    """A WorkerPlugin that builds each worker's Preparer once, in the worker process."""
    base: Any = _distributed().WorkerPlugin

    class PreparerPlugin(base):  # type: ignore[misc]
        def __init__(self) -> None:
            self.imports, self.cluster = imports, cluster
            self.preparer: Preparer | None = None

        def setup(self, worker: Any) -> None:
            self.preparer = Preparer(self.imports, self.cluster)

    return PreparerPlugin()


def _preparer() -> Preparer:
    """The Preparer of the worker a task runs on."""
    from distributed import get_worker

    plugin: Any = get_worker().plugins[PLUGIN]
    preparer = plugin.preparer
    assert preparer is not None, "the backfill plugin was not set up on this worker"
    return preparer  # type: ignore[no-any-return]


def prepare_on_worker(path: str) -> Prepared:
    """The first pass's task: one file read."""
    return _preparer().prepare(Path(path))


def encode_on_worker(batch: ToEncode) -> Any:
    """The second pass's task: one batch's vectors."""
    return _preparer().encode(batch)


def open_client(options: BackfillOptions) -> AbstractContextManager[Any]:
    """A client of the given scheduler, or of a LocalCluster of single-threaded processes.

    One thread per worker: the encoder runs numpy with one BLAS thread, and the GIL would
    serialise the rest, so parallelism comes from processes.
    """
    distributed = _distributed()
    if options.scheduler:
        return distributed.Client(options.scheduler)  # type: ignore[no-any-return]
    if options.workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {options.workers}")
    cluster = distributed.LocalCluster(
        n_workers=options.workers,
        threads_per_worker=1,
        processes=True,
        # Any free port: with None the scheduler still binds 8787 for its HTTP routes, and when
        # another Dask holds it, falls back with a warning and leaks a socket.
        dashboard_address=":0",
    )
    return _Closing(distributed.Client(cluster), cluster)


class _Closing(AbstractContextManager[Any]):
    """The client, closing its LocalCluster after it."""

    def __init__(self, client: Any, cluster: Any) -> None:
        self.client, self.cluster = client, cluster

    def __enter__(self) -> Any:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.cluster.close()


def _in_order(client: Any, task: Any, items: Iterable[Any], ahead: int) -> Iterator[Any]:
    """`task` of each item, results in input order, at most `ahead` submitted and waiting."""
    pending: deque[Any] = deque()
    for item in items:
        pending.append(client.submit(task, item, pure=False))
        if len(pending) > ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _worker_count(client: Any, fallback: int) -> int:
    return max(1, len(client.scheduler_info().get("workers", {})) or fallback)


def backfill_paths(
    store: Store,
    paths: Sequence[Path],
    settings: Settings,
    options: BackfillOptions,
    imports: ImportOptions | None = None,
    sources_path: Path | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportSummary:
    """Import `paths` with the per-file work on Dask; the same articles and errors as `import`.

    Stories are the caller's next step, `update_stories`, as after `import`: it finds every
    backfilled article's vector stored and encodes none again.
    """
    imports = imports or settings.imports
    given, files = paths, input_files(paths, imports.format)
    if sources_path is not None:
        apply_sources(store, sources_path)
    run_id = store.runs.begin("backfill", " ".join(str(p) for p in given))
    tally = ImportTally(store, run_id, source_index(store))
    progress.total("backfill files", len(files))
    with open_client(options) as client:
        client.register_plugin(_plugin(imports, settings.cluster), name=PLUGIN)
        ahead = options.ahead_per_worker * _worker_count(client, options.workers)
        for prepared in _in_order(client, prepare_on_worker, map(str, files), ahead):
            _store_prepared(tally, prepared, imports.batch_size)
            progress.advance("backfill files", 1)
        summary = tally.finish()
        _encode_pending(client, store, settings, ahead, progress)
    return summary


def _store_prepared(tally: ImportTally, prepared: Prepared, size: int) -> None:
    """One file's records, in `import`'s batches."""
    for batch in batched(prepared.records, size):
        tally.save(batch)
    if prepared.file_error is not None:
        tally.unusable_file(Path(prepared.path), prepared.file_error)


def _encode_pending(
    client: Any, store: Store, settings: Settings, ahead: int, progress: Progress
) -> None:
    """Vectors for every pending article without one, made on the workers batch by batch in
    the story run's batches (`pipeline.pending_batches`), each batch's packaging learnt from
    the same articles the run's encoder would learn it from: the ones of the batch without a
    stored vector."""
    name = vector_name(settings.cluster)
    span = store.articles.unassigned_span()
    if name is None or span is None:
        return
    size, chars = settings.imports.batch_size, settings.cluster.dense_chars
    progress.total("backfill vectors", store.articles.count_unassigned())
    ids: deque[list[str]] = deque()

    def batches() -> Iterator[ToEncode]:
        for batch in pending_batches(store, size, span):
            _, missing = stored_and_missing(store, name, batch)
            progress.advance("backfill vectors", len(batch) - len(missing))
            if missing:
                ids.append([a.id for a in missing])
                yield ToEncode.of(missing, chars)

    for vectors in _in_order(client, encode_on_worker, batches(), ahead):
        done = ids.popleft()
        store.vectors.put(name, dict(zip(done, vectors, strict=True)))
        progress.advance("backfill vectors", len(done))
