"""Rendering time of pathological 20,000-character posts, as a ratio of a plain paragraph.

    .venv/bin/python -m bench.markup [--repeat 5]

Each post of the corpus goes through what a write does with it: `markup.check` (the bounds; a
refused post stops there, with its message) and, when accepted, `markup.render` and the mention scan
over the rendered HTML. The floor, timed in the same run, is a plain 20,000-character paragraph.
Aim: no pattern over 10x the floor, no write over 250 ms. Figures are the best of --repeat runs
(the machine is shared; the best run is the one least disturbed by others).
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from forum import markup

SIZE = 20_000


def fill(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def padded(source: str, size: int = SIZE) -> str:
    """`source`, then a paragraph of plain words up to `size` characters."""
    words = fill("padding words ", max(0, size - len(source) - 2))
    return source + "\n\n" + words if words else source[:size]


def most(unit: str, head: str = "") -> str:
    """`head` and as many `unit`s as the bounds accept (at most 20,000 characters), padded."""
    low, high = 0, SIZE // len(unit)
    while low < high:  # binary search: the largest count that passes check()
        mid = (low + high + 1) // 2
        try:
            markup.check(padded(head + unit * mid))
        except markup.TooComplex:
            high = mid - 1
        else:
            low = mid
    return padded(head + unit * low)


def corpus() -> dict[str, str]:
    plain = fill("Plain words of a long post about a kettle and what it should cost. ")
    return {
        "plain paragraph (floor)": plain,
        # The patterns of the issue.
        '"a\\n=\\n" (setext headings)': fill("a\n=\n"),
        '"a\\n-\\n" (setext headings)': fill("a\n-\n"),
        '"# a\\n" (ATX headings)': fill("# a\n"),
        '"---\\n" (rules)': fill("---\n"),
        '">" * 20,000 (nested quotes)': ">" * SIZE,
        # Others found while looking.
        '"> " * 50 + "a\\n"': fill("> " * 50 + "a\n"),
        '"- a\\n" (one long list)': fill("- a\n"),
        '"1. a\\n" (ordered list)': fill("1. a\n"),
        '"> - a\\n" (list in quote)': fill("> - a\n"),
        '"a\\n" (10,000 lines)': fill("a\n"),
        '"a\\n\\n" (6,666 paragraphs)': fill("a\n\n"),
        '"|a|b|\\n" (long table)': "|a|b|\n|-|-|\n" + fill("|a|b|\n", SIZE - 12),
        '"```\\na\\n```\\n" (fences)': fill("```\na\n```\n"),
        '"*a" (emphasis)': fill("*a"),
        '"_a" (emphasis)': fill("_a"),
        '"[" * 20,000 (brackets)': "[" * SIZE,
        '"![" (images)': fill("!["),
        '"<" * 20,000': "<" * SIZE,
        '"&" * 20,000': "&" * SIZE,
        '"[a](b) " (links)': fill("[a](b) "),
        '"http://a.com " (bare URLs)': fill("http://a.com "),
        '"www.a.com " (bare URLs)': fill("www.a.com "),
        "nested list, 40 levels": fill("".join("    " * level + "- item\n" for level in range(40))),
        # The worst shapes that the bounds still accept: as many repeats of the unit as pass
        # markup.check, padded to 20,000 characters with plain words.
        "at the bounds: setext headings": most("a\n=\n"),
        "at the bounds: ATX headings": most("# a\n"),
        "at the bounds: rules": most("---\n"),
        f"at the bounds: quotes {markup.MAX_DEPTH} deep": most("> " * markup.MAX_DEPTH + "a\n"),
        "at the bounds: list items": most("- item\n"),
        f"at the bounds: lists nested {markup.MAX_DEPTH} deep": most(
            "".join("    " * level + "- item\n" for level in range(markup.MAX_DEPTH))),
        "at the bounds: table rows": most("|a|\n", head="|a|\n|-|\n"),
        "at the bounds: table cells": most("|a|b|c|d|e|\n", head="|a|b|c|d|e|\n|-|-|-|-|-|\n"),
        "at the bounds: short lines": most("x" * 40 + "\n"),
        "at the bounds: paragraphs": most("y" * 60 + "\n\n"),
        "at the bounds: emphasis": most("*a"),
        "at the bounds: strong": most("**a** "),
        "at the bounds: code spans": most("`a` "),
        "at the bounds: links": most("[a](b) "),
        "at the bounds: '<'": most("<"),
        "at the bounds: '&'": most("&"),
        "at the bounds: '['": most("["),
        "at the bounds: '|' in lines": most("|" * 50 + "\n"),
        "at the bounds: bare URLs": most("http://a.com "),
        "at the bounds: fenced code blocks": most("```\nx = 1\n```\n"),
        # Fences that no line closes ("~~~a" is never a closing fence): Python-Markdown scans to
        # the end of the post for each.
        'at the bounds: "~~~a" fences': most("~~~a\n"),
        'at the bounds: "```a" fences': most("```a\n"),
        'at the bounds: "~~~a\\nb" fences': most("~~~a\nb\n"),
        "one fenced block of code": "```\n" + "x = a + b\n" * ((SIZE - 8) // 10) + "```\n",
    }


def write_cost(source: str) -> str:
    """What a write does: check the bounds, render, scan the HTML for mentions. Returns the outcome."""
    try:
        markup.check(source)
    except markup.TooComplex as exc:
        return f"refused: {exc}"
    html = markup.render(source)
    markup.mentions_in_html(html)
    return "accepted"


def best_of(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    posts = corpus()
    plain = posts["plain paragraph (floor)"]
    floors = []
    print(f"{'post (20,000 characters)':46} {'ms':>8} {'ratio':>7}  outcome")
    worst_ratio = worst_ms = 0.0
    for name, source in posts.items():
        outcome = write_cost(source)
        # The floor is timed beside each pattern, so that a busy moment of the machine weighs on both.
        floor = best_of(lambda: write_cost(plain), args.repeat)
        floors.append(floor)
        seconds = best_of(lambda s=source: write_cost(s), args.repeat)
        ratio = seconds / floor
        worst_ratio, worst_ms = max(worst_ratio, ratio), max(worst_ms, seconds * 1000)
        print(f"{name:46} {seconds * 1000:8.1f} {ratio:6.1f}x  {outcome[:70]}", flush=True)
    floor = sorted(floors)[len(floors) // 2]
    print(f"\nfloor (plain paragraph, median of its timings): {floor * 1000:.1f} ms; worst: {worst_ratio:.1f}x, {worst_ms:.0f} ms "
          f"(aim: at most 10x and 250 ms)")


if __name__ == "__main__":
    main()
