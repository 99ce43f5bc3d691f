"""The live-source verbs run as real processes against a local server and a real SQLite file."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.cli.fetching import parse_duration
from belowthefold.fetch.opml import parse_opml
from belowthefold.models import Source
from belowthefold.store import Store
from cli_support import run_cli
from fetchserver import Served, file_route, rss, send, serve

FIX = Path(__file__).parent / "fixtures" / "feeds"
FAST_ENV = {
    "BELOWTHEFOLD_FETCH__PER_HOST_DELAY_S": "0",
    "BELOWTHEFOLD_FETCH__ALLOW_PRIVATE_ADDRESSES": "1",  # the test server is on 127.0.0.1
    "BELOWTHEFOLD_FETCH__DEADLINE_S": "10",
    "BELOWTHEFOLD_FETCH__BACKOFF_S": "0.01",
    "BELOWTHEFOLD_FETCH__RETRIES": "0",
}


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env={**FAST_ENV, **(env or {})}, timeout=300)


def _site(srv: Served) -> None:
    page = (
        (FIX / "page.html")
        .read_bytes()
        .replace(b'href="https://harbour.example/atom.xml"', f'href="{srv.base}/atom.xml"'.encode())
    )
    srv.routes["/"] = lambda h: send(h, page, "text/html; charset=utf-8")
    srv.routes["/feed.xml"] = lambda h: send(h, b"<html>gone</html>", "text/html", 200)
    srv.routes["/atom.xml"] = file_route(FIX / "atom.xml", "application/atom+xml")


def test_sources_add_discovers_the_feed_then_fetch_stores_it(tmp_path: Path) -> None:
    db = str(tmp_path / "a.db")
    with serve() as srv:
        _site(srv)
        added = cli("--db", db, "sources", "add", srv.url("/"), "--group", "specialist")
        assert added.returncode == 0, added.stderr
        assert f"{srv.base}/atom.xml" in added.stdout and "Coast Watch" in added.stdout
        fetched = cli("fetch", "--db", db)
        assert fetched.returncode == 0, fetched.stderr
        assert "2 new articles of 2 entries; 0 sources failed" in fetched.stdout
        again = cli("fetch", "--db", db)
    assert "0 new articles" in again.stdout
    health = cli("--db", db, "sources", "health", "--format", "json")
    assert '"source": "Coast Watch"' in health.stdout and '"last_error": null' in health.stdout
    with Store(Path(db)) as store:
        (s,) = store.sources.all()
        assert s.group == "specialist" and "atom.xml" in s.feeds[0]
        assert "Coast Watch" in (store.sources.raw_file() or "")  # the sources file keeps up


def test_fetch_names_each_failing_source_and_exits_non_zero(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    with serve(
        {
            "/ok": lambda h: send(
                h, rss([("A", "https://a.example/1", "Mon, 07 Apr 2025 09:00:00 GMT")])
            ),
            "/down": lambda h: send(h, b"oops", "text/plain", 503),
        }
    ) as srv:
        with Store(db) as store:
            store.sources.replace_all(
                [
                    Source("Good", "wires", (), (srv.url("/ok"),)),
                    Source("Broken", "wires", (), (srv.url("/down"),)),
                ]
            )
        result = cli("--db", str(db), "fetch")
        watched = cli("--db", str(db), "watch", "--every", "0.1s", "--times", "2")
        quiet = cli("--db", str(db), "watch", "--every", "0.1s", "--times", "2", "-q")
        verbose = cli("--db", str(db), "watch", "--times", "1", "-v")
        only_broken = cli("--db", str(db), "fetch", "--source", "Broken")
        typo = cli("--db", str(db), "watch", "--source", "Brokn", "--times", "1")
    assert result.returncode == 3  # partial success: one source of two failed
    assert only_broken.returncode == 1  # nothing fetched: a failure
    assert typo.returncode == 2, typo.stderr
    assert typo.stderr.strip() == "error: --source Brokn: no such source or group; groups: wires"
    assert "Broken: http HTTP 503" in result.stderr and "Good" not in result.stderr
    assert "1 new articles of 1 entries; 1 sources failed" in result.stdout
    assert watched.returncode == 0, watched.stderr  # watch never dies on one source
    assert watched.stdout.count("sources failed") == 2
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "
    assert all(re.match(stamp, line) for line in watched.stdout.splitlines() if line)
    assert re.search(stamp + r"next fetch in 0s", watched.stderr)
    assert quiet.returncode == 0 and quiet.stdout == "" and "next fetch" not in quiet.stderr
    assert quiet.stderr.count("Broken: http HTTP 503") == 2  # failures are still said
    assert re.search(stamp + r"ok Good: 0 new of 1 entries", verbose.stderr), verbose.stderr


def test_opml_import_export_round_trip(tmp_path: Path) -> None:
    db = str(tmp_path / "o.db")
    imported = cli(
        "--db", db, "sources", "import-opml", str(FIX / "opml.xml"), "--group", "mainstream"
    )
    assert imported.returncode == 0, imported.stderr
    assert "imported 3 sources (3 feeds)" in imported.stdout
    exported = cli("--db", db, "sources", "export-opml")
    feeds = parse_opml(exported.stdout)
    assert {f.feed for f in feeds} == {
        "https://harbour.example/feed.xml",
        "https://coastwatch.example/atom.xml",
        "https://delta.example/feed.json",
    }
    assert 'text="mainstream"' in exported.stdout
    bad = cli("--db", db, "sources", "import-opml", str(FIX / "rss20.xml"), "--group", "x")
    assert bad.returncode == 1 and "not OPML" in bad.stderr
    loose = cli("--db", db, "sources", "import-opml", str(FIX / "opml.xml"))
    assert (
        loose.returncode == 2 and "no category outline (Delta Daily): give --group" in loose.stderr
    )
    exported_file = tmp_path / "out.opml"
    exported_file.write_text(exported.stdout, encoding="utf-8")
    db2 = str(tmp_path / "o2.db")
    back = cli("--db", db2, "sources", "import-opml", str(exported_file))  # groups from the file
    assert back.returncode == 0 and "into groups mainstream" in back.stdout, back.stderr


def test_catalog_is_valid_and_grouped() -> None:
    sources = pipeline.load_catalog()
    groups = {s.group for s in sources}
    assert {"wire", "mainstream", "specialist", "official", "foreign"} <= groups
    feeds = [f for s in sources for f in s.feeds]
    assert len(feeds) >= 30 and len(set(feeds)) == len(feeds)
    assert all(f.startswith(("https://", "http://")) for f in feeds)


def test_durations() -> None:
    assert parse_duration("15m") == 900 and parse_duration("1h30m") == 5400
    assert parse_duration("90") == 90 and parse_duration("0s") == 0


def test_run_fetches_updates_stories_and_writes_the_brief(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    now = datetime.now(UTC)

    def stamp(hours: int) -> str:
        return (now - timedelta(hours=hours)).strftime("%a, %d %b %Y %H:%M:%S GMT")

    feed_a = rss(
        [(f"Harbour strike day {i}", f"https://a.example/{i}", stamp(i)) for i in range(5)]
    )
    feed_b = rss(
        [(f"Coast guard report {i}", f"https://b.example/{i}", stamp(i)) for i in range(5)]
    )
    with serve({"/a": lambda h: send(h, feed_a), "/b": lambda h: send(h, feed_b)}) as srv:
        with Store(db) as store:
            store.sources.replace_all(
                [
                    Source("A", "mainstream", ("a.example",), (srv.url("/a"),)),
                    Source("B", "specialist", ("b.example",), (srv.url("/b"),)),
                ]
            )
        out = tmp_path / "brief.json"
        result = cli("--db", str(db), "run", "--format", "json", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file() and '"missed"' in out.read_text()
    with Store(db) as store:
        assert store.articles.count() == 10 and store.articles.count_unassigned() == 0


def _counts(db: Path) -> tuple[int, int, str]:
    conn = sqlite3.connect(db)
    try:
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        sightings = conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0]
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return int(articles), int(sightings), str(check)


@pytest.mark.slow
def test_kill_9_mid_fetch_then_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    n_feeds, per_feed = 120, 40

    def feed(k: int):  # type: ignore[no-untyped-def]
        body = rss(
            [
                (
                    f"Item {k}-{i}",
                    f"https://k{k % 7}.example/{k}/{i}",
                    "Mon, 07 Apr 2025 09:00:00 GMT",
                )
                for i in range(per_feed)
            ]
            + [
                (f"Shared {i}", f"https://shared.example/{i}", "Mon, 07 Apr 2025 09:00:00 GMT")
                for i in range(5)
            ]
        )

        def route(h):  # type: ignore[no-untyped-def]
            time.sleep(0.02)  # slow enough that the kill lands mid-run
            send(h, body)

        return route

    with serve({f"/f{k}": feed(k) for k in range(n_feeds)}) as srv:
        sources = [Source(f"S{k}", "g", (), (srv.url(f"/f{k}"),)) for k in range(n_feeds)]
        dbs = {name: tmp_path / f"{name}.db" for name in ("clean", "killed")}
        for db in dbs.values():
            with Store(db) as store:
                store.sources.replace_all(sources)
        assert cli("--db", str(dbs["clean"]), "fetch").returncode == 0
        proc = subprocess.Popen(
            [sys.executable, "-m", "belowthefold", "--db", str(dbs["killed"]), "fetch"],
            env={**os.environ, **FAST_ENV},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.05)
            try:
                done = (
                    sqlite3.connect(dbs["killed"])
                    .execute("SELECT COUNT(*) FROM fetches")
                    .fetchone()[0]
                )
            except sqlite3.Error:
                continue
            if done >= n_feeds // 3:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        partial = _counts(dbs["killed"])
        assert partial[2] == "ok" and 0 < partial[0] < _counts(dbs["clean"])[0]
        assert cli("--db", str(dbs["killed"]), "fetch").returncode == 0
    assert _counts(dbs["killed"]) == _counts(dbs["clean"])
    assert _counts(dbs["clean"])[0] == n_feeds * per_feed + 5
