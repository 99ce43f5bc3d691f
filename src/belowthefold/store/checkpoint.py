"""The online clusterer's state as bytes, committed with each batch of assignments.

Re-warming from stored assignments after kill -9 is not the state an uninterrupted run had (the
term statistics and old groups outside the warm window are gone), so a resumed run clustered
differently. Each batch's transaction stores the exact state after that batch; a resumed run
loads it and goes on as if never stopped; the run's last transaction deletes it.

The state is a pickle, read back with an unpickler that builds only plain containers, numpy
arrays and the clusterer's and deduper's own classes, so a hostile database file cannot run
code through it. A state that will not load, or was saved under other options, is ignored.
"""

from __future__ import annotations

import gc
import hashlib
import io
import pickle
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Bumped whenever a pickled class gains, loses or changes an attribute: an unpickled object of
# the old shape loads without error and fails where the attribute is first read (every later
# import did, after OnlineTfidf.fold and StoryClusterer's day claims). 2: those two. 3: the
# history index keeps no dense rows (its `vectors` is None).
FORMAT = b"btf-cluster-state-3\n"

_SAFE_BUILTINS = frozenset(
    {"dict", "list", "set", "frozenset", "tuple", "int", "float", "complex", "str", "bytes"}
    | {"bytearray", "bool", "slice", "range", "object"}
)
_SAFE_MODULES = ("belowthefold.stories", "belowthefold.dedup", "belowthefold.models", "datasketch.")
_SAFE_EXACT = {
    ("belowthefold.config", "ClusterOptions"),
    ("belowthefold.config", "DedupOptions"),
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("collections", "deque"),
    ("collections", "Counter"),
    ("copyreg", "_reconstructor"),
    ("datasketch.hashfunc", "sha1_hash32"),
    ("datasketch.hashfunc", "sha1_hash64"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "timedelta"),
    ("datetime", "timezone"),
}

_NUMPY = frozenset({"ndarray", "dtype", "_reconstruct", "scalar", "frombuffer", "_frombuffer"})


# datasketch's LSH keeps a bound method (`self._H = self._byteswap`), pickled as getattr(obj,
# name); a free getattr would reach anything, so only these methods of its own objects resolve.
_METHODS = frozenset({"_byteswap", "_hash"})


def _method_of(obj: object, name: str) -> Any:
    if name not in _METHODS or not type(obj).__module__.startswith("datasketch."):
        raise pickle.UnpicklingError(f"refusing getattr {name!r} in a stored cluster state")
    return getattr(obj, name)


class _StateUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("builtins", "getattr"):
            return _method_of
        allowed = (
            (module == "builtins" and name in _SAFE_BUILTINS)
            or (module, name) in _SAFE_EXACT
            or (module.startswith("numpy") and name in _NUMPY)
            or module.startswith(_SAFE_MODULES)
        )
        if not allowed:
            raise pickle.UnpicklingError(f"refusing {module}.{name} in a stored cluster state")
        found = super().find_class(module, name)
        exact = (module, name) in _SAFE_EXACT
        if not exact and module.startswith(_SAFE_MODULES) and not isinstance(found, type):
            raise pickle.UnpicklingError(f"refusing {module}.{name}: not a class")
        return found


def fingerprint(*options: object) -> str:
    """Which options a state was saved under: a state of other options must not be resumed."""
    return hashlib.sha256(repr(options).encode("utf-8")).hexdigest()[:32]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a state is pickled or unpickled (as it was after),
    or while a brief is built (`pipeline.make_brief`).

    Unpickling creates hundreds of thousands of containers (a 100k archive's state: 35 MB,
    ~1.2M objects) and each few hundred start a collection that walks the ones made so far:
    loading took 0.78-1.45 s with the collector on and 0.35-0.38 s with it off, dumping
    0.54-0.61 s against 0.37-0.47 s. Nothing in between makes garbage cycles to collect.
    A brief's ranking is the same case: a week's 35,000 articles and their stories, events and
    sparse matrices, and the collections were a quarter of ranking them (in-process at 100k,
    `build_brief` 1.37-1.40 s CPU with the collector on, 1.03-1.09 s off).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def dump_state(state: object, print_: str) -> bytes:
    """`state` (plain objects, numpy arrays, the stages' classes) as checkpoint bytes."""
    with collector_paused():
        body = pickle.dumps(state, protocol=5)
    return FORMAT + print_.encode("ascii") + b"\n" + body


def load_state(blob: bytes, print_: str) -> Any | None:
    """The state saved by `dump_state` under the same options, or None when it cannot be used."""
    head = FORMAT + print_.encode("ascii") + b"\n"
    if not blob.startswith(head):
        return None
    try:
        with collector_paused():
            return _StateUnpickler(io.BytesIO(memoryview(blob)[len(head) :])).load()
    except Exception:  # an old or damaged state: the run warms from the stored assignments
        return None
