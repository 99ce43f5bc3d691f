#!/usr/bin/env bash
# Set up a virtual environment with the dev tools and run everything CI runs:
# ruff (lint), mypy (types) and pytest (tests, incl. real-data gates when ../shared exists).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
export HF_HUB_OFFLINE=1
.venv/bin/ruff check src tests scripts bench
.venv/bin/ruff format --check src tests scripts bench
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@"
