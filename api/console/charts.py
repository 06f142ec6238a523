"""Bar charts drawn on the server as SVG geometry for a template (no script, no library): each bar's
label, value and size in the chart's own units. The figures are in a table beside every chart."""

from __future__ import annotations

from typing import NamedTuple

LABEL_WIDTH = 260  # the labels' column, in the chart's units
BAR_SPACE = 380  # the longest bar
ROW_HEIGHT = 32
BAR_HEIGHT = 22


class Bar(NamedTuple):
    label: str
    value: int
    x: int
    y: int
    width: int
    height: int


class BarChart(NamedTuple):
    width: int
    height: int
    label_width: int
    bars: list[Bar]


def bar_chart(figures: list[tuple[str, int]]) -> BarChart:
    """Horizontal bars, one a row, the largest value the full length (a zero value has no bar)."""
    largest = max((value for _, value in figures), default=0)
    bars = [
        Bar(
            label=label,
            value=value,
            x=LABEL_WIDTH,
            y=row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2,
            width=round(BAR_SPACE * value / largest) if largest else 0,
            height=BAR_HEIGHT,
        )
        for row, (label, value) in enumerate(figures)
    ]
    return BarChart(
        width=LABEL_WIDTH + BAR_SPACE + 60, height=max(1, len(figures)) * ROW_HEIGHT, label_width=LABEL_WIDTH, bars=bars
    )
