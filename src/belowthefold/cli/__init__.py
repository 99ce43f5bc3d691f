"""The command line: `belowthefold VERB`, one module per group of verbs.

Importing this package registers every command on `app`; nothing else imports the CLI.
"""

from __future__ import annotations

from belowthefold.cli import backfilling as backfilling
from belowthefold.cli import core as core
from belowthefold.cli import database as database
from belowthefold.cli import evaluate_clustering as evaluate_clustering
from belowthefold.cli import evaluate_extraction as evaluate_extraction
from belowthefold.cli import evaluate_gate as evaluate_gate
from belowthefold.cli import evaluate_missed as evaluate_missed
from belowthefold.cli import evaluate_storylines as evaluate_storylines
from belowthefold.cli import fetching as fetching
from belowthefold.cli import running as running
from belowthefold.cli import serving as serving
from belowthefold.cli import settings as settings
from belowthefold.cli import sourcing as sourcing
from belowthefold.cli.app import app, main

__all__ = ["app", "main"]
