"""Words that modules without Flask (forum/analytics) or being rewritten by others (the demand and
moderation services) keep in English as codes' labels. Listed here so that the catalog holds them;
pages translate them where they show them (`_(label)` in templates, `lazy_gettext(label)` in forms)."""
from __future__ import annotations

from forum.i18n import _l

KANO_ANSWERS = (_l("I like it"), _l("I expect it"), _l("I am neutral"), _l("I can live with it"),
                _l("I dislike it"))
KANO_CATEGORIES = (_l("Attractive"), _l("One-dimensional"), _l("Must-be"), _l("Indifferent"), _l("Reverse"),
                   _l("Questionable"))
PRICE_WORDS = (
    _l("Too cheap"), _l("A bargain"), _l("Getting expensive"), _l("Too expensive"),
    _l("At what price would it be so cheap that you would doubt its quality?"),
    _l("At what price would it be a bargain: a great buy for the money?"),
    _l("At what price would it start to feel expensive, though you would still consider it?"),
    _l("At what price would it be so expensive that you would not consider buying it?"),
)
INTENTS = (_l("Very likely"), _l("Likely"), _l("Not sure"), _l("Unlikely"), _l("Very unlikely"))
TRUST_LEVELS = (_l("new"), _l("basic"), _l("member"), _l("regular"), _l("leader"))
SERIES = (_l("Comments"), _l("Votes"), _l("Price answers"))
