"""CSV records from physical lines, so one bad line costs exactly that line and its true number.

A text wrapper decodes 8 KB chunks, so one non-UTF-8 byte lost every row in its chunk; and a
quote that never closes let `csv` swallow the rest of the file as one field. Here each physical
line is decoded on its own, and a record still open at the end of the file (or past the caps
below) is reported at the line it began on; reading then restarts on the line after it.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterator
from typing import BinaryIO

from belowthefold.models import RecordError

# One record may span many lines (a quoted text field), but not the rest of a big file: past
# these an open quote is taken to be unclosed. Also bounds the re-reading after a broken record.
MAX_RECORD_LINES = 2000
MAX_RECORD_BYTES = 8 * 2**20


class _Broken(Exception):
    """The open record cannot complete: a bad line inside it, or it ran past the caps."""


def _preview(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")[:300]


class _Lines:
    """The file's lines as text, one at a time, remembering those of the open record.

    Lines of a broken record after its first are put back and read again, so a row that an
    unclosed quote swallowed is still read as itself.
    """

    def __init__(self, binary: BinaryIO, origin: str) -> None:
        self._source = enumerate(binary, start=1)
        self._back: deque[tuple[int, bytes]] = deque()
        self.origin = origin
        self.taken: list[tuple[int, bytes]] = []
        self.size = 0
        self.errors: list[RecordError] = []

    def start_record(self) -> None:
        self.taken = []
        self.size = 0

    def put_back_continuation(self) -> None:
        """Every line of the open record but its first is read again."""
        self._back.extendleft(reversed(self.taken[1:]))
        del self.taken[1:]

    def text(self) -> str:
        return "".join(raw.decode("utf-8", "replace") for _, raw in self.taken)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while True:
            n, raw = self._back.popleft() if self._back else next(self._source)
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                if self.taken:  # inside an open record: end it here; this line is read alone next
                    self._back.appendleft((n, raw))
                    raise _Broken(f"it runs into line {n}, which is not UTF-8") from exc
                self.errors.append(
                    RecordError(
                        self.origin,
                        f"not UTF-8: {exc.reason} at byte {exc.start}",
                        n,
                        _preview(raw),
                    )
                )
                continue
            self.taken.append((n, raw))
            self.size += len(raw)
            if len(self.taken) > 1 and (
                len(self.taken) > MAX_RECORD_LINES or self.size > MAX_RECORD_BYTES
            ):
                raise _Broken(
                    f"it spans more than {MAX_RECORD_LINES} lines or {MAX_RECORD_BYTES} bytes"
                )
            return text


def csv_records(binary: BinaryIO, origin: str) -> Iterator[tuple[int, list[str] | RecordError]]:
    """(first line, fields) per CSV record, or (line, RecordError) for a line that is skipped."""
    lines = _Lines(binary, origin)
    reader = csv.reader(lines, strict=True)
    while True:
        lines.start_record()
        result: list[str] | RecordError
        try:
            result = next(reader)
        except StopIteration:
            yield from ((e.line or 0, e) for e in lines.errors)
            return
        except (_Broken, csv.Error) as exc:
            result = _recover(lines, exc)
        yield from ((e.line or 0, e) for e in lines.errors)
        lines.errors.clear()
        yield (lines.taken[0][0] if lines.taken else 0), result


def _recover(lines: _Lines, exc: Exception) -> list[str] | RecordError:
    """A record strict parsing refused: an unclosed quote is skipped alone, the rest re-read."""
    if not lines.taken:
        return RecordError(lines.origin, f"broken CSV: {exc}")
    first, raw = lines.taken[0]
    if isinstance(exc, _Broken) or "unexpected end of data" in str(exc):
        why = str(exc) if isinstance(exc, _Broken) else "it never closes before the end of the file"
        lines.put_back_continuation()
        return RecordError(
            lines.origin, f"broken CSV: a quoted field opens here and {why}", first, _preview(raw)
        )
    try:  # what only strict mode refuses ('"a"b') is read as csv always read it
        return next(csv.reader([lines.text()]))
    except (csv.Error, StopIteration) as again:
        return RecordError(lines.origin, f"broken CSV: {again}", first, _preview(raw))
