"""Bar charts as inline SVG, made on the server: no JavaScript, nothing from elsewhere.

Only presentation attributes (`fill`, `font-size`), never `style`: the desk's Content
Security Policy allows no inline CSS. Each label sits above its bar, so long DDAS results fit
without being cut. The chart is a picture of a table that the page shows beside it (the text
equivalent for screen readers and for copying figures).

Decision: own code rather than a charting library — the libraries that render SVG on the
server (e.g. pygal) embed a script block and tooltips; a horizontal bar chart is a few lines.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from monitor.section import Section

WIDTH = 640
BAR_AREA = 540  # the longest bar; the rest is room for its value
ROW = 42  # label line + bar
BAR = 16
FILL = "#1f5f8b"
TEXT = "#1a1a1a"


def _number(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def bar_chart(
    section: Section, chart_id: str, number: Callable[[float], str] = _number
) -> str | None:
    """A horizontal bar per value (the "total" row stays in the table only); None when
    there is nothing to draw (no numbers, or all of them zero). `number` writes a value the
    way the table beside the chart does, so both show the same figures."""
    rows = [
        (section.label(key), float(value))
        for key, value in section.values.items()
        if key != "total" and value is not None
    ]
    top = max((v for _, v in rows), default=0.0)
    if not rows or top <= 0:
        return None
    unit = f" {section.unit}" if section.unit and section.unit != "%" else section.unit
    height = ROW * len(rows) + 8
    title_id = f"{chart_id}-title"
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(title_id)}" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(title_id)}">{escape(section.title)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = index * ROW
        length = BAR_AREA * value / top
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="{TEXT}">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="0" y="{y + 20}" width="{length:.1f}" height="{BAR}" fill="{FILL}">'
            f"<title>{escape(label)}: {escape(number(value))}{escape(unit)}</title></rect>"
        )
        parts.append(
            f'<text x="{length + 6:.1f}" y="{y + 33}" font-size="13" fill="{TEXT}">'
            f"{escape(number(value))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
