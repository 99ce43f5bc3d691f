"""feedparser's own 2,106 test feeds served over real HTTP: no crash, nothing lost.

Every entry feedparser finds with a title and a link or id must be stored (and sighted in its
feed); entries without are counted; every feed is either stored or recorded as an error.
"""

from __future__ import annotations

import io
import re
from functools import partial
from pathlib import Path
from urllib.parse import quote

import feedparser
import pytest

from belowthefold import pipeline
from belowthefold.config import FetchOptions
from belowthefold.errors import InputError
from belowthefold.fetch import Fetcher
from belowthefold.fetch.feeds import parse_json_feed, strip_html
from belowthefold.ingest.records import canonical_url
from belowthefold.models import Source
from belowthefold.store import Store
from fetchserver import send, serve

_HEADER = re.compile(r"^Header:\s*([^:]+):\s*(.*)$", re.M)


def _headers(data: bytes) -> dict[str, str]:
    """feedparser's fixtures name the HTTP headers they expect in a leading comment."""
    head = data[:2000].decode("latin-1")
    found = {k.strip(): v.strip() for k, v in _HEADER.findall(head)}
    found.setdefault("Content-Type", "application/xml")
    return found


def _key(link: str | None, guid: str | None) -> str:
    for c in (link, guid):
        if c and c.lower().startswith(("http://", "https://")):
            try:
                return canonical_url(c)
            except InputError:
                continue
    return f"guid:{guid or link}"


@pytest.mark.slow
def test_every_feedparser_fixture_is_stored_or_recorded(shared_dir: Path, tmp_path: Path) -> None:
    root = shared_dir / "data" / "feeds-feedparser" / "tests"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
    assert len(files) > 2000
    payloads = {f"/{quote(str(p.relative_to(root)))}": p.read_bytes() for p in files}
    with serve() as srv:
        for path, data in payloads.items():
            hdrs = _headers(data)
            ctype = hdrs.pop("Content-Type", hdrs.pop("Content-type", "application/xml"))
            srv.routes[path] = partial(send, body=data, ctype=ctype, headers=hdrs)
        sources = [
            Source(f"feed{i}", "corpus", (), (srv.url(path),)) for i, path in enumerate(payloads)
        ]
        opts = FetchOptions(
            per_host_delay_s=0.0,
            timeout_s=10.0,
            deadline_s=20.0,
            retries=0,
            respect_robots=False,
            concurrency=8,
            allow_private_addresses=True,  # the corpus is served on 127.0.0.1
        )
        with Store(tmp_path / "corpus.db") as store, Fetcher(opts) as fetcher:
            report = pipeline.fetch_sources(store, opts, sources, fetcher)
            fetches = {f.url: f for f in store.feeds.fetches(report.run_id)}
            sighted: dict[str, int] = {}
            for feed, n in store.conn.execute("SELECT feed, COUNT(*) FROM sightings GROUP BY feed"):
                sighted[feed] = n
            stored = store.articles.count()

    assert len(fetches) == len(payloads)
    kinds = {f.error_kind for f in fetches.values()}
    assert kinds <= {None, "parse", "not_feed"}, kinds  # never 'internal': nothing crashed
    lost: list[str] = []
    without = 0
    for path, data in payloads.items():
        url = srv.base + path
        hdrs = {k.lower(): v for k, v in _headers(data).items()}
        hdrs["content-location"] = url
        keys = set()
        if path.endswith(".json"):  # feedparser 6.0 reads XML only; JSON Feed is ours
            parsed_json = parse_json_feed(data, url)
            assert parsed_json is not None and parsed_json.entries
            keys = {_key(e.link, e.guid) for e in parsed_json.entries}
            without += parsed_json.skipped
        else:
            parsed = feedparser.parse(io.BytesIO(data), response_headers=hdrs)
            for e in parsed.entries:
                link = (e.get("link") or "").strip() or None
                guid = (e.get("id") or "").strip() or None
                if strip_html(e.get("title", "")) and (link or guid):
                    keys.add(_key(link, guid))
                else:
                    without += 1
        record = fetches[url]
        if keys and (record.failed or sighted.get(url, 0) != len(keys)):
            lost.append(
                f"{path}: expected {len(keys)}, sighted {sighted.get(url, 0)} "
                f"({record.error_kind}: {record.error})"
            )
    assert not lost, lost[:20]
    assert sum(f.skipped for f in fetches.values()) == without
    assert stored > 0
    print(
        f"\n{len(payloads)} feeds, {stored} articles stored, {without} entries without title "
        f"or link/id, {sum(1 for f in fetches.values() if f.failed)} recorded as errors"
    )
