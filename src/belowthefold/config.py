"""Options objects, one per stage, loaded once from `belowthefold.toml` and `BELOWTHEFOLD_*` env.

Stages receive these objects instead of long keyword lists or module globals.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from belowthefold.errors import ConfigError

T = TypeVar("T")


# A --db value: a SQLite file, or a PostgreSQL URL kept as text (a Path would fold its `//`).
DbTarget = Path | str


def db_target(text: str | Path) -> DbTarget:
    """A URL (`postgresql://...`) stays text; anything else is a SQLite file's path."""
    value = str(text)
    return value if value.startswith(("postgresql://", "postgres://")) else Path(value)


def default_db_path() -> Path:
    """Per-user default database: $XDG_DATA_HOME/belowthefold/belowthefold.db."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "belowthefold" / "belowthefold.db"


@dataclass(frozen=True)
class ImportOptions:
    """How files are read: format detection and bad-record limits."""

    format: str = "auto"
    batch_size: int = 2000
    # Clustering between two checkpoints, in multiples of the last checkpoint's cost (its
    # state's dump and commit): 10 keeps them near a tenth of a run, and a killed run redoes
    # at most that much; 0 checkpoints every batch (pipeline._Cadence).
    checkpoint_spacing: float = 10.0
    # A clustering run of at least this many articles encodes in a process of its own, on the
    # second core; a shorter one in a thread, which starts at once but shares the GIL with the
    # clusterer (stories/encoding.py, docs/performance.md).
    encode_process_from: int = 5000
    max_field_chars: int = 200_000
    # Language id for records without a usable code (belowthefold/language.py).
    detect_language: bool = True
    language_min_score: float = 0.5


@dataclass(frozen=True)
class ClusterOptions:
    """The online story clusterer: representation, thresholds and time window.

    Defaults were chosen by measurement on AllSides labels (docs/clustering.md).
    """

    representation: str = "auto"
    story_threshold: float = 0.17
    storyline_threshold: float = 0.12
    window_days: float = 3.0
    storyline_window_days: float = 14.0
    half_life_days: float = 1.5
    # The late tier (0 = off): a story sharing late_min_shared+ terms also qualifies when its
    # score decayed with late_half_life_days reaches late_threshold (plus crowding). Chosen on
    # AllSides' first half and devweek's "fit" stories; docs/clustering.md ("Late reports").
    late_threshold: float = 0.25
    late_half_life_days: float = 6.0
    late_min_shared: int = 8
    n_features: int = 2**18
    max_candidates: int = 20
    # Added by the clustering stage (issue 4); see docs/clustering.md for how each was chosen.
    grace_days: float = 0.0
    decay_anchor: str = "mean"
    storyline_link_threshold: float = 0.0
    storyline_min_shared: int = 2
    story_min_shared: int = 1
    centroid_alpha: float = 0.0
    crowding_slope: float = 0.1
    crowding_from: int = 100
    crowding_max: float = 0.1
    prefix_chars: int = 7
    title_weight: float = 2.0
    entity_weight: float = 1.0
    lead_chars: int = 600
    char_ngrams: int = 0
    common_term_share: float = 0.01
    # Dense (multilingual USE v3 by default). Mixed into same-language scores it gained nothing
    # that held out (probe test 0.822 vs 0.828 for TF-IDF), so weight 0 and the sparse bar:
    # dense evidence places only reports in another language (dense_alone_threshold, chosen on
    # devweek-2025w17's cross-language pairs). See docs/clustering.md.
    dense_weight: float = 0.0
    dense_story_threshold: float = 0.17
    dense_candidates: int = 10
    dense_alone_threshold: float = 0.42
    # ... decayed with its own half-life: a report in another language has no shared words to
    # show it is a follow-up, and the per-article bar (raised by the crowding term, like the
    # sparse one) carries the caution instead. Both chosen on one half of devweek's stories.
    dense_alone_half_life_days: float = 3.0
    dense_chars: int = 300
    # The decay of the same-language dense term (the dense_weight mix and the learned link's
    # link_dense), in days; 0 = the sparse score's half_life_days. See docs/clustering.md
    # ("A dated probe proxy").
    dense_half_life_days: float = 0.0
    # The learned link (issue 11, stories/link.py), off (link_dense 0): with an encoder, a
    # candidate story is joined when link_sparse x decayed sparse average link + link_dense x
    # decayed dense average link + link_shared x log(1 + shared terms) + link_intercept reaches
    # logit(link_bar) + link_crowding x log10(active stories / link_crowding_from). Weights fitted
    # on NeuS probe train on the clusterer's own stream (DAgger, scripts/learned_link.py), bar and
    # crowding chosen on probe val; on with link_dense = 4.81. It won on the probe (test B3 F1
    # 0.828 -> 0.840) but not on dated real streams (AllSides 0.908 -> 0.911, devweek 0.815 ->
    # 0.787), so the hand-set threshold stays the default. See docs/clustering.md.
    link_sparse: float = 15.89
    link_dense: float = 0.0
    link_shared: float = 0.0
    link_intercept: float = -9.35
    link_bar: float = 0.01
    link_crowding: float = 1.2
    link_crowding_from: float = 10.0
    # Story merges (clusterer._merge_story): when a story doubles, an active twin this alike
    # (sparse centroid cosine; dense, across languages, mutual nearest) folds into it. Off: on
    # AllSides/probe sparse merges only lost precision (0.3-0.5: B3 F1 0.876-0.908 vs 0.908);
    # dense at 0.6 raised devweek's cross-language recall 0.515 -> 0.641 at precision 1.0, but
    # on the GDELT week about half of 25 sampled merges joined two events of one topic.
    story_merge_cosine: float = 0.0
    story_merge_dense: float = 0.0
    # Storylines across languages (clusterer._merge_across): when a storyline of at least
    # storyline_merge_dense_min articles doubles, the storyline mostly in another language
    # nearest by dense centroid folds into it if the cosine reaches storyline_merge_dense, they
    # are each other's nearest, and both are coherent (norm of the vector sum per article at
    # least storyline_merge_dense_coherence: a grab-bag's sum is short). Chosen by hand-judged
    # merges on the GDELT week (in-sample; no labelled multilingual storylines exist). Off since
    # the daily regrouping (storyline_regroup_*), which joins the same sagas across languages:
    # on the GDELT week pope headlines in the largest pope storyline 367/506 with it off,
    # 366/506 on, and the front-page floods equal.
    storyline_merge_dense: float = 0.0
    storyline_merge_dense_min: int = 8
    storyline_merge_dense_coherence: float = 0.55
    model_path: str = ""
    # Flood linking (stories/burst.py): a strongly bursting title term joins its storyline.
    burst_linking: bool = True
    burst_recent_days: float = 3.0
    burst_background_days: float = 28.0
    burst_min_count: int = 8
    burst_min_share: float = 0.02
    burst_min_ratio: float = 5.0
    burst_min_owner: int = 3
    burst_merge_share: float = 0.15
    burst_merge_cosine: float = 0.2
    # ... and only when the story resembles that storyline beyond the bursting word this much.
    burst_link_similarity: float = 0.06
    # ... unless the word weighs this much per headline of that storyline ("Pope" in the pope's).
    burst_link_central: float = 0.25
    # Storyline links need event content (issue 10): words in this share of the titles, over
    # the stream and the background window alike ("Trump"), never link storylines.
    storyline_generic_share: float = 0.04
    # Storylines that weigh most on a term too common for the candidate index still compete.
    storyline_heads: int = 3
    # Two storylines whose content centroids are this alike merge (the smaller redirects).
    storyline_merge_cosine: float = 0.25
    storyline_merge_terms: int = 20
    # Everyday words count this much (of their TF-IDF weight) when a new story seeks its storyline.
    storyline_everyday_weight: float = 0.5
    # Once a stream day, with an encoder, the storyline window's stories are regrouped by average
    # link over their dense centroids down to this cosine (0: off); at most this many stories, the
    # largest; stories already together / in two languages count as this much more alike
    # (stories/regroup.py RegroupOptions, docs/clustering.md "Daily regrouping").
    storyline_regroup_cosine: float = 0.45
    storyline_regroup_max: int = 3000
    storyline_regroup_stick: float = 0.15
    storyline_regroup_across: float = 0.1
    storyline_regroup_small: float = 0.15
    # Then each storyline of at least storyline_claim_min stories claims the loose stories (of
    # smaller groups) a linear model of it scores at least storyline_claim_bar (0: off): see
    # regroup.claim_strays and docs/clustering.md "Storylines claim their strays".
    storyline_claim_bar: float = 0.35
    storyline_claim_min: int = 10
    # The window's stories left out of the regrouping (over storyline_regroup_max) are claimed
    # at this bar (0: off): regroup.claim_rest, docs/clustering.md "Across languages".
    storyline_claim_rest_bar: float = 0.3
    # Before the claims, a group of storyline_claim_min+ stories joins a larger one whose model
    # scores its stories storyline_join_bar on average (0: off), when their stories are as alike
    # across as storyline_join_ratio of the looser group's within: see regroup.join_alike and
    # docs/clustering.md "Large groups of one saga join".
    storyline_join_bar: float = 0.15
    storyline_join_ratio: float = 0.8
    # Until the next regrouping, a new story whose word links found no storyline of
    # storyline_claim_min stories joins the storyline the regrouping's claims model scores it
    # highest, at this bar (0: off): regroup.claim_new, docs/clustering.md "The day's new stories".
    storyline_claim_new_bar: float = 0.5


@dataclass(frozen=True)
class DedupOptions:
    """Near-duplicate (syndication) detection with MinHash/LSH."""

    threshold: float = 0.7
    num_perm: int = 64
    shingle: int = 5
    window_days: float = 3.0
    min_chars: int = 200
    # Added by the dedup stage (issue 4): word shingles for short titles, LSH bands precision.
    title_shingle: int = 2
    candidate_threshold: float = 0.3


@dataclass(frozen=True)
class RankOptions:
    """Missed-headline ranking knobs."""

    audience: str = "mainstream"
    min_outlets: int = 2
    # A story only one group ran (nine foreign papers, nine domestic sites rewriting one item) is
    # that group's story, not a headline the audience missed: at least two groups elsewhere.
    min_groups: int = 2
    top_n: int = 10
    dominant_n: int = 3
    # 5%, not 10%: on real front pages a papal funeral split over a few storylines holds ~8%.
    dominant_share: float = 0.05
    official_groups: tuple[str, ...] = ("official", "wire", "specialist")
    # docs/method.md explains each.
    held_days: int = 2
    held_items: float = 4.0
    same_event_overlap: float = 0.3
    # Two stories of one storyline are one event at this title overlap, days within this many
    # (rank/events.py `_joined`). Chosen on devweek-2025w17 (in-sample): its SK Telecom breach
    # (stories overlapping 0.136, 3 days apart) and Balikatan (0.059, 6 days) were listed twice;
    # the destroyer and Balikatan, glued in one storyline, overlap 0.024-0.031 and stay apart.
    same_saga_overlap: float = 0.05
    same_saga_days: int = 7
    # An audience headline is about an event when its TF-IDF cosine to one of the event's reports
    # is at least this and they share `match_terms` terms (days within one).
    match_similarity: float = 0.2
    match_terms: int = 2
    # With stored multilingual vectors, an event mostly in another language joins the closest
    # main-language event at this cosine of mean vectors or more. 0.7: devweek's one such event
    # (the Spanish port-blast reports) scores 0.74 to its English event; on the GDELT week the
    # median foreign event's best match is 0.47 and the 99th percentile 0.73 (0.5 glued dozens).
    join_dense: float = 0.7
    # Listed only when the audience gave it at most this fraction of its expected share.
    max_got_ratio: float = 0.5
    # The prior counts as this many stories against the learned curve.
    prior_strength: float = 20.0
    min_model_stories: int = 10
    min_model_positives: int = 3
    min_archive_stories: int = 50


@dataclass(frozen=True)
class FetchOptions:
    """Polite fetching: timeouts, size caps, per-host delay and concurrency."""

    user_agent: str = "belowthefold/0.1 (+https://github.com/belowthefold/belowthefold)"
    timeout_s: float = 20.0
    per_host_delay_s: float = 1.0
    max_bytes: int = 10_000_000
    max_redirects: int = 5
    retries: int = 2
    concurrency: int = 8
    fulltext: bool = False
    deadline_s: float = 60.0
    backoff_s: float = 1.0
    max_retry_after_s: float = 120.0
    respect_robots: bool = True
    max_pages_per_feed: int = 30
    frontpage_max_gap_h: float = 6.0
    extract_min_chars: int = 100
    extract_favor: str = "balanced"
    # Connect to loopback/private/link-local addresses too (tests serving on 127.0.0.1 opt in).
    allow_private_addresses: bool = False
    # Fetch workers (`watch --worker`, docs/deploy.md): how long a worker's lease on a host
    # lasts without a renewal (it renews a third of that apart while it works, so only a dead
    # or frozen worker loses one), and how often a worker with nothing free to take looks again.
    worker_lease_s: float = 120.0
    worker_poll_s: float = 1.0


@dataclass(frozen=True)
class Settings:
    """Everything loaded once at start-up."""

    db: DbTarget = field(default_factory=default_db_path)
    imports: ImportOptions = field(default_factory=ImportOptions)
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    dedup: DedupOptions = field(default_factory=DedupOptions)
    rank: RankOptions = field(default_factory=RankOptions)
    fetch: FetchOptions = field(default_factory=FetchOptions)


_SECTIONS = {
    "imports": ImportOptions,
    "cluster": ClusterOptions,
    "dedup": DedupOptions,
    "rank": RankOptions,
    "fetch": FetchOptions,
}


def _coerce(value: Any, current: Any, name: str) -> Any:
    if isinstance(current, bool):
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if isinstance(current, tuple):
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return tuple(value)
    try:
        return type(current)(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name}: cannot use {value!r} ({exc})") from exc


def _apply(obj: T, values: dict[str, Any], prefix: str) -> T:
    known = {f.name for f in fields(obj)}  # type: ignore[arg-type]
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"unknown setting(s) in [{prefix}]: {', '.join(sorted(unknown))}")
    changes = {k: _coerce(v, getattr(obj, k), f"{prefix}.{k}") for k, v in values.items()}
    return replace(obj, **changes)  # type: ignore[type-var]


def user_config_path(env: dict[str, str]) -> Path:
    """Per-user settings: $XDG_CONFIG_HOME/belowthefold/belowthefold.toml (cron and systemd
    never run in the project folder, so ./belowthefold.toml alone is not enough)."""
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "belowthefold" / "belowthefold.toml"


def settings_file(config_file: Path | None, env: dict[str, str]) -> Path | None:
    """The one settings file read: --config, else $BELOWTHEFOLD_CONFIG, else ./belowthefold.toml,
    else the per-user file; None when there is none."""
    if config_file is not None:
        return config_file
    if "BELOWTHEFOLD_CONFIG" in env:
        return Path(env["BELOWTHEFOLD_CONFIG"])
    for candidate in (Path("belowthefold.toml"), user_config_path(env)):
        if candidate.is_file():
            return candidate
    return None


def _layers(config_file: Path | None, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings file's values with the environment's over them, and where each came from."""
    path = settings_file(config_file, env)
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from exc
        for section, values in data.items():
            keys = values if isinstance(values, dict) else {"": values}
            for name in keys:
                origins[f"{section}.{name}" if name else section] = str(path)
    for key, value in env.items():
        if key.startswith("BELOWTHEFOLD_") and "__" in key:
            section, _, name = key[len("BELOWTHEFOLD_") :].lower().partition("__")
            data.setdefault(section, {})[name] = value
            origins[f"{section}.{name}"] = f"env {key}"
    return data, origins


def describe_settings(
    config_file: Path | None = None, env: dict[str, str] | None = None, db: DbTarget | None = None
) -> list[tuple[str, Any, str]]:
    """(setting, effective value, where it came from) for every setting, in section order."""
    env = dict(os.environ) if env is None else env
    settings = load_settings(config_file, env, db)
    _, origins = _layers(config_file, env)
    if db is not None:
        origins["db"] = "--db"
    elif env.get("BELOWTHEFOLD_DB"):
        origins["db"] = "env BELOWTHEFOLD_DB"
    rows: list[tuple[str, Any, str]] = [("db", settings.db, origins.get("db", "default"))]
    for section in _SECTIONS:
        options = getattr(settings, section)
        for f in fields(options):
            key = f"{section}.{f.name}"
            rows.append((key, getattr(options, f.name), origins.get(key, "default")))
    return rows


def load_settings(
    config_file: Path | None = None, env: dict[str, str] | None = None, db: DbTarget | None = None
) -> Settings:
    """Settings from defaults < settings file < BELOWTHEFOLD_SECTION__KEY env < --db."""
    env = dict(os.environ) if env is None else env
    settings = Settings()
    data, _ = _layers(config_file, env)
    for section in _SECTIONS:
        if section in data:
            settings = replace(
                settings, **{section: _apply(getattr(settings, section), data[section], section)}
            )
    unknown = set(data) - set(_SECTIONS) - {"db"}
    if unknown:
        raise ConfigError(f"unknown section(s) in settings: {', '.join(sorted(unknown))}")
    chosen = db_target(db) if db else None
    if chosen is None and env.get("BELOWTHEFOLD_DB"):
        chosen = db_target(env["BELOWTHEFOLD_DB"])
    if chosen is None and "db" in data:
        chosen = db_target(str(data["db"]))
    if chosen is not None:
        settings = replace(settings, db=chosen)
    return settings
