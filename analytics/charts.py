"""Charts as SVG drawn on the server: no script, no styles inline, nothing from elsewhere (the
console's Content-Security-Policy allows neither); text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

_FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#475569"'


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per x label; None: nothing to show that day
    color: str


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """Rates (0..1) per day as lines with dots; each dot's tooltip gives its value."""
    left, right, top, bottom = 40, 24, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - v)

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#e2e8f0" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" {_FONT}>'
            f"{_pct(tick)}</text>"
        )
    every = max(1, round(len(labels) / 8))
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" {_FONT}>'
                f"{escape(label[5:] if len(label) == 10 else label)}</text>"
            )
    legend_x = left
    for s in series:
        parts.append(
            f'<rect x="{legend_x}" y="8" width="10" height="10" fill="{escape(s.color)}"/>'
            f'<text x="{legend_x + 14}" y="17" {_FONT}>{escape(s.label)}</text>'
        )
        legend_x += 24 + 7 * len(s.label)
        points = [(i, v) for i, v in enumerate(s.values) if v is not None]
        runs: list[list[tuple[int, float]]] = []
        for i, v in points:
            if runs and runs[-1][-1][0] == i - 1:
                runs[-1].append((i, v))
            else:
                runs.append([(i, v)])
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
                parts.append(
                    f'<polyline points="{path}" fill="none" stroke="{escape(s.color)}" '
                    'stroke-width="2"/>'
                )
        for i, v in points:
            parts.append(
                f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" '
                f'fill="{escape(s.color)}"><title>{escape(s.label)} {escape(labels[i])}: '
                f"{_pct(v)}</title></circle>"
            )
    if not any(v is not None for s in series for v in s.values):
        parts.append(
            f'<text x="{width / 2}" y="{top + plot_h / 2}" text-anchor="middle" {_FONT}>'
            "No data in this period</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    color: str = "#4f46e5",
    unit: str = "",
    width: int = 420,
) -> Markup:
    """Horizontal bars, largest first as given; the value is written after each bar."""
    row, label_w, top = 22, 150, 6
    height = top * 2 + row * max(len(items), 1)
    biggest = max((v for _, v in items), default=0) or 1
    plot_w = width - label_w - 60
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for n, (label, value) in enumerate(items):
        y = top + n * row
        bar = max(plot_w * value / biggest, 1)
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" {_FONT}>'
            f"{escape(label[:24])}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{bar:.1f}" height="{row - 8}" '
            f'fill="{escape(color)}"><title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{label_w + bar + 6:.1f}" y="{y + 15}" {_FONT}>{escape(shown)}</text>'
        )
    if not items:
        parts.append(
            f'<text x="{width / 2}" y="{top + 15}" text-anchor="middle" {_FONT}>None</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
