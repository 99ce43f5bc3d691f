"""The PostgreSQL schema: SQLite's migrations 1..13 as they stand, in one baseline.

No PostgreSQL store predates this backend, so it starts at the SQLite schema's latest version
(`BASELINE`) instead of replaying history; a later SQLite migration needs its PostgreSQL twin
in `PG_MIGRATIONS` (a test checks both lists end at the same version). Differences, each for a
reason: text columns compare bytewise (COLLATE "C"), as SQLite's do; REAL is DOUBLE PRECISION (PostgreSQL's REAL is 4 bytes); `rowid` columns on the tables
whose MAX(rowid) readers take as a change marker; `settings` keeps bytes in a column of their
own (SQLite's column takes either); PL/pgSQL triggers for the date check and the day stamps;
full-text search is a tsvector table with a GIN index (store/search.py), titles weighted A.
"""

from __future__ import annotations

BASELINE = 13

_TABLES = [
    """CREATE TABLE sources (
    name TEXT PRIMARY KEY, grp TEXT NOT NULL, domains TEXT NOT NULL DEFAULT '[]',
    feeds TEXT NOT NULL DEFAULT '[]', frontpage TEXT, fulltext INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE source_domains (
    domain TEXT PRIMARY KEY, source TEXT NOT NULL REFERENCES sources(name) ON DELETE CASCADE)""",
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT, blob BYTEA)",
    """CREATE TABLE runs (
    id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL, finished_at TEXT, read INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0, host TEXT, pid INTEGER,
    status TEXT NOT NULL DEFAULT 'done')""",
    """CREATE TABLE record_errors (
    id BIGSERIAL PRIMARY KEY, run_id BIGINT NOT NULL REFERENCES runs(id), origin TEXT NOT NULL,
    line INTEGER, message TEXT NOT NULL, raw TEXT NOT NULL DEFAULT '',
    UNIQUE (origin, line, message))""",
    """CREATE TABLE articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, published TEXT NOT NULL, day TEXT NOT NULL,
    url TEXT, text TEXT NOT NULL DEFAULT '', outlet TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL DEFAULT '', lang TEXT, record_group TEXT,
    weight DOUBLE PRECISION NOT NULL DEFAULT 1.0, extra TEXT NOT NULL DEFAULT '{}',
    published_estimated INTEGER NOT NULL DEFAULT 0, source TEXT,
    grp TEXT NOT NULL DEFAULT 'other', run_id BIGINT, inserted_at TEXT NOT NULL,
    rowid BIGSERIAL NOT NULL)""",
    "CREATE INDEX articles_published ON articles(published)",
    "CREATE INDEX articles_day_grp ON articles(day, grp)",
    "CREATE UNIQUE INDEX articles_url ON articles(url) WHERE url IS NOT NULL",
    "CREATE INDEX articles_rowid ON articles(rowid)",
    "CREATE INDEX articles_source ON articles(source, published)",
    "CREATE INDEX articles_day_source ON articles(day, source, grp)",
    "CREATE INDEX articles_source_grp_day ON articles(source, grp, day)",
    """CREATE TABLE stories (
    id TEXT PRIMARY KEY, storyline_id TEXT NOT NULL, headline TEXT NOT NULL,
    first_published TEXT NOT NULL, last_published TEXT NOT NULL,
    articles INTEGER NOT NULL DEFAULT 0, merged_into TEXT)""",
    "CREATE INDEX stories_last ON stories(last_published)",
    "CREATE INDEX stories_storyline ON stories(storyline_id)",
    """CREATE TABLE storylines (
    id TEXT PRIMARY KEY, headline TEXT NOT NULL, first_published TEXT NOT NULL,
    last_published TEXT NOT NULL, stories INTEGER NOT NULL DEFAULT 0, merged_into TEXT)""",
    "CREATE INDEX storylines_last ON storylines(last_published)",
    """CREATE TABLE assignments (
    article_id TEXT PRIMARY KEY REFERENCES articles(id), story_id TEXT NOT NULL,
    storyline_id TEXT NOT NULL, similarity DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    rowid BIGSERIAL NOT NULL)""",
    "CREATE INDEX assignments_story ON assignments(story_id)",
    "CREATE INDEX assignments_storyline ON assignments(storyline_id)",
    "CREATE INDEX assignments_rowid ON assignments(rowid)",
    """CREATE TABLE duplicates (
    article_id TEXT PRIMARY KEY REFERENCES articles(id), original_id TEXT NOT NULL,
    similarity DOUBLE PRECISION NOT NULL, rowid BIGSERIAL NOT NULL)""",
    "CREATE INDEX duplicates_rowid ON duplicates(rowid)",
    "CREATE TABLE dedup_done (article_id TEXT PRIMARY KEY)",
    """CREATE TABLE feeds (
    url TEXT PRIMARY KEY, source TEXT NOT NULL, etag TEXT, last_modified TEXT, last_fetch TEXT,
    last_success TEXT, last_status INTEGER, last_error TEXT, last_error_kind TEXT,
    last_error_at TEXT, failures INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE fetches (
    id BIGSERIAL PRIMARY KEY, run_id BIGINT, source TEXT NOT NULL, url TEXT NOT NULL,
    kind TEXT NOT NULL, at TEXT NOT NULL, status INTEGER,
    not_modified INTEGER NOT NULL DEFAULT 0, entries INTEGER NOT NULL DEFAULT 0,
    inserted INTEGER NOT NULL DEFAULT 0, skipped INTEGER NOT NULL DEFAULT 0, error_kind TEXT,
    error TEXT, warning TEXT, bytes BIGINT NOT NULL DEFAULT 0,
    elapsed_ms INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX fetches_source_at ON fetches(source, at)",
    "CREATE INDEX fetches_run ON fetches(run_id)",
    """CREATE TABLE sightings (
    article_id TEXT NOT NULL, feed TEXT NOT NULL, source TEXT NOT NULL,
    first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, times INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (article_id, feed))""",
    "CREATE INDEX sightings_source_first ON sightings(source, first_seen)",
    """CREATE TABLE frontpage_snapshots (
    id BIGSERIAL PRIMARY KEY, run_id BIGINT, source TEXT NOT NULL, url TEXT NOT NULL,
    taken_at TEXT NOT NULL, links INTEGER NOT NULL DEFAULT 0, known INTEGER NOT NULL DEFAULT 0)""",
    "CREATE INDEX frontpage_snapshots_source ON frontpage_snapshots(source, taken_at)",
    """CREATE TABLE frontpage_items (
    snapshot_id BIGINT NOT NULL REFERENCES frontpage_snapshots(id), position INTEGER NOT NULL,
    article_id TEXT NOT NULL, PRIMARY KEY (snapshot_id, position))""",
    "CREATE INDEX frontpage_items_article ON frontpage_items(article_id)",
    """CREATE TABLE frontpage_time (
    article_id TEXT NOT NULL, source TEXT NOT NULL, hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    best_position INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    PRIMARY KEY (article_id, source))""",
    """CREATE TABLE missed_history (
    week TEXT NOT NULL, week_start TEXT NOT NULL, week_end TEXT NOT NULL, audience TEXT NOT NULL,
    story_id TEXT NOT NULL, storyline_id TEXT NOT NULL DEFAULT '', rank INTEGER NOT NULL,
    score DOUBLE PRECISION NOT NULL, headline TEXT NOT NULL DEFAULT '', recorded_at TEXT NOT NULL,
    PRIMARY KEY (week_start, week_end, audience, story_id))""",
    "CREATE INDEX missed_history_audience ON missed_history(audience, week_start)",
    """CREATE TABLE claims (
    name TEXT PRIMARY KEY, token TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
    since TEXT NOT NULL, heartbeat TEXT NOT NULL)""",
    """CREATE TABLE article_vectors (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE, encoder TEXT NOT NULL,
    vector BYTEA NOT NULL, PRIMARY KEY (article_id, encoder))""",
    "CREATE TABLE day_stamps (day TEXT PRIMARY KEY, version INTEGER NOT NULL)",
    """CREATE TABLE derived (
    kind TEXT NOT NULL, key TEXT NOT NULL, stamp TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (kind, key))""",
]

# Article dates (SQLite migration 7): the same rule and the same message.
_DATES = [
    r"""CREATE FUNCTION btf_check_published() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.published !~ '^[12][0-9]{3}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\+00:00$'
       OR NEW.published < '1900' OR NEW.published >= '2200' THEN
        RAISE EXCEPTION 'article published date is not UTC ISO text in 1900..2199';
    END IF;
    RETURN NEW;
END $$""",
    """CREATE TRIGGER articles_published BEFORE INSERT OR UPDATE OF published ON articles
    FOR EACH ROW EXECUTE FUNCTION btf_check_published()""",
]

# Day stamps (SQLite migration 12): every change to a day's placed articles bumps its version.
_STAMPS = [
    """CREATE FUNCTION btf_bump_day(d TEXT) RETURNS void LANGUAGE sql AS $$
    INSERT INTO day_stamps(day, version) SELECT d, 1 WHERE d IS NOT NULL
    ON CONFLICT(day) DO UPDATE SET version = day_stamps.version + 1 $$""",
    """CREATE FUNCTION btf_stamp_article() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM btf_bump_day(OLD.day); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM btf_bump_day(NEW.day); END IF;
    RETURN NULL;
END $$""",
    """CREATE FUNCTION btf_stamp_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM btf_bump_day((SELECT day FROM articles WHERE id = OLD.article_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM btf_bump_day((SELECT day FROM articles WHERE id = NEW.article_id));
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER day_stamp_article AFTER INSERT OR UPDATE OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION btf_stamp_article()""",
    """CREATE TRIGGER day_stamp_assignment AFTER INSERT OR UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION btf_stamp_link()""",
    """CREATE TRIGGER day_stamp_duplicate AFTER INSERT OR UPDATE OR DELETE ON duplicates
    FOR EACH ROW EXECUTE FUNCTION btf_stamp_link()""",
]

# Full-text search (SQLite migration 4): a tsvector per article, titles weighted A, text B;
# accents folded with `unaccent` where the server has it (FTS5's remove_diacritics), else kept.
_SEARCH = [
    """DO $$ BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
    EXCEPTION WHEN OTHERS THEN NULL;
    END;
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        EXECUTE 'CREATE FUNCTION btf_fold(t TEXT) RETURNS TEXT LANGUAGE sql STABLE '
                'AS $f$ SELECT public.unaccent(t) $f$';
    ELSE
        EXECUTE 'CREATE FUNCTION btf_fold(t TEXT) RETURNS TEXT LANGUAGE sql IMMUTABLE '
                'AS $f$ SELECT t $f$';
    END IF;
END $$""",
    """CREATE TABLE articles_fts (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE, doc TSVECTOR NOT NULL)""",
    "CREATE INDEX articles_fts_doc ON articles_fts USING GIN (doc)",
    """CREATE FUNCTION btf_fts_doc(title TEXT, body TEXT) RETURNS TSVECTOR LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('simple', btf_fold(title)), 'A')
        || setweight(to_tsvector('simple', btf_fold(body)), 'B') $$""",
    """CREATE FUNCTION btf_fts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO articles_fts(article_id, doc) VALUES (NEW.id, btf_fts_doc(NEW.title, NEW.text))
    ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
    FOR EACH ROW EXECUTE FUNCTION btf_fts_sync()""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles
    FOR EACH ROW EXECUTE FUNCTION btf_fts_sync()""",
]

_VERSION = ["CREATE TABLE schema_version (version INTEGER NOT NULL)"]


def _binary_order(statement: str) -> str:
    """Every text column in byte order (COLLATE "C"), as SQLite compares text: ids and times
    sort, page (`(published, id) > (?, ?)`) and case-fold (`lower`, ASCII only, as NOCASE) the
    same on both backends whatever the database's default collation."""
    return statement.replace(" TEXT", ' TEXT COLLATE "C"')


BASELINE_STATEMENTS: list[str] = (
    [_binary_order(t) for t in _TABLES] + _DATES + _STAMPS + _SEARCH + _VERSION
)

# SQLite migration 15: whole-archive counts kept by triggers (an upsert's update is an update).
_ROW_COUNTS = [
    'CREATE TABLE row_counts (name TEXT COLLATE "C" PRIMARY KEY, n BIGINT NOT NULL)',
    """INSERT INTO row_counts(name, n) SELECT 'articles', COUNT(*) FROM articles
    UNION ALL SELECT 'assignments', COUNT(*) FROM assignments
    UNION ALL SELECT 'assignment_writes', 0""",
    """CREATE FUNCTION btf_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE row_counts SET n = n + 1 WHERE name = TG_TABLE_NAME::text;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE row_counts SET n = n - 1 WHERE name = TG_TABLE_NAME::text;
    END IF;
    IF TG_TABLE_NAME = 'assignments' THEN
        UPDATE row_counts SET n = n + 1 WHERE name = 'assignment_writes';
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER row_count_article AFTER INSERT OR DELETE ON articles
    FOR EACH ROW EXECUTE FUNCTION btf_count_rows()""",
    """CREATE TRIGGER row_count_assignment AFTER INSERT OR UPDATE OR DELETE ON assignments
    FOR EACH ROW EXECUTE FUNCTION btf_count_rows()""",
    """UPDATE settings SET value = 'w0' || substr(value, position('|' in value))
    WHERE key = 'cluster_state_marker' AND position('|' in value) > 0
    AND substr(value, 1, position('|' in value) - 1) = (SELECT COUNT(*)::text || ':' ||
        COALESCE(MAX(rowid)::text, 'None') FROM assignments)""",
]

# Later migrations: (version, name, statements), each the twin of SQLite's of that version.
# SQLite's migration 14 (fetch workers' rounds, host leases and tasks); REAL is SQLite's 8-byte
# float, DOUBLE PRECISION here (PostgreSQL's REAL is 4 bytes: epoch seconds would lose minutes).
FETCH_LEASES = [
    _binary_order(t)
    for t in (
        """CREATE TABLE fetch_rounds (
    name TEXT PRIMARY KEY, number INTEGER NOT NULL, started DOUBLE PRECISION NOT NULL)""",
        """CREATE TABLE fetch_hosts (
    host TEXT PRIMARY KEY, holder TEXT, expires DOUBLE PRECISION NOT NULL DEFAULT 0)""",
        """CREATE TABLE fetch_tasks (
    source TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, host TEXT NOT NULL,
    done_round INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (source, kind, url))""",
        "CREATE INDEX fetch_tasks_host ON fetch_tasks(host, kind, done_round)",
    )
]

PG_MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (BASELINE, "baseline", BASELINE_STATEMENTS),
    (14, "fetch_leases", FETCH_LEASES),
    (15, "row_counts", _ROW_COUNTS),
]
