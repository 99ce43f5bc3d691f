"""Versioned, forward-only schema migrations.

Each entry is (version, name, sql). Never edit a released entry: add a new one.
Numbers are reserved per feature so parallel work does not collide:
1 core, 2 stories/dedup, 3 live fetching, 4 web search (FTS5), 5 ranking history,
6 storyline merges, 7 article date integrity, 8 claims and run states.
"""

from __future__ import annotations

CORE = """
CREATE TABLE sources (
    name TEXT PRIMARY KEY,
    grp TEXT NOT NULL,
    domains TEXT NOT NULL DEFAULT '[]',
    feeds TEXT NOT NULL DEFAULT '[]',
    frontpage TEXT,
    fulltext INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE source_domains (
    domain TEXT PRIMARY KEY,
    source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    read INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE record_errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    origin TEXT NOT NULL,
    line INTEGER,
    message TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '',
    UNIQUE (origin, line, message)
);
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    published TEXT NOT NULL,
    day TEXT NOT NULL,
    url TEXT,
    text TEXT NOT NULL DEFAULT '',
    outlet TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL DEFAULT '',
    lang TEXT,
    record_group TEXT,
    weight REAL NOT NULL DEFAULT 1.0,
    extra TEXT NOT NULL DEFAULT '{}',
    published_estimated INTEGER NOT NULL DEFAULT 0,
    source TEXT,
    grp TEXT NOT NULL DEFAULT 'other',
    run_id INTEGER,
    inserted_at TEXT NOT NULL
);
CREATE INDEX articles_published ON articles(published);
CREATE INDEX articles_day_grp ON articles(day, grp);
CREATE UNIQUE INDEX articles_url ON articles(url) WHERE url IS NOT NULL;
"""

STORIES = """
CREATE TABLE stories (
    id TEXT PRIMARY KEY,
    storyline_id TEXT NOT NULL,
    headline TEXT NOT NULL,
    first_published TEXT NOT NULL,
    last_published TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0,
    merged_into TEXT
);
CREATE INDEX stories_last ON stories(last_published);
CREATE INDEX stories_storyline ON stories(storyline_id);
CREATE TABLE storylines (
    id TEXT PRIMARY KEY,
    headline TEXT NOT NULL,
    first_published TEXT NOT NULL,
    last_published TEXT NOT NULL,
    stories INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE assignments (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    story_id TEXT NOT NULL,
    storyline_id TEXT NOT NULL,
    similarity REAL NOT NULL DEFAULT 1.0
);
CREATE INDEX assignments_story ON assignments(story_id);
CREATE TABLE duplicates (
    article_id TEXT PRIMARY KEY REFERENCES articles(id),
    original_id TEXT NOT NULL,
    similarity REAL NOT NULL
);
CREATE TABLE dedup_done (
    article_id TEXT PRIMARY KEY
);
"""

SEARCH = """
-- Full-text search (web): a standalone FTS5 index keyed by article id (see store/search.py),
-- kept in sync by triggers, backfilled from the existing rows.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    article_id UNINDEXED, title, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(article_id, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE article_id = old.id;
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF id, title, text ON articles BEGIN
    DELETE FROM articles_fts WHERE article_id = old.id;
    INSERT INTO articles_fts(article_id, title, text) VALUES (new.id, new.title, new.text);
END;
INSERT INTO articles_fts(article_id, title, text) SELECT id, title, text FROM articles;
"""

# Live fetching: feed validators, per-fetch records, sightings, front-page snapshots.
LIVE_FETCHING = """
CREATE TABLE feeds (
    url TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_fetch TEXT,
    last_success TEXT,
    last_status INTEGER,
    last_error TEXT,
    last_error_kind TEXT,
    last_error_at TEXT,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE fetches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    status INTEGER,
    not_modified INTEGER NOT NULL DEFAULT 0,
    entries INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    error_kind TEXT,
    error TEXT,
    warning TEXT,
    bytes INTEGER NOT NULL DEFAULT 0,
    elapsed_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX fetches_source_at ON fetches(source, at);
CREATE INDEX fetches_run ON fetches(run_id);
CREATE TABLE sightings (
    article_id TEXT NOT NULL,
    feed TEXT NOT NULL,
    source TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    times INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (article_id, feed)
);
CREATE INDEX sightings_source_first ON sightings(source, first_seen);
CREATE TABLE frontpage_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    source TEXT NOT NULL,
    url TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    links INTEGER NOT NULL DEFAULT 0,
    known INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX frontpage_snapshots_source ON frontpage_snapshots(source, taken_at);
CREATE TABLE frontpage_items (
    snapshot_id INTEGER NOT NULL REFERENCES frontpage_snapshots(id),
    position INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, position)
);
CREATE INDEX frontpage_items_article ON frontpage_items(article_id);
CREATE TABLE frontpage_time (
    article_id TEXT NOT NULL,
    source TEXT NOT NULL,
    hours REAL NOT NULL DEFAULT 0,
    best_position INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    PRIMARY KEY (article_id, source)
);
"""

# Ranking history (issue 6): what each brief listed as missed, for "missed for the 3rd week".
MISSED_HISTORY = """
CREATE TABLE missed_history (
    week TEXT NOT NULL,
    week_start TEXT NOT NULL,
    week_end TEXT NOT NULL,
    audience TEXT NOT NULL,
    story_id TEXT NOT NULL,
    storyline_id TEXT NOT NULL DEFAULT '',
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    headline TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (week_start, week_end, audience, story_id)
);
CREATE INDEX missed_history_audience ON missed_history(audience, week_start);
"""

# Storyline merges (a flood's early storylines folded into its main one): old ids redirect.
STORYLINE_MERGES = """
ALTER TABLE storylines ADD COLUMN merged_into TEXT;
"""

# Article date integrity (issue 12): a row whose published text is not four-digit-year UTC ISO
# in 1900..2199 broke every reader. Existing ones become recorded bad records of a 'repair' run
# (and leave the tables that point at them); triggers refuse new ones, so no writer can again.
_BAD_PUBLISHED = (
    "(published NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]+00:00'"
    " OR published < '1900' OR published >= '2200')"
)
ARTICLE_DATES = f"""
INSERT INTO runs(kind, detail, started_at, finished_at)
SELECT 'repair', 'articles with unreadable published dates', strftime('%Y-%m-%dT%H:%M:%S+00:00'),
       strftime('%Y-%m-%dT%H:%M:%S+00:00')
WHERE EXISTS (SELECT 1 FROM articles WHERE {_BAD_PUBLISHED});
INSERT OR IGNORE INTO record_errors(run_id, origin, line, message, raw)
SELECT (SELECT MAX(id) FROM runs WHERE kind = 'repair'), 'database', NULL,
       'article ' || id || ': unreadable published date ' || quote(published) || ', removed',
       substr(json_object('id', id, 'title', title, 'published', published, 'url', url), 1, 2000)
FROM articles WHERE {_BAD_PUBLISHED};
UPDATE runs SET errors = (SELECT COUNT(*) FROM record_errors WHERE run_id = runs.id)
WHERE id = (SELECT MAX(id) FROM runs WHERE kind = 'repair');
DELETE FROM assignments WHERE article_id IN (SELECT id FROM articles WHERE {_BAD_PUBLISHED});
DELETE FROM duplicates WHERE article_id IN (SELECT id FROM articles WHERE {_BAD_PUBLISHED})
    OR original_id IN (SELECT id FROM articles WHERE {_BAD_PUBLISHED});
DELETE FROM dedup_done WHERE article_id IN (SELECT id FROM articles WHERE {_BAD_PUBLISHED});
DELETE FROM sightings WHERE article_id IN (SELECT id FROM articles WHERE {_BAD_PUBLISHED});
DELETE FROM articles WHERE {_BAD_PUBLISHED};
CREATE TRIGGER articles_published_insert BEFORE INSERT ON articles
WHEN {_BAD_PUBLISHED.replace("published", "NEW.published")}
BEGIN SELECT RAISE(ABORT, 'article published date is not UTC ISO text in 1900..2199'); END;
CREATE TRIGGER articles_published_update BEFORE UPDATE OF published ON articles
WHEN {_BAD_PUBLISHED.replace("published", "NEW.published")}
BEGIN SELECT RAISE(ABORT, 'article published date is not UTC ISO text in 1900..2199'); END;
"""

# Claims and run states (issue 12): one clusterer across processes (store/claims.py); a run
# records who runs it, so one left unfinished by kill -9 is marked interrupted on the next start.
CLAIMS_AND_RUN_STATES = """
CREATE TABLE claims (
    name TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    since TEXT NOT NULL,
    heartbeat TEXT NOT NULL
);
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
UPDATE runs SET status = 'interrupted' WHERE finished_at IS NULL;
"""

# Dense vectors (issue 11): encoded once per article and encoder (store/vectors.py).
ARTICLE_VECTORS = """
CREATE TABLE article_vectors (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    encoder TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (article_id, encoder)
);
"""

# Read paths (issue 17): per-source counts (the sources list, a brief's health table) by index,
# not one scan of the archive per source.
READ_INDEXES = """
CREATE INDEX articles_source ON articles(source, published);
"""

# Clustering cost flat in the archive (issue 17): a storyline merge moved its assignments by a
# scan of every assignment, and the run's closing storyline recount walks only recent storylines.
STORYLINE_INDEXES = """
CREATE INDEX assignments_storyline ON assignments(storyline_id);
CREATE INDEX storylines_last ON storylines(last_published);
"""


def _bump(day: str) -> str:
    """SQL that marks `day` changed: its version goes up by one (the row is made if need be)."""
    return (
        f"INSERT INTO day_stamps(day, version) SELECT {day}, 1 WHERE {day} IS NOT NULL "
        "ON CONFLICT(day) DO UPDATE SET version = version + 1;"
    )


def _article_day(article_id: str) -> str:
    return f"(SELECT day FROM articles WHERE id = {article_id})"


# Derived aggregates (issue 17): a brief or `pressure` reads per-day pressure points and the
# coverage model's archive weeks from `derived` instead of re-aggregating the archive. They are
# valid for the data stamp they were computed at: `day_stamps` holds a version per day that
# these triggers raise, in the writing transaction itself, on every change to what a day's
# placed articles are (an article, its group or weight, its story or storyline, its pickup
# link), whichever code path writes. `derived` is a cache: deleting its rows loses nothing.
DERIVED = f"""
CREATE TABLE day_stamps (
    day TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE derived (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    stamp TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TRIGGER day_stamp_article_insert AFTER INSERT ON articles BEGIN {_bump("NEW.day")} END;
CREATE TRIGGER day_stamp_article_update AFTER UPDATE ON articles BEGIN
{_bump("OLD.day")} {_bump("NEW.day")} END;
CREATE TRIGGER day_stamp_article_delete AFTER DELETE ON articles BEGIN {_bump("OLD.day")} END;
CREATE TRIGGER day_stamp_assignment_insert AFTER INSERT ON assignments BEGIN
{_bump(_article_day("NEW.article_id"))} END;
CREATE TRIGGER day_stamp_assignment_update AFTER UPDATE ON assignments BEGIN
{_bump(_article_day("OLD.article_id"))} {_bump(_article_day("NEW.article_id"))} END;
CREATE TRIGGER day_stamp_assignment_delete AFTER DELETE ON assignments BEGIN
{_bump(_article_day("OLD.article_id"))} END;
CREATE TRIGGER day_stamp_duplicate_insert AFTER INSERT ON duplicates BEGIN
{_bump(_article_day("NEW.article_id"))} END;
CREATE TRIGGER day_stamp_duplicate_update AFTER UPDATE ON duplicates BEGIN
{_bump(_article_day("OLD.article_id"))} {_bump(_article_day("NEW.article_id"))} END;
CREATE TRIGGER day_stamp_duplicate_delete AFTER DELETE ON duplicates BEGIN
{_bump(_article_day("OLD.article_id"))} END;
"""

# The sources page (issue 17): articles per day per source over its weeks, and per source over
# the archive with first and last day, read from covering indexes instead of the table (196 and
# 186 ms at 100k articles, a page that must answer in 100 ms).
SOURCE_DAY_INDEXES = """
CREATE INDEX articles_day_source ON articles(day, source, grp);
CREATE INDEX articles_source_grp_day ON articles(source, grp, day);
"""

# Fetch workers (issue 16, store/leases.py): many `watch --worker` processes share each round's
# feeds. A round is numbered; a task (one source's feed or front page) is due while its
# done_round is below the current round's number and is marked done in the transaction that
# stores its fetch. Tasks are leased by host (`fetch_hosts`: holder and expiry, epoch seconds),
# so one host has one worker's requests at a time and a killed worker's hosts come free.
FETCH_LEASES = """
CREATE TABLE fetch_rounds (
    name TEXT PRIMARY KEY,
    number INTEGER NOT NULL,
    started REAL NOT NULL
);
CREATE TABLE fetch_hosts (
    host TEXT PRIMARY KEY,
    holder TEXT,
    expires REAL NOT NULL DEFAULT 0
);
CREATE TABLE fetch_tasks (
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    url TEXT NOT NULL,
    host TEXT NOT NULL,
    done_round INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, kind, url)
);
CREATE INDEX fetch_tasks_host ON fetch_tasks(host, kind, done_round);
"""

# Whole-archive counts kept by triggers (issue 17): "how many articles wait for a story" and
# "has any assignment been written since the kept clusterer state" were COUNT(*)s of the
# archive (0.55 s of a later import at 1M articles, on every brief too). The Store's
# connections set recursive_triggers, so an INSERT OR REPLACE's implicit delete is counted too.
# A kept state whose old marker (COUNT(*):MAX(rowid) of assignments) still holds keeps holding.
ROW_COUNTS = """
CREATE TABLE row_counts (
    name TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO row_counts(name, n) VALUES
    ('articles', (SELECT COUNT(*) FROM articles)),
    ('assignments', (SELECT COUNT(*) FROM assignments)),
    ('assignment_writes', 0);
CREATE TRIGGER row_count_article_insert AFTER INSERT ON articles BEGIN
UPDATE row_counts SET n = n + 1 WHERE name = 'articles'; END;
CREATE TRIGGER row_count_article_delete AFTER DELETE ON articles BEGIN
UPDATE row_counts SET n = n - 1 WHERE name = 'articles'; END;
CREATE TRIGGER row_count_assignment_insert AFTER INSERT ON assignments BEGIN
UPDATE row_counts SET n = n + 1 WHERE name IN ('assignments', 'assignment_writes'); END;
CREATE TRIGGER row_count_assignment_update AFTER UPDATE ON assignments BEGIN
UPDATE row_counts SET n = n + 1 WHERE name = 'assignment_writes'; END;
CREATE TRIGGER row_count_assignment_delete AFTER DELETE ON assignments BEGIN
UPDATE row_counts SET n = n - 1 WHERE name = 'assignments';
UPDATE row_counts SET n = n + 1 WHERE name = 'assignment_writes'; END;
UPDATE settings SET value = 'w0' || substr(value, instr(value, '|'))
WHERE key = 'cluster_state_marker' AND instr(value, '|') > 0
AND substr(value, 1, instr(value, '|') - 1) =
    (SELECT COUNT(*) || ':' || COALESCE(MAX(rowid), 'None') FROM assignments);
"""

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "core", CORE),
    (2, "stories", STORIES),
    (3, "live_fetching", LIVE_FETCHING),
    (4, "search", SEARCH),
    (5, "missed_history", MISSED_HISTORY),
    (6, "storyline_merges", STORYLINE_MERGES),
    (7, "article_dates", ARTICLE_DATES),
    (8, "claims_and_run_states", CLAIMS_AND_RUN_STATES),
    (9, "article_vectors", ARTICLE_VECTORS),
    (10, "read_indexes", READ_INDEXES),
    (11, "storyline_indexes", STORYLINE_INDEXES),
    (12, "derived", DERIVED),
    (13, "source_day_indexes", SOURCE_DAY_INDEXES),
    (14, "fetch_leases", FETCH_LEASES),
    (15, "row_counts", ROW_COUNTS),
]
