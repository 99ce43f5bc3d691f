"""The fetch workers as people see them: one definition for `belowthefold workers`, the web's
/workers page and /api/workers, so a terminal and a browser never disagree about who holds what.

It is a read over the store (the shared round, the host leases, the clustering claim and the
workers' recent runs) made at `now`, the caller's clock: leases are epoch seconds and what a
person wants is how long each has left.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from belowthefold.store import Store

RECENT_ROUNDS = 10  # worker runs listed
_RUNS_SCANNED = 200  # the latest runs of any kind searched for them


def workers_status(store: Store, now: float) -> dict[str, Any]:
    """The round under way (number, start, tasks done and due), each worker's hosts and the
    time its earliest lease has left, who holds the clustering claim and the last worker runs.
    Reads only."""
    view = store.leases.view()
    runs = [r for r in store.runs.recent(_RUNS_SCANNED) if str(r["detail"]).startswith("worker ")]
    return {
        "round": None if view.round is None else view.round.number,
        "started": None if view.round is None else _iso(view.round.started),
        "tasks": view.tasks,
        "due": view.due,
        "workers": [
            {
                "worker": holder,
                "hosts": [h for h, _ in hosts],
                "lease_left_s": round(max(0.0, min(e for _, e in hosts) - now), 1),
            }
            for holder, hosts in sorted(view.leases.items())
        ],
        "clustering": store.claims.holder("cluster"),
        "recent_rounds": [
            {
                "run": int(r["id"]),
                "detail": str(r["detail"]),
                "started": str(r["started_at"]),
                "finished": None if r["finished_at"] is None else str(r["finished_at"]),
                "new_articles": int(r["inserted"]),
                "errors": int(r["errors"]),
            }
            for r in runs[:RECENT_ROUNDS]
        ],
    }


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
