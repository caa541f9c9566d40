"""Demand: every read of what consumers told a concept, in one package with one rule of whose
answer counts (`rule.counted`), so the page, the API, summary.json and every export agree.

Modules (each public; none reaches into another's private names):

* rule          whose answer counts, and until when the answer is the same (valid_until)
* votes         tallies, ranking, voters, votes waiting
* kano          Kano categories and Better/Worse per feature
* prices        Van Westendorp (and Newton-Miller-Smith), bargain prices, intents
* participation distinct people who took part (a part of the stored summary)
* parts         the stored summary's parts, by name (the extension point)
* snapshot      the stored summary: get, compute (one database snapshot), invalidate, JSON
* projection    the one summary contract (page, API, summary.json), from SECTIONS
* page          what only the summary page shows (activity, conversation, since your last visit)
* wording       amounts of money, the intent scale

Writes (votes, answers) live in forum.services.feedback, which also reads a person's own answers.
"""
from __future__ import annotations

from forum.services.demand import (
    gabor_granger,
    kano,
    maxdiff,
    page,
    participation,
    prices,
    projection,
    recount,
    rule,
    segments,
    snapshot,
    votes,
)
from forum.services.demand.page import overview, since_last_visit
from forum.services.demand.projection import features, people, price, price_result, summary, tallies
from forum.services.demand.rule import counted, counts_from
from forum.services.demand.snapshot import forget, get, invalidate, invalidate_for_user, remember_seq

__all__ = [
    "counted", "counts_from", "features", "forget", "gabor_granger", "get", "invalidate", "invalidate_for_user",
    "kano", "maxdiff", "overview", "page", "participation", "people", "price", "price_result", "prices", "projection",
    "recount", "remember_seq", "segments",
    "rule", "since_last_visit", "snapshot", "summary", "tallies", "votes",
]
