"""One exception hierarchy; the CLI and the web app turn these into messages for people."""

from __future__ import annotations


class BelowTheFoldError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(BelowTheFoldError):
    """A settings or sources file is missing, malformed or inconsistent."""


class InputError(BelowTheFoldError):
    """An input file as a whole cannot be read (a single bad record is a RecordError instead)."""


class StoreError(BelowTheFoldError):
    """The database cannot be opened, migrated or written."""


class WindowError(BelowTheFoldError):
    """A --week / --from / --to window that does not parse or is empty."""


class FetchError(BelowTheFoldError):
    """A network fetch failed; carries a short machine-readable kind for the error record."""

    def __init__(self, kind: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


class ExtractError(BelowTheFoldError):
    """Full-text extraction of a page produced nothing usable."""


class EvalError(BelowTheFoldError):
    """An evaluation could not run, or scored below its pinned floor."""


class CommandFailed(BelowTheFoldError):
    """A command that did its work but must exit non-zero (skipped records, failed sources),
    or refused its arguments; `code` is the exit status the CLI returns."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code
