"""Backfills on Dask: read, validate, identify language and encode files in parallel workers.

The costly per-article work (parsing, URL canonicalisation, language id and above all the dense
encoder) needs no state shared between articles, so Dask workers do it, one input file per task,
and return plain records. Only this client process writes to the store, in the order `import`
would, and then clusters in one pass in published order exactly as `update_stories` does, reading
the workers' vectors back from `store.vectors`: the backfill's stories are the import's stories.
Clustering stays serial on purpose: it is online (each decision depends on all earlier ones), and
at ~1,000 articles/s with precomputed vectors it is not the part that needs more machines.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
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
    source_index,
)
from belowthefold.store import Store

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
    """One input file as a worker leaves it: its records in file order, the articles' vectors.

    `vectors` holds one float32 row per Article of `records`, in order (None without an
    encoder); `file_error` says why the file stopped being readable, after `records`.
    """

    path: str
    records: tuple[Article | RecordError, ...]
    vectors: Any = None
    encoder: str | None = None
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
        articles = [r for r in records if isinstance(r, Article)]
        vectors = self.clusterer.encode(articles)
        return Prepared(str(path), tuple(records), vectors, self.clusterer.encoder_name, error)


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


def prepare_on_worker(path: str) -> Prepared:
    """The task: one file, with the Preparer of the worker it runs on."""
    from distributed import get_worker

    plugin: Any = get_worker().plugins[PLUGIN]
    preparer = plugin.preparer
    assert preparer is not None, "the backfill plugin was not set up on this worker"
    result: Prepared = preparer.prepare(Path(path))
    return result


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


def _in_order(client: Any, files: Sequence[Path], ahead: int) -> Iterator[Prepared]:
    """Each file's result in input order, with at most `ahead` files submitted and waiting."""
    pending: deque[Any] = deque()
    for path in files:
        pending.append(client.submit(prepare_on_worker, str(path), pure=False))
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
        for prepared in _in_order(client, files, ahead):
            _store_prepared(store, tally, prepared, imports.batch_size)
            progress.advance("backfill files", 1)
    return tally.finish()


def _store_prepared(store: Store, tally: ImportTally, prepared: Prepared, size: int) -> None:
    """One file's records in `import`'s batches, each new article's vector stored with it."""
    rows = iter(()) if prepared.vectors is None else iter(prepared.vectors)
    for batch in batched(prepared.records, size):
        articles = [a for a in batch if isinstance(a, Article)]
        vectors = [next(rows) for _ in articles] if prepared.vectors is not None else []
        # Only the articles this batch adds get a vector: a stored article (or an earlier
        # record of the same id) keeps the vector of the text that was kept.
        known = store.articles.existing([a.id for a in articles])
        tally.save(batch)
        if prepared.encoder is not None and vectors:
            fresh: dict[str, Any] = {}
            for article, vector in zip(articles, vectors, strict=True):
                if article.id not in known and article.id not in fresh:
                    fresh[article.id] = vector
            store.vectors.put(prepared.encoder, fresh)
    if prepared.file_error is not None:
        tally.unusable_file(Path(prepared.path), prepared.file_error)
