"""Grouping rules in the sources file: [[rule]] by host suffix, sourcecountry or language, and a
default_group; precedence record group > [[source]] > first rule > default; the GDELT week."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from belowthefold import pipeline
from belowthefold.config import ImportOptions
from belowthefold.errors import ConfigError, InputError
from belowthefold.sources import dump_sources, parse_sources_file
from belowthefold.store import Store
from cli_support import REPO, SHARED
from cli_support import run_cli as run

pytestmark = pytest.mark.both_backends

FIX = Path(__file__).parent / "fixtures" / "sources_rules"
EXAMPLE = REPO / "examples" / "gdelt-week.sources.toml"
GDELT = SHARED / "data" / "gdelt-artlist-2025-04-21"


def _expected() -> dict[str, tuple[str, str]]:
    rows = [json.loads(line) for line in (FIX / "week.jsonl").read_text("utf-8").splitlines()]
    return {r["id"]: (r["expect_group"], r["why"]) for r in rows}


def _groups(store: Store) -> dict[str, str]:
    rows = store.conn.execute("SELECT id, grp FROM articles").fetchall()
    return {r[0]: r[1] for r in rows}


def _import(store: Store, sources: Path) -> None:
    options = replace(ImportOptions(), format="jsonl")
    pipeline.import_paths(store, [FIX / "week.jsonl"], options, sources)


def test_each_fixture_record_lands_in_the_group_it_names(store: Store) -> None:
    _import(store, FIX / "sources.toml")
    got = _groups(store)
    wrong = {
        i: (got.get(i), want, why) for i, (want, why) in _expected().items() if got.get(i) != want
    }
    assert not wrong, wrong


def test_ruled_articles_have_a_group_but_no_source(store: Store) -> None:
    _import(store, FIX / "sources.toml")
    rows = dict(store.conn.execute("SELECT id, source FROM articles").fetchall())
    assert rows["bbc"] == "BBC News" and rows["euronews-us"] == "Euronews"
    assert rows["reuters-jp"] is None and rows["asahi"] is None


def test_rules_live_in_the_stored_file_and_a_new_file_regroups(
    store: Store, tmp_path: Path
) -> None:
    _import(store, FIX / "sources.toml")
    # A later verb (brief, web) rebuilds the index from the store alone.
    assert pipeline.stored_rules(store).default_group == "unplaced"
    without_wire = tmp_path / "sources.toml"
    text = (FIX / "sources.toml").read_text("utf-8")
    without_wire.write_text(text.replace('group = "wire"', 'group = "agency"'), "utf-8")
    pipeline.apply_sources(store, without_wire)
    assert _groups(store)["reuters-jp"] == "agency"


def test_sources_added_later_keep_the_rules(tmp_path: Path) -> None:
    """`sources import-opml` rewrites the stored file from the source list: rules must survive."""
    db = str(tmp_path / "t.db")
    week, sources = str(FIX / "week.jsonl"), str(FIX / "sources.toml")
    imported = run("--db", db, "import", week, "--sources", sources, "--no-stories")
    assert imported.returncode == 0, imported.stderr
    opml = Path(__file__).parent / "fixtures" / "feeds" / "opml.xml"
    added = run("--db", db, "sources", "import-opml", str(opml), "--group", "mainstream")
    assert added.returncode == 0, added.stderr
    listed = json.loads(run("--db", db, "sources", "--format", "json").stdout)
    by_group = {r["group"]: r["articles"] for r in listed if r["source"] is None}
    assert by_group["wire"] == 1 and by_group["unplaced"] == 1 and by_group["non-english"] == 1


def test_rules_round_trip_through_dump() -> None:
    parsed = parse_sources_file((FIX / "sources.toml").read_text("utf-8"))
    again = parse_sources_file(dump_sources(parsed.sources, parsed.rules))
    assert again == parsed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[[rule]]\ndomains = ["x.com"]\n', "needs a group"),
        ('[[rule]]\ngroup = "g"\n', "tests nothing"),
        ('[[rule]]\ngroup = "g"\ncountry = ["Japan"]\n', "unknown key(s) country"),
        ('[[rule]]\ngroup = "g"\ntld = "jp"\nlang = [1]\n', "lang must be a list"),
        ('[[rule]]\ngroup = "g"\ndomains = [""]\n', "domains must be a list"),
        ('default_group = ""\n', "default_group"),
        ('rule = "x"\n', "expected [[rule]]"),
    ],
)
def test_bad_rules_say_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=r"\[\[rule\]\] 1|default_group|expected") as err:
        parse_sources_file(text, "s.toml")
    assert says in str(err.value) and "s.toml" in str(err.value)


def test_a_gdelt_folder_is_its_csv_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    for name in ("a/2.csv", "1.csv", "notes.txt"):
        (tmp_path / name).write_text("url,title,seendate,domain\n", "utf-8")
    files = pipeline.input_files([tmp_path], "gdelt")
    assert files == [tmp_path / "1.csv", tmp_path / "a" / "2.csv"]
    with pytest.raises(InputError, match="no front-page snapshots"):
        pipeline.input_files([tmp_path], "frontpages")
    with pytest.raises(InputError, match=r"no \.jsonl"):
        pipeline.input_files([tmp_path], "jsonl")
    (tmp_path / "2025-04-01").mkdir()
    (tmp_path / "2025-04-01" / "08-00-00_headlines.json").write_text("[]", "utf-8")
    assert pipeline.input_files([tmp_path], "frontpages") == [tmp_path]
    assert pipeline.input_files([tmp_path], "auto") == [tmp_path]  # snapshots: a front-page folder


# --- the real GDELT week ---------------------------------------------------------------------
# 14,766 rows: 4 have no title and 100 repeat a URL (with ":443"), so 14,662 articles are stored.
ROWS, STORED = 14_766, 14_662


@pytest.mark.slow
def test_the_example_groups_the_real_gdelt_week(tmp_path: Path) -> None:
    if not GDELT.is_dir():
        pytest.skip(f"real GDELT files absent at {GDELT} (../shared is only beside the repo in CI)")
    db = str(tmp_path / "gd.db")
    done = run(
        "--db", db, "import", str(GDELT), "--format", "gdelt", "--sources", str(EXAMPLE),
        "--no-stories",
    )  # fmt: skip
    assert f"imported {STORED} new, {ROWS - STORED - 4} already stored, 4 skipped" in done.stdout
    listed = json.loads(run("--db", db, "sources", "--format", "json").stdout)
    assert sum(r["articles"] for r in listed) == STORED  # nothing lost between import and grouping
    with Store(Path(db)) as store:
        rows = store.conn.execute(
            "SELECT grp, COUNT(*), COUNT(DISTINCT outlet) FROM articles GROUP BY grp"
        ).fetchall()
        bbc = dict(store.conn.execute("SELECT lang, grp FROM articles WHERE domain='bbc.com'"))
    groups = {g: n for g, n, _ in rows}
    outlets = {g: k for g, _, k in rows}
    assert groups.get("other", 0) <= 20  # the rules place all but a handful
    assert groups["foreign"] > 10_000 and groups["wire"] > 800 and groups["specialist"] > 800
    assert groups["official"] >= 20 and groups["domestic"] >= 500 and groups["release"] >= 50
    assert groups["mainstream"] >= 50 and outlets["mainstream"] >= 15
    # BBC Arabic and Chinese share bbc.com with the audience: English only is mainstream.
    assert bbc == {"en": "mainstream", "ar": "foreign", "zh": "foreign", "pt": "foreign"}
