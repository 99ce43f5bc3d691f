"""belowthefold: find the headlines that were missed.

The package is the pipeline: sources -> ingest -> dedup -> stories -> attention -> rank -> brief,
with `store` the only module that touches the database, and `cli`/`web` on top.
"""

__version__ = "0.1.0"
