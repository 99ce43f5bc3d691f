"""Core verbs: import, sources, articles, stories, pressure, brief, demo (filled in by the pipeline work)."""

from __future__ import annotations
