"""Server-rendered SVG charts for the dashboard: no JavaScript library, the numbers are in
the markup (each bar or point has a <title> tooltip and a data-value), and every text is
escaped. Sizes are fixed in viewBox units; CSS scales the drawing to the page width."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django.utils.translation import gettext

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 44
PAD_BOTTOM = 28
PAD_TOP = 12
PAD_RIGHT = 12


def _no_data() -> str:
    """The placeholder of an empty chart, in the interface language."""
    text = escape(gettext("no data"))
    return f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">{text}</text>'


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def _axis(top: float, label: str) -> list[str]:
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    out = [
        f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{HEIGHT - PAD_BOTTOM}" class="axis"/>',
        f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - PAD_RIGHT}" '
        f'y2="{HEIGHT - PAD_BOTTOM}" class="axis"/>',
    ]
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - PAD_BOTTOM - plot_h * i / 4
        text = f"{value:g}" if value < 1000 else f"{value / 1000:g}k"
        out.append(f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - PAD_RIGHT}" y2="{y:.1f}" class="grid"/>')
        out.append(f'<text x="{PAD_LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" class="tick">{escape(text)}</text>')
    out.append(f'<text x="4" y="{PAD_TOP - 2}" class="unit">{escape(label)}</text>')
    return out


def _svg(name: str, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="smarty-chart" data-chart={quoteattr(name)} '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def line_chart(name: str, title: str, points: Sequence[tuple[str, float]], *, unit: str = "") -> str:
    """A line over labelled points (for example hours); labels thinned to fit."""
    top = _nice_max(max((v for _, v in points), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    body = _axis(top, unit)
    n = len(points)
    if n:
        step = plot_w / max(n - 1, 1)
        coords = [(PAD_LEFT + i * step, HEIGHT - PAD_BOTTOM - plot_h * (v / top)) for i, (_, v) in enumerate(points)]
        body.append(
            '<polyline class="series" fill="none" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>'
        )
        every = max(n // 8, 1)
        for i, ((label, value), (x, y)) in enumerate(zip(points, coords, strict=True)):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" class="point" data-value="{value:g}">'
                f"<title>{escape(label)}: {value:g}</title></circle>"
            )
            if i % every == 0:
                body.append(
                    f'<text x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" class="tick">'
                    f"{escape(label)}</text>"
                )
    else:
        body.append(_no_data())
    return _svg(name, title, body)


def bar_chart(name: str, title: str, bars: Sequence[tuple[str, float]], *, unit: str = "") -> str:
    """Vertical bars, one per label (top channels, devices by type...)."""
    top = _nice_max(max((v for _, v in bars), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    body = _axis(top, unit)
    n = len(bars)
    if not n:
        body.append(_no_data())
        return _svg(name, title, body)
    slot = plot_w / n
    width = max(slot * 0.7, 1)
    for i, (label, value) in enumerate(bars):
        h = plot_h * (value / top)
        x = PAD_LEFT + i * slot + (slot - width) / 2
        y = HEIGHT - PAD_BOTTOM - h
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{h:.1f}" class="bar" data-value="{value:g}">'
            f"<title>{escape(label)}: {value:g}</title></rect>"
        )
        short = label if len(label) <= 14 else label[:13] + "…"
        body.append(
            f'<text x="{x + width / 2:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" class="tick">'
            f"{escape(short)}</text>"
        )
    return _svg(name, title, body)
