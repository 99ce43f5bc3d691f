"""The sources file and the outlet/domain/group rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from belowthefold.errors import ConfigError
from belowthefold.models import Article
from belowthefold.sources import SourceIndex, dump_sources, parse_sources

TOML = """
[[source]]
name = "BBC News"
domains = ["bbc.com", "bbc.co.uk"]
group = "mainstream"
feeds = ["https://feeds.bbci.co.uk/news/world/rss.xml"]

[[source]]
name = "Kyodo"
domains = ["english.kyodonews.net"]
group = "wire"
"""


def _a(**kw: object) -> Article:
    base: dict[str, object] = {
        "id": "x",
        "title": "t",
        "published": datetime(2025, 1, 1, tzinfo=UTC),
    }
    base.update(kw)
    return Article(**base)  # type: ignore[arg-type]


def test_parse_the_documented_shape() -> None:
    sources = parse_sources(TOML)
    assert sources[0].name == "BBC News" and sources[0].domains == ("bbc.com", "bbc.co.uk")
    assert sources[0].feeds == ("https://feeds.bbci.co.uk/news/world/rss.xml",)
    assert parse_sources(dump_sources(sources)) == sources


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({"outlet": "BBC News"}, ("BBC News", "mainstream")),
        ({"url": "https://www.bbc.co.uk/news/x"}, ("BBC News", "mainstream")),
        ({"url": "https://news.bbc.com/x"}, ("BBC News", "mainstream")),
        ({"domain": "english.kyodonews.net"}, ("Kyodo", "wire")),
        ({"url": "https://notbbc.com/x"}, (None, "other")),
        ({"url": "https://bbc.com/x", "group": "specialist"}, ("BBC News", "specialist")),
    ],
)
def test_resolution_rule(kw: dict[str, object], expected: tuple[str | None, str]) -> None:
    assert SourceIndex.build(parse_sources(TOML)).resolve(_a(**kw)) == expected


@pytest.mark.parametrize(
    "text",
    [
        '[[source]]\nname = "x"\n',
        '[[source]]\ngroup = "g"\n',
        "not toml [",
        '[[source]]\nname="a"\ngroup="g"\n[[source]]\nname="a"\ngroup="h"\n',
    ],
)
def test_bad_sources_files_say_what_is_wrong(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_sources(text)
