"""Charts of the research figures on the demand summary, drawn like forum/web/charts.py (server-side
SVG shapes, two widths, labels that never overlap): the Gabor-Granger demand curve (share who would
buy, with its 95 % interval) and revenue curve (revenue index) with the optimum marked, and the
MaxDiff shares as bars."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from forum.i18n import _
from forum.web.charts import FONT, Svg

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


def demand_chart(section: dict[str, Any], money: Callable[[float], str], width: int) -> dict[str, Any] | None:
    """Two plots over the ladder's prices: above, the share who would buy (a line, its 95 % interval
    a band); below, the revenue index, the revenue-optimal price marked with a dashed line."""
    rungs = [r for r in section["ladder"] if r["share"] is not None]
    if not rungs:
        return None
    left, right, top, gap, bottom = 48, 16, 14, 30, 34
    panel = 150 if width > 400 else 120
    height = top + panel + gap + panel + bottom
    plot_w = width - left - right
    prices = [float(r["price"]) for r in rungs]
    lo, hi = prices[0], prices[-1]
    pad = (hi - lo) * 0.06 or 1.0

    def x(price: float) -> float:
        return left + (price - lo + pad) / (hi - lo + 2 * pad) * plot_w

    top2 = top + panel + gap
    svg = Svg(width, height)
    _frame(svg, left, top, plot_w, panel)
    _frame(svg, left, top2, plot_w, panel)
    share_y = _share_panel(svg, rungs, prices, x, top, panel)
    revenue_y = _revenue_panel(svg, rungs, prices, x, top2, panel)
    for p, y1, y2 in zip(prices, share_y, revenue_y, strict=True):
        svg.add("circle", cx=x(p), cy=y1, r=3.5, fill=DEMAND, class_="chart-dot")
        svg.add("circle", cx=x(p), cy=y2, r=3.5, fill=REVENUE, class_="chart-dot")
    for share in (0, 0.5, 1):
        svg.label(f"{round(share * 100)}%", left - 6, top + (1 - share) * panel + FONT * 0.35, "end", force=True)
    svg.label(_("Would buy"), left + 6, top + FONT + 2, css="chart-label chart-title", force=True)
    svg.label(_("Revenue index"), left + 6, top2 + FONT + 2, css="chart-label chart-title", force=True)
    if section["revenue_optimal_price"] is not None:
        _optimum(svg, x(float(section["revenue_optimal_price"])), money(float(section["revenue_optimal_price"])),
                 left + plot_w / 2, top2, panel)
    _price_axis(svg, prices, x, height - bottom + FONT + 8, money)
    return svg.as_dict()


def _share_panel(svg: Svg, rungs: list[dict[str, Any]], prices: list[float], x: Callable[[float], float],
                 top: float, panel: float) -> list[float]:
    """The share who would buy, with its 95 % band; returns each rung's y."""
    share_y = [top + (1 - r["share"]) * panel for r in rungs]
    band = [(x(p), top + (1 - r["share_high"]) * panel) for p, r in zip(prices, rungs, strict=True)]
    band += [(x(p), top + (1 - r["share_low"]) * panel) for p, r in reversed(list(zip(prices, rungs, strict=True)))]
    svg.add("polygon", points=" ".join(f"{a:.1f},{b:.1f}" for a, b in band), fill=BAND, class_="chart-band")
    svg.add("polyline", points=" ".join(f"{x(p):.1f},{y:.1f}" for p, y in zip(prices, share_y, strict=True)),
            fill="none", stroke=DEMAND, stroke_width=2.5, class_="chart-curve curve-demand")
    return share_y


def _revenue_panel(svg: Svg, rungs: list[dict[str, Any]], prices: list[float], x: Callable[[float], float],
                   top2: float, panel: float) -> list[float]:
    """The revenue index, scaled to its peak; returns each rung's y."""
    peak = max(r["revenue_index"] for r in rungs) or 1.0
    revenue_y = [top2 + (1 - r["revenue_index"] / peak) * panel for r in rungs]
    svg.add("polyline", points=" ".join(f"{x(p):.1f},{y:.1f}" for p, y in zip(prices, revenue_y, strict=True)),
            fill="none", stroke=REVENUE, stroke_width=2.5, class_="chart-curve curve-revenue")
    return revenue_y


def _optimum(svg: Svg, mx: float, price: str, middle: float, top2: float, panel: float) -> None:
    """The revenue-optimal price: a dashed line and its label, on the side with room."""
    svg.add("line", x1=mx, x2=mx, y1=top2, y2=top2 + panel, stroke="#8b91a7", stroke_dasharray="4 3",
            class_="chart-marker point-optimum")
    anchor = "end" if mx > middle else "start"
    svg.label(_("Optimum %(price)s", price=price), mx + (-6 if anchor == "end" else 6), top2 + panel - 8, anchor,
              css="chart-label chart-point point-optimum", force=True)


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
        title = item["title"] if len(item["title"]) * FONT * 0.6 < plot_w else item["title"][: int(plot_w / (FONT * 0.6)) - 1] + "…"
        svg.label(title, left, top + FONT, css="chart-label", force=True)
        bar_w = max(1.0, item["share"] / peak * plot_w)
        svg.add("rect", x=left, y=top + FONT + 4, width=plot_w, height=10, fill="#eceef5", rx=3)
        svg.add("rect", x=left, y=top + FONT + 4, width=bar_w, height=10, fill="#4f46e5", rx=3, class_="bar bar-share")
        svg.label(f"{item['share']:.1f}%", width - 4, top + FONT + 14, "end", force=True)
    return svg.as_dict()


__all__ = ["demand_chart", "maxdiff_bars"]
