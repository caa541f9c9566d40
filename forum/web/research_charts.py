"""Charts of the research figures on the demand summary, drawn like forum/web/charts.py (server-side
SVG shapes, two widths, labels that never overlap): the Gabor-Granger demand curve (share who would
buy, with its 95 % interval) and revenue curve (revenue index) with the optimum marked, and the
MaxDiff shares as bars."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from forum.i18n import _
from forum.web.charts import FONT, Svg, text_width

DEMAND, REVENUE, BAND = "#0e6e8c", "#d97706", "#d5ecf3"


def _frame(svg: Svg, left: float, top: float, plot_w: float, plot_h: float) -> None:
    svg.add("rect", x=left, y=top, width=plot_w, height=plot_h, fill="#ffffff", stroke="#e2e4ee",
            class_="chart-plot")
    for part in (0.25, 0.5, 0.75):
        svg.add("line", x1=left, x2=left + plot_w, y1=top + part * plot_h, y2=top + part * plot_h,
                stroke="#eceef5")


def _price_axis(svg: Svg, prices: Sequence[float], x: Callable[[float], float], baseline: float,
                money: Callable[[float], str]) -> None:
    for price in prices:  # every rung that fits beside the ones already labelled
        svg.add("line", x1=x(price), x2=x(price), y1=baseline - FONT - 4, y2=baseline - FONT, stroke="#9aa0b4")
        svg.label(money(price), x(price), baseline, "middle")


def _curve(svg: Svg, xs: Sequence[float], ys: Sequence[float], colour: str, css: str) -> None:
    svg.add("polyline", points=" ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys, strict=True)),
            fill="none", stroke=colour, stroke_width=2.5, class_=f"chart-curve {css}")
    for a, b in zip(xs, ys, strict=True):
        svg.add("circle", cx=a, cy=b, r=3.5, fill=colour, class_="chart-dot")


def _optimum(svg: Svg, mx: float, top: float, panel: float, middle: float, text: str) -> None:
    svg.add("line", x1=mx, x2=mx, y1=top, y2=top + panel, stroke="#8b91a7", stroke_dasharray="4 3",
            class_="chart-marker point-optimum")
    anchor = "end" if mx > middle else "start"
    svg.label(text, mx + (-6 if anchor == "end" else 6), top + panel - 8, anchor,
              css="chart-label chart-point point-optimum", force=True)


def demand_chart(section: dict[str, Any], money: Callable[[float], str], width: int) -> dict[str, Any] | None:
    """Two plots over the ladder's prices: above, the share who would buy (a line, its 95 % interval
    a band); below, the revenue index, the revenue-optimal price marked with a dashed line."""
    rungs = [r for r in section["ladder"] if r["share"] is not None]
    if not rungs:
        return None
    left, top, gap, bottom = 48, 26, 36, 34  # each plot's title sits above it, off the curves
    panel, plot_w = (150 if width > 400 else 120), width - left - 16
    top2 = top + panel + gap
    svg = Svg(width, top2 + panel + bottom)
    prices = [float(r["price"]) for r in rungs]
    pad = (prices[-1] - prices[0]) * 0.06 or 1.0
    xs = [left + (p - prices[0] + pad) / (prices[-1] - prices[0] + 2 * pad) * plot_w for p in prices]
    peak = max(r["revenue_index"] for r in rungs) or 1.0
    _frame(svg, left, top, plot_w, panel)
    _frame(svg, left, top2, plot_w, panel)
    band = [(a, top + (1 - r["share_high"]) * panel) for a, r in zip(xs, rungs, strict=True)]
    band += [(a, top + (1 - r["share_low"]) * panel) for a, r in reversed(list(zip(xs, rungs, strict=True)))]
    svg.add("polygon", points=" ".join(f"{a:.1f},{b:.1f}" for a, b in band), fill=BAND, class_="chart-band")
    _curve(svg, xs, [top + (1 - r["share"]) * panel for r in rungs], DEMAND, "curve-demand")
    _curve(svg, xs, [top2 + (1 - r["revenue_index"] / peak) * panel for r in rungs], REVENUE, "curve-revenue")
    for share in (0, 0.5, 1):
        svg.label(f"{round(share * 100)}%", left - 6, top + (1 - share) * panel + FONT * 0.35, "end", force=True)
    svg.label(_("Would buy"), left, top - 8, css="chart-label chart-title", force=True)
    svg.label(_("Revenue index"), left, top2 - 8, css="chart-label chart-title", force=True)
    if section["revenue_optimal_price"] is not None:
        optimum = float(section["revenue_optimal_price"])
        _optimum(svg, xs[prices.index(optimum)] if optimum in prices else xs[0], top2, panel, left + plot_w / 2,
                 _("Optimum %(price)s", price=money(optimum)))
    _price_axis(svg, prices, dict(zip(prices, xs, strict=True)).__getitem__, svg.height - bottom + FONT + 8, money)
    return svg.as_dict()


def maxdiff_bars(items: Sequence[dict[str, Any]], width: int) -> dict[str, Any] | None:
    """A bar per feature: its share of preference (percent), the feature's title above the bar."""
    rows = [item for item in items if item["share"] is not None]
    if not rows:
        return None
    row_h, left, right = FONT * 1.3 + 18, 8, 56
    height = int(len(rows) * row_h + 8)
    plot_w = width - left - right
    peak = max(item["share"] for item in rows) or 1.0
    svg = Svg(width, height)
    for place, item in enumerate(rows):
        top = 4 + place * row_h
        title = _fit(item["title"], plot_w)
        svg.label(title, left, top + FONT, css="chart-label", force=True)
        bar_w = max(1.0, item["share"] / peak * plot_w)
        svg.add("rect", x=left, y=top + FONT + 4, width=plot_w, height=10, fill="#eceef5", rx=3)
        svg.add("rect", x=left, y=top + FONT + 4, width=bar_w, height=10, fill="#4f46e5", rx=3, class_="bar bar-share")
        svg.label(f"{item['share']:.1f}%", width - 4, top + FONT + 14, "end", force=True)
    return svg.as_dict()


def _fit(title: str, room: float) -> str:
    """The title, shortened with "…" until it fits the room (Chinese characters count wide)."""
    if text_width(title) < room:
        return title
    while title and text_width(title + "…") >= room:
        title = title[:-1]
    return title + "…"


__all__ = ["demand_chart", "maxdiff_bars"]
