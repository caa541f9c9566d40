"""Charts of the demand summary, drawn on the server as SVG (no script, no inline style, no request
outside the site), each at two widths: a wide one for screens and print, a narrow one for phones, so
that chart text stays about as large as the page's (CSS shows one of them).

Every chart is a list of shapes (rect, line, polyline, circle, text) that templates/feedback/_charts.html
writes out. Text labels are placed so that their boxes never overlap each other, and the price
chart's point labels sit in a band above the plot, so they never cross a curve: a label's box is its
estimated text width (0.6 em a character, 1 em a Chinese one) by 1.2 em.
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from forum.i18n import _, _l, day_month

FONT = 13.0
WIDE, NARROW = 720, 360


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, gap: float = 2.0) -> bool:
        return not (self.x + self.w + gap <= other.x or other.x + other.w + gap <= self.x
                    or self.y + self.h + gap <= other.y or other.y + other.h + gap <= self.y)


def text_width(text: str, size: float = FONT) -> float:
    """A label's estimated width: 0.6 em a character, a whole em for a Chinese (wide) one."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text) * size


def text_box(text: str, x: float, baseline: float, anchor: str = "start", size: float = FONT) -> Box:
    width = text_width(text, size)
    left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
    return Box(left, baseline - size * 0.95, width, size * 1.2)


@dataclass
class Svg:
    width: int
    height: int
    shapes: list[dict[str, Any]] = field(default_factory=list)
    placed: list[Box] = field(default_factory=list)

    def add(self, kind: str, text: str | None = None, **attrs: Any) -> None:
        clean = {key.rstrip("_").replace("_", "-"): (round(v, 1) if isinstance(v, float) else v)
                 for key, v in attrs.items() if v is not None}
        self.shapes.append({"kind": kind, "attrs": clean, "text": text})

    def label(self, text: str, x: float, baseline: float, anchor: str = "start", size: float = FONT,
              css: str = "chart-label", force: bool = False) -> bool:
        """Write a label unless its box would overlap one already placed (or `force`)."""
        box = text_box(text, x, baseline, anchor, size)
        if not force and any(box.overlaps(other) for other in self.placed):
            return False
        self.placed.append(box)
        self.add("text", text, x=x, y=baseline, text_anchor=anchor, font_size=size, class_=css, fill="#3b4152")
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"width": self.width, "height": self.height, "shapes": self.shapes}


def _nice_step(span: float, ticks: int) -> float:
    if span <= 0:
        return 1.0
    raw = span / max(1, ticks)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover


def _x_ticks(svg: Svg, lo: float, hi: float, to_x: Callable[[float], float], baseline: float,
             fmt: Callable[[float], str], plot_w: float) -> None:
    """Tick labels along the x-axis: as many as fit without touching (fewer on a narrow chart)."""
    for ticks in (6, 5, 4, 3, 2):
        step = _nice_step(hi - lo, ticks)
        values = []
        value = math.ceil(lo / step) * step
        while value <= hi + step / 1000:
            values.append(value)
            value += step
        boxes = [text_box(fmt(v), to_x(v), baseline, "middle") for v in values]
        if all(not a.overlaps(b, gap=6) for a, b in zip(boxes, boxes[1:], strict=False)) or ticks == 2:
            break
    for value in values:
        x = to_x(value)
        svg.add("line", x1=x, x2=x, y1=baseline - FONT - 4, y2=baseline - FONT, stroke="#9aa0b4")
        svg.label(fmt(value), x, baseline, "middle", force=True)


# --- Van Westendorp -------------------------------------------------------------------------------

CURVES = (
    # attribute, label, css class, colour (also a presentation attribute, for viewers without CSS)
    ("too_cheap", _l("Too cheap"), "curve-too-cheap", "#dc2626"),
    ("not_cheap", _l("Not a bargain"), "curve-not-cheap", "#d97706"),
    ("not_expensive", _l("Not expensive"), "curve-not-expensive", "#0284c7"),
    ("too_expensive", _l("Too expensive"), "curve-too-expensive", "#4f46e5"),
)
POINTS = (("pmc", "PMC"), ("opp", "OPP"), ("ipp", "IPP"), ("pme", "PME"))


@dataclass
class _Plot:
    """Where the price chart's plot sits in its SVG, and the prices it spans."""
    left: float
    top: float
    width: float
    height: float
    lo: float
    hi: float

    def x(self, price: float) -> float:
        return self.left + (min(max(price, self.lo), self.hi) - self.lo) / (self.hi - self.lo) * self.width

    def y(self, share: float) -> float:
        return self.top + (1 - share) * self.height


MARKER_ROWS = 3  # rows of price point labels in the band above the price chart


def price_chart(result: Any, money: Callable[[float], str], width: int) -> dict[str, Any] | None:
    """The four curves over the price, the acceptable range shaded, the price points marked with
    labels in a band above the plot (stacked in rows so they never overlap)."""
    points = result.curves
    if not points:
        return None
    markers = [(key, label, getattr(result, key)) for key, label in POINTS if getattr(result, key) is not None]
    band = MARKER_ROWS * (FONT * 1.4) + 6
    left, right, top, bottom = 44, 14, 8 + band, 36
    height = (340 if width >= WIDE else 300) + int(band)
    plot = _Plot(left, top, width - left - right, height - top - bottom, *_price_span(points, markers))
    svg = Svg(width, height)
    _price_curves(svg, plot, result)
    _x_ticks(svg, plot.lo, plot.hi, plot.x, height - bottom + FONT + 8, money, plot.width)
    _price_markers(svg, plot, markers, money)
    return svg.as_dict()


def _price_span(points: Sequence[Any], markers: Sequence[tuple[str, str, float]]) -> tuple[float, float]:
    """The prices the chart spans: where the curves say something, every marked price included."""
    lo = max((p.price for p in points if p.too_cheap is not None and p.too_cheap >= 0.99), default=points[0].price)
    hi = min((p.price for p in points if p.too_expensive >= 0.99), default=points[-1].price)
    for _key, _label, value in markers:  # every marked price stays on the chart
        lo, hi = min(lo, value), max(hi, value)
    if hi <= lo:
        lo, hi = points[0].price, max(points[-1].price, points[0].price + 1)
    pad = (hi - lo) * 0.04
    return max(0.0, lo - pad), hi + pad


def _price_curves(svg: Svg, plot: _Plot, result: Any) -> None:
    """The plot's frame, the acceptable range shaded, the grid, the share labels and the curves."""
    left, top, x, y = plot.left, plot.top, plot.x, plot.y
    svg.add("rect", x=left, y=top, width=plot.width, height=plot.height, fill="#ffffff", stroke="#e2e4ee",
            class_="chart-plot")
    if result.range is not None:
        a, b = result.range
        svg.add("rect", x=x(a), y=top, width=max(1.0, x(b) - x(a)), height=plot.height, fill="#eef0ff",
                class_="chart-band")
    for share in (0.25, 0.5, 0.75):
        svg.add("line", x1=left, x2=left + plot.width, y1=y(share), y2=y(share), stroke="#eceef5")
    for share in (0, 0.5, 1):
        svg.label(f"{round(share * 100)}%", left - 6, y(share) + FONT * 0.35, "end", force=True)
    shown = [p for p in result.curves if plot.lo <= p.price <= plot.hi]
    for attribute, _label, css, colour in CURVES:
        if any(getattr(p, attribute) is None for p in shown):
            continue  # no too-cheap curve when only three questions were asked
        line = _simplify([(x(p.price), y(getattr(p, attribute))) for p in shown])
        coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in line)
        svg.add("polyline", points=coords, fill="none", stroke=colour, stroke_width=2.5,
                stroke_linejoin="round", class_=f"chart-curve {css}")


def _price_markers(svg: Svg, plot: _Plot, markers: Sequence[tuple[str, str, float]],
                   money: Callable[[float], str]) -> None:
    """Price point labels: in the band above the plot, each in the first row where it fits, with a
    dashed line down to the axis."""
    for key, label, value in sorted(markers, key=lambda m: m[2]):
        text = f"{label} {money(value)}"
        mx = plot.x(value)
        box_w = text_width(text)
        start = min(max(mx - box_w / 2, 2), svg.width - box_w - 2)
        for row in range(MARKER_ROWS + 3):
            baseline = 8 + FONT + row * FONT * 1.4
            if row >= MARKER_ROWS:  # out of rows: place under the axis labels instead (never on a curve)
                baseline = svg.height - 2 - (row - MARKER_ROWS) * FONT * 1.4
            if svg.label(text, start, baseline, "start", css=f"chart-label chart-point point-{key}"):
                svg.add("line", x1=mx, x2=mx, y1=baseline + 3, y2=plot.top + plot.height, stroke="#8b91a7",
                        stroke_dasharray="4 3", class_=f"chart-marker point-{key}")
                break


def _simplify(line: Sequence[tuple[float, float]], tolerance: float = 0.4) -> list[tuple[float, float]]:
    """The polyline's points less those the eye cannot miss: a curve has one point per distinct price
    answered (thousands), a drawing needs a few dozen. Points sharing a tenth of a pixel's column
    keep their first and last (the curves are monotone, so that keeps the column's extent), then
    Ramer-Douglas-Peucker drops every point within `tolerance` pixels of the line between the points
    kept around it. The page stays proportionate to the chart, not to the number of answers."""
    columns: list[tuple[float, float]] = []
    for point in line:
        if len(columns) >= 2 and round(columns[-1][0], 1) == round(point[0], 1) \
                and round(columns[-2][0], 1) == round(point[0], 1):
            columns[-1] = point  # the column's last point replaces its middle one
        else:
            columns.append(point)
    if len(columns) <= 2:
        return columns
    keep = [False] * len(columns)
    keep[0] = keep[-1] = True
    spans = [(0, len(columns) - 1)]
    while spans:
        first, last = spans.pop()
        (ax, ay), (bx, by) = columns[first], columns[last]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy) or 1.0
        far, farthest = -1.0, -1
        for index in range(first + 1, last):
            px, py = columns[index]
            distance = abs(dy * (px - ax) - dx * (py - ay)) / length
            if distance > far:
                far, farthest = distance, index
        if far > tolerance:
            keep[farthest] = True
            spans += [(first, farthest), (farthest, last)]
    return [point for point, kept in zip(columns, keep, strict=True) if kept]


# --- participation over time ---------------------------------------------------------------------

SERIES = (("comments", _l("Comments"), "#0e6e8c"), ("votes", _l("Votes"), "#4f46e5"), ("prices", _l("Price answers"), "#d97706"))


def _bar_scale(svg: Svg, left: float, top: float, plot_w: float, plot_h: float, peak: int) -> None:
    """A bar chart's baseline and scale: the peak at the top, 0 at the bottom."""
    svg.add("line", x1=left, x2=left + plot_w, y1=top + plot_h, y2=top + plot_h, stroke="#9aa0b4")
    svg.label(str(peak), left - 6, top + FONT * 0.7, "end", force=True)
    svg.label("0", left - 6, top + plot_h, "end", force=True)


def activity_chart(days: Sequence[dict[str, Any]], width: int) -> dict[str, Any] | None:
    """Stacked bars per day: comments, votes, price answers."""
    if not days or not any(d[name] for d in days for name, _, _ in SERIES):
        return None
    height = 200
    left, right, top, bottom = 40, 10, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(sum(d[name] for name, _, _ in SERIES) for d in days) or 1
    slot = plot_w / len(days)
    svg = Svg(width, height)
    _bar_scale(svg, left, top, plot_w, plot_h, peak)
    for index, day in enumerate(days):
        base = top + plot_h
        for name, _label, colour in SERIES:
            h = day[name] / peak * plot_h
            if h:
                svg.add("rect", x=left + index * slot + slot * 0.15, y=base - h, width=max(1.0, slot * 0.7),
                        height=h, fill=colour, class_=f"bar bar-{name}")
                base -= h
    # The first and last dates are aligned to the plot's edges, so neither is cut off.
    last = len(days) - 1
    for index, x, anchor in ((0, left, "start"), (last // 2, left + (last // 2 + 0.5) * slot, "middle"),
                             (last, left + plot_w, "end")):
        day = days[index]["day"]
        svg.label(day_month(date.fromisoformat(day[:10])), x, height - 8, anchor)
    return svg.as_dict()


# --- Kano Better / Worse --------------------------------------------------------------------------

QUADRANTS = ((_l("Attractive"), 0, 1), (_l("One-dimensional"), 1, 1), (_l("Indifferent"), 0, 0), (_l("Must-be"), 1, 0))


def kano_scatter(features: Sequence[dict[str, Any]], width: int) -> dict[str, Any] | None:
    """Each feature at (|Worse|, Better), labelled with its rank; quadrant names in the corners."""
    dots = [(f["rank"], abs(f["kano"]["worse"]), f["kano"]["better"]) for f in features
            if f.get("kano") and f["kano"]["better"] is not None and f["kano"]["worse"] is not None]
    if not dots:
        return None
    size = min(width, 420)
    left, right, top, bottom = 44, 12, 12, 40
    plot = size - left - right
    height = top + plot + bottom
    svg = Svg(size, height)

    def x(v: float) -> float:
        return left + v * plot

    def y(v: float) -> float:
        return top + (1 - v) * plot

    _kano_frame(svg, left, top, plot, height, small=FONT * (0.85 if width >= WIDE else 1.0))
    # the dots first, then their numbers where they fit
    circles = [Box(x(wx) - 5, y(by) - 5, 10, 10) for _rank, wx, by in dots]
    for _rank, wx, by in dots:
        svg.add("circle", cx=x(wx), cy=y(by), r=5, fill="#4f46e5", class_="chart-dot")
    svg.placed.extend(circles)
    for rank, wx, by in dots:
        cx, cy = x(wx), y(by)
        for dx, dy, anchor in ((8, 4, "start"), (-8, 4, "end"), (0, -9, "middle"), (0, 17, "middle"),
                               (8, -8, "start"), (-8, -8, "end"), (8, 16, "start"), (-8, 16, "end"),
                               (14, 4, "start"), (-14, 4, "end"), (0, -20, "middle"), (0, 28, "middle")):
            if svg.label(str(rank), cx + dx, cy + dy, anchor, css="chart-label chart-dot-label"):
                break
    return svg.as_dict()


def _kano_frame(svg: Svg, left: float, top: float, plot: float, height: float, small: float) -> None:
    """The Kano chart's square, its quarters and their names, the ticks and both axes' titles (the
    text a little larger on the narrow chart, which a phone shows smaller still)."""

    def x(v: float) -> float:
        return left + v * plot

    def y(v: float) -> float:
        return top + (1 - v) * plot

    svg.add("rect", x=left, y=top, width=plot, height=plot, fill="#ffffff", stroke="#e2e4ee", class_="chart-plot")
    svg.add("line", x1=x(0.5), x2=x(0.5), y1=top, y2=top + plot, stroke="#c9cde0")
    svg.add("line", x1=left, x2=left + plot, y1=y(0.5), y2=y(0.5), stroke="#c9cde0")
    for name, qx, qy in QUADRANTS:
        tx = left + 4 if qx == 0 else left + plot - 4
        ty = top + small + 2 if qy == 1 else top + plot - 4
        svg.label(str(name), tx, ty, "start" if qx == 0 else "end", size=small, css="chart-label chart-quadrant",
                  force=True)
    for v in (0, 0.5, 1):
        svg.label(f"{v:g}", left - 6, y(v) + FONT * 0.35, "end", force=True)
        svg.label(f"{v:g}", x(v), top + plot + FONT + 4, "middle", force=True)
    svg.label(_("Worse: how much lacking it disappoints →"), left, height - 6, "start", size=small, force=True)
    svg.add("text", _("Better: how much having it delights →"), x=12, y=top + plot, text_anchor="start", font_size=small,
            transform=f"rotate(-90 12 {top + plot})", class_="chart-label", fill="#3b4152")


# --- the distribution of bargain prices -----------------------------------------------------------

def histogram(bins: Sequence[dict[str, Any]], money: Callable[[float], str], width: int) -> dict[str, Any] | None:
    if not bins or not any(b["count"] for b in bins):
        return None
    height = 190
    left, right, top, bottom = 40, 10, 12, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(b["count"] for b in bins) or 1
    slot = plot_w / len(bins)
    svg = Svg(width, height)
    _bar_scale(svg, left, top, plot_w, plot_h, peak)
    for index, b in enumerate(bins):
        h = b["count"] / peak * plot_h
        if h:
            svg.add("rect", x=left + index * slot + 2, y=top + plot_h - h, width=max(1.0, slot - 4), height=h,
                    fill="#0e6e8c", class_="bar bar-bargain")
    for index, b in enumerate(bins):  # a price under a bar, where it fits
        svg.label(money(b["from"]), left + (index + 0.5) * slot, height - 8, "middle")
    return svg.as_dict()


# --- small bars inside table rows ----------------------------------------------------------------

def share_bar(share: float | None) -> dict[str, Any]:
    """Share in favour as a 100-wide bar."""
    svg = Svg(100, 10)
    svg.add("rect", x=0, y=0, width=100, height=10, fill="#eceef5", rx=3)
    if share:
        svg.add("rect", x=0, y=0, width=max(1.0, share * 100), height=10, fill="#4f46e5", rx=3, class_="bar")
    return svg.as_dict()


def interval_bar(interval: Sequence[float] | None, score: float) -> dict[str, Any]:
    """The ranking score (a dot) within its 95% interval (a line) on 0..1."""
    svg = Svg(100, 10)
    svg.add("line", x1=0, x2=100, y1=5, y2=5, stroke="#eceef5", stroke_width=4)
    if interval:
        lo, hi = interval
        svg.add("line", x1=lo * 100, x2=hi * 100, y1=5, y2=5, stroke="#818cf8", stroke_width=4,
                class_="interval")
        svg.add("circle", cx=score * 100, cy=5, r=4, fill="#3730a3")
    return svg.as_dict()


def both(make: Callable[[int], dict[str, Any] | None]) -> dict[str, Any] | None:
    """The chart at both widths: {"wide": ..., "narrow": ...}, or None when there is nothing to draw."""
    wide = make(WIDE)
    if wide is None:
        return None
    return {"wide": wide, "narrow": make(NARROW)}
