"""Fetch leases: many `watch --worker` processes, on many machines, share each round's feeds.

A round is a numbered row (`fetch_rounds`); every stored source's feeds and front page are
tasks (`fetch_tasks`), due while their `done_round` is below the round's number. A task is
marked done in the very transaction that stores its fetch (`mark_done`, called by FeedRepo),
so a worker killed at any point leaves each task either stored and done or not done at all:
nothing fetched twice in a round but what was on the wire when it died, nothing lost.

Workers lease hosts, not single feeds (`fetch_hosts`: holder, expiry in epoch seconds): a
worker holding a host fetches that host's due tasks, one request at a time (its Fetcher's
per-host gate), so no host ever has two requests from the workers at once. The holder renews
its leases while it works; a killed worker's hosts come free when their expiry passes.
Releasing a host sets its expiry to now + the host's pause (the per-host delay, or the
Crawl-delay of its robots.txt when longer), so the next holder waits as long as one worker
would between two requests, though it has not read that robots.txt yet.

Taking leases is the one place where writers must not queue behind each other: on PostgreSQL
it runs outside the writers' advisory lock and takes its rows with `FOR UPDATE SKIP LOCKED`
(two workers taking at once each get other hosts, neither waits); on SQLite BEGIN IMMEDIATE
serialises it, which makes the same select-then-update correct. One SQL text serves both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from belowthefold.store.core_tx import Connection, transaction

ROUND = "fetch"  # the one round row all workers share


@dataclass(frozen=True)
class Task:
    """One fetch of a round: a source's feed (`kind` 'feed') or its front page ('frontpage')."""

    source: str
    kind: str
    url: str

    @property
    def host(self) -> str:
        return host_of(self.url)


@dataclass(frozen=True)
class Round:
    """The round a worker works in: its number and when it started (epoch seconds)."""

    number: int
    started: float


@dataclass(frozen=True)
class HostLease:
    """A host held by one worker, and the due tasks on it it fetches in this turn."""

    host: str
    tasks: tuple[Task, ...]


@dataclass(frozen=True)
class LeaseMark:
    """What `mark_done` writes with a stored fetch: the task done in `round`, the host's lease
    renewed to `until` if `holder` still has it."""

    task: Task
    round: int
    holder: str
    until: float


def host_of(url: str) -> str:
    """The politeness key: scheme, host and port, as the Fetcher's per-host gate keys them."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def mark_done(conn: Connection, mark: LeaseMark) -> None:
    """Inside the caller's transaction (the one storing the fetch): the task is done."""
    t = mark.task
    conn.execute(
        "UPDATE fetch_tasks SET done_round=? WHERE source=? AND kind=? AND url=?",
        (mark.round, t.source, t.kind, t.url),
    )
    conn.execute(
        "UPDATE fetch_hosts SET expires=? WHERE host=? AND holder=?",
        (mark.until, t.host, mark.holder),
    )


@dataclass(frozen=True)
class RoundView:
    """The fetch workers seen from the store, for people (`belowthefold workers`): the round
    under way, its tasks done and due, and each worker's hosts with their lease's end."""

    round: Round | None
    tasks: int
    due: int
    leases: dict[str, list[tuple[str, float]]]  # holder -> [(host, expires)], by host


class LeaseRepo:
    """Rounds, tasks and host leases; `take` is the only way to a host."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def open_round(self, tasks: Sequence[Task], every_s: float, now: float) -> Round:
        """Make the task list the stored sources' (`tasks`) and join the current round, or
        start the next one: once `every_s` has passed since the current one started (watch),
        or, with `every_s` 0 (one fetch), once every task of the current one is done."""
        with transaction(self.conn):
            self._sync_tasks(tasks)
            current = self.current()
            if current is not None:
                elapsed = current.started + every_s <= now
                if not elapsed or (every_s <= 0 and self._due(current.number)):
                    return current
            number = 1 if current is None else current.number + 1
            self.conn.execute(
                "INSERT INTO fetch_rounds(name, number, started) VALUES (?,?,?) "
                "ON CONFLICT(name) DO UPDATE SET number=excluded.number, started=excluded.started",
                (ROUND, number, now),
            )
            return Round(number, now)

    def current(self) -> Round | None:
        """The round under way (or last finished), None before the first."""
        row = self.conn.execute(
            "SELECT number, started FROM fetch_rounds WHERE name=?", (ROUND,)
        ).fetchone()
        return None if row is None else Round(int(row["number"]), float(row["started"]))

    def _sync_tasks(self, tasks: Sequence[Task]) -> None:
        wanted = {(t.source, t.kind, t.url) for t in tasks}
        stored = {
            (r[0], r[1], r[2])
            for r in self.conn.execute("SELECT source, kind, url FROM fetch_tasks").fetchall()
        }
        self.conn.executemany(
            "DELETE FROM fetch_tasks WHERE source=? AND kind=? AND url=?",
            sorted(stored - wanted),
        )
        new = [t for t in tasks if (t.source, t.kind, t.url) not in stored]
        self.conn.executemany(
            "INSERT INTO fetch_tasks(source, kind, url, host, done_round) VALUES (?,?,?,?,0) "
            "ON CONFLICT DO NOTHING",
            [(t.source, t.kind, t.url, t.host) for t in new],
        )
        self.conn.executemany(
            "INSERT INTO fetch_hosts(host, holder, expires) VALUES (?, NULL, 0) "
            "ON CONFLICT DO NOTHING",
            [(h,) for h in sorted({t.host for t in new})],
        )

    def _due(self, number: int, kind: str | None = None) -> int:
        sql = "SELECT COUNT(*) FROM fetch_tasks WHERE done_round<?"
        args: list[object] = [number]
        if kind is not None:
            sql += " AND kind=?"
            args.append(kind)
        return int(self.conn.execute(sql, args).fetchone()[0])

    def due(self, number: int) -> int:
        """Tasks of round `number` not done yet (by any worker)."""
        return self._due(number)

    def take(
        self, holder: str, number: int, limit: int, lease_s: float, now: float
    ) -> list[HostLease]:
        """Up to `limit` free hosts with due tasks, leased to `holder` until now + `lease_s`,
        each with its due tasks: the feeds while any feed of the round is due, then the front
        pages (so they link to the round's articles, as in one process)."""
        if limit <= 0:
            return []
        with transaction(self.conn, writers=False):
            kind = "feed" if self._due(number, "feed") else "frontpage"
            lock = " FOR UPDATE SKIP LOCKED" if self.conn.dialect == "postgresql" else ""
            hosts = [
                str(r[0])
                for r in self.conn.execute(
                    "SELECT host FROM fetch_hosts WHERE expires<=? AND EXISTS (SELECT 1 FROM "
                    "fetch_tasks t WHERE t.host=fetch_hosts.host AND t.kind=? AND "
                    "t.done_round<?) ORDER BY expires, host LIMIT ?" + lock,
                    (now, kind, number, limit),
                ).fetchall()
            ]
            leases: list[HostLease] = []
            for host in hosts:
                self.conn.execute(
                    "UPDATE fetch_hosts SET holder=?, expires=? WHERE host=?",
                    (holder, now + lease_s, host),
                )
                rows = self.conn.execute(
                    "SELECT source, kind, url FROM fetch_tasks WHERE host=? AND kind=? AND "
                    "done_round<? ORDER BY source, url",
                    (host, kind, number),
                ).fetchall()
                leases.append(HostLease(host, tuple(Task(r[0], r[1], r[2]) for r in rows)))
        return leases

    def hold(self, holder: str, host: str, lease_s: float, now: float) -> bool:
        """Lease `host` to `holder` for one request (an article page on a host that has no
        task of its own, or one another worker may hold): True if it was free (or already
        `holder`'s), False if another worker holds it or its pause is not over."""
        with transaction(self.conn, writers=False):
            self.conn.execute(
                "INSERT INTO fetch_hosts(host, holder, expires) VALUES (?, NULL, 0) "
                "ON CONFLICT DO NOTHING",
                (host,),
            )
            cur = self.conn.execute(
                "UPDATE fetch_hosts SET holder=?, expires=? WHERE host=? AND "
                "(expires<=? OR holder=?)",
                (holder, now + lease_s, host, now, holder),
            )
            return cur.rowcount == 1

    def renew(self, holder: str, hosts: Iterable[str], until: float) -> set[str]:
        """Extend `holder`'s leases to `until`; returns the hosts it no longer holds (expired
        and taken by another worker: it must stop fetching there)."""
        lost: set[str] = set()
        with transaction(self.conn):
            for host in sorted(set(hosts)):
                cur = self.conn.execute(
                    "UPDATE fetch_hosts SET expires=? WHERE host=? AND holder=?",
                    (until, host, holder),
                )
                if cur.rowcount == 0:
                    lost.add(host)
        return lost

    def release(self, holder: str, free_at: Mapping[str, float]) -> None:
        """Give hosts back; the next holder of each may start at its `free_at` (now + the
        host's pause: the per-host delay, or its robots.txt Crawl-delay when longer)."""
        with transaction(self.conn):
            self.conn.executemany(
                "UPDATE fetch_hosts SET holder=NULL, expires=? WHERE host=? AND holder=?",
                [(free_at[h], h, holder) for h in sorted(free_at)],
            )

    def forget(self, task: Task) -> None:
        """Drop a task whose source is gone (removed after the round opened)."""
        with transaction(self.conn):
            self.conn.execute(
                "DELETE FROM fetch_tasks WHERE source=? AND kind=? AND url=?",
                (task.source, task.kind, task.url),
            )

    def view(self) -> RoundView:
        """What the workers are doing now; reads only."""
        current = self.current()
        total = self.conn.execute("SELECT COUNT(*) FROM fetch_tasks").fetchone()[0]
        due = 0 if current is None else self._due(current.number)
        leases: dict[str, list[tuple[str, float]]] = {}
        for r in self.conn.execute(
            "SELECT host, holder, expires FROM fetch_hosts WHERE holder IS NOT NULL ORDER BY host"
        ).fetchall():
            leases.setdefault(str(r[1]), []).append((str(r[0]), float(r[2])))
        return RoundView(current, int(total), due, leases)

    def holders(self) -> dict[str, str]:
        """Host -> holder of every lease not given back (for tests and people)."""
        rows = self.conn.execute(
            "SELECT host, holder FROM fetch_hosts WHERE holder IS NOT NULL"
        ).fetchall()
        return {str(r[0]): str(r[1]) for r in rows}
