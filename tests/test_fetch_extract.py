"""Full-text extraction: a pinned quality floor on trafilatura's labelled pages, and the fallbacks."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from belowthefold.errors import ExtractError
from belowthefold.evaluate.extraction import score_extraction
from belowthefold.extract import extract_page
from gates import assert_holds


@pytest.mark.slow
def test_extraction_quality_floor(shared_dir: Path) -> None:
    score = score_extraction(shared_dir / "data" / "html-trafilatura" / "tests")
    assert score.pages == 450
    assert_holds("extraction", score.as_dict())


def test_eval_extraction_command(shared_dir: Path) -> None:
    data = shared_dir / "data" / "html-trafilatura" / "tests"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "belowthefold",
            "eval",
            "extraction",
            "--data",
            str(data),
            "--limit",
            "20",
            "--format",
            "json",
            "--min-f1",
            "0.5",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert '"pages": 20' in result.stdout and '"f1"' in result.stdout


def test_extract_text_title_date_language() -> None:
    page = (
        "<html lang='fr-FR'><head><title>Le port | Journal</title>"
        "<meta property='article:published_time' content='2025-04-07T09:30:00+02:00'></head>"
        "<body><nav>Accueil Contact</nav><article><h1>Le port s'agrandit</h1>"
        + "".join(
            f"<p>Paragraphe {i}: la nouvelle digue protégera le port des tempêtes d'hiver "
            f"pendant {i + 2} décennies, selon la mairie.</p>"
            for i in range(5)
        )
        + "</article></body></html>"
    )
    got = extract_page(page, "https://journal.example/port")
    assert "nouvelle digue" in got.text and "Accueil" not in got.text
    assert got.lang == "fr" and got.title and "port" in got.title
    # the page's own time and zone, not noon of the day
    assert got.published == datetime(2025, 4, 7, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ("<meta name='date' content='2025-04-07'>", datetime(2025, 4, 7, 12, 0, tzinfo=UTC)),
        (
            "<meta property='article:published_time' content='2025-04-07T09:30:00Z'>"
            "<meta property='article:modified_time' content='2025-04-09T08:00:00Z'>",
            datetime(2025, 4, 7, 9, 30, tzinfo=UTC),  # first publication, not the last edit
        ),
    ],
)
def test_page_dates_keep_their_time_or_are_noon(meta: str, expected: datetime) -> None:
    page = (
        f"<html><head><title>Port</title>{meta}</head><body><article><h1>Port</h1>"
        + "".join(
            f"<p>Paragraph {i}: the harbour authority said the new breakwater will protect the "
            f"port for {i + 2} decades of winter storms.</p>"
            for i in range(6)
        )
        + "</article></body></html>"
    )
    assert extract_page(page, "https://journal.example/port").published == expected


def test_empty_or_hostile_pages_raise_extract_error() -> None:
    for page in (b"", b"<html><body><p>short</p></body></html>", b"\x00\xff" * 100, "<<<>>>"):
        with pytest.raises(ExtractError):
            extract_page(page, None)
