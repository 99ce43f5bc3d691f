"""Hand-built PlacedArticle lists for the attention, rank and brief tests (no store needed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from belowthefold.models import PlacedArticle, Window

WEEK = Window(date(2025, 3, 31), date(2025, 4, 6), "2025-W14")
MAINSTREAM = ("BBC News", "CNN", "New York Times", "The Guardian")


@dataclass
class Builder:
    """Makes articles with unique ids; `day` counts from Monday 31 March 2025 (so 3 is Apr 3)."""

    articles: list[PlacedArticle] = field(default_factory=list)
    n: int = 0

    def add(
        self,
        title: str,
        day: int,
        outlet: str,
        group: str,
        story: str | None,
        storyline: str | None = None,
        *,
        weight: float = 1.0,
        text: str = "",
        url: str | None = None,
        original: str | None = None,
        hour: int = 9,
    ) -> PlacedArticle:
        self.n += 1
        when = datetime.combine(WEEK.start + timedelta(days=day), time(hour, self.n % 60), UTC)
        a = PlacedArticle(
            id=f"a{self.n}",
            title=title,
            published=when,
            url=url
            if url is not None
            else f"https://{outlet.replace(' ', '').lower()}.example/{self.n}",
            outlet=outlet,
            source=outlet,
            group=group,
            weight=weight,
            story_id=story,
            storyline_id=storyline if storyline is not None else story,
            original_id=original,
            text=text,
        )
        self.articles.append(a)
        return a

    def __iter__(self) -> Iterator[PlacedArticle]:
        return iter(self.articles)


def tariff_week(b: Builder, days: range = range(1, 7)) -> None:
    """A flood: every mainstream outlet runs several tariff stories a day, one storyline."""
    for d in days:
        for outlet in MAINSTREAM:
            for k in range(3):
                b.add(
                    f"Tariff shock day {d}: markets slide ({k})",
                    d,
                    outlet,
                    "mainstream",
                    f"tariff-{d}-{k}",
                    "tariffs",
                )
            b.add(f"{outlet} local round-up {d}", d, outlet, "mainstream", f"misc-{d}-{outlet}")


SUDAN_TEXT = (
    "The World Food Programme (WFP) said 1.2 million people face famine in North Darfur. "
    "Aid agencies warned of a $3.4 billion funding gap. Prime Minister Kamil Idris appealed for help."
)


def buried_story(b: Builder, story: str, outlets: list[tuple[str, str]], day: int) -> None:
    for outlet, group in outlets:
        b.add(f"{story.capitalize()} story headline", day, outlet, group, story, text=SUDAN_TEXT)
