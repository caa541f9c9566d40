"""The extension point of the stored summary: its parts, by name.

Each part is a function `compute(concept) -> JSON-able data`, run inside the summary's one database
snapshot (forum.services.demand.snapshot) and stored with it. A new kind of research answer adds its
module to this package, its `compute` here and its section to forum.services.demand.projection
(SECTIONS); renaming or reshaping a part means bumping snapshot.VERSION."""
from __future__ import annotations

from forum.services.demand import gabor_granger, kano, maxdiff, participation, prices, segments, votes

PARTS = {
    "votes": votes.compute,
    "kano": kano.compute,
    "prices": prices.compute,
    "gabor_granger": gabor_granger.compute,
    "maxdiff": maxdiff.compute,
    "segments": segments.compute,
    "participation": participation.count,
}

__all__ = ["PARTS"]
