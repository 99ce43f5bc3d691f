"""The only code that touches the database: an embedded SQLite file in WAL mode.

`Store` owns the connection and exposes one repository per concern, each in its own
module, so that stages never see SQL and features can grow their own tables through
numbered, forward-only migrations (`store/migrations.py`).
"""

from __future__ import annotations

from belowthefold.store.core import Store

__all__ = ["Store"]
