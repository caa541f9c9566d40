"""Words that modules without Flask (forum/analytics) or being rewritten by others (the demand and
moderation services) keep in English as codes' labels. Listed here so that the catalog holds them;
pages translate them where they show them (`_(label)` in templates, `lazy_gettext(label)` in forms)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import format_time

from forum.i18n import _, _l, ngettext, plural_forms
from forum.services import demand
from forum.services.notifications import STAGE_NAMES

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
# The titles of forum/errors.py (a pure module), translated where the web layer shows them.
ERROR_TITLES = (_l("Bad request"), _l("Please check your input"), _l("Not allowed"), _l("Not found"),
                _l("Conflict"), _l("Slow down"), _l("Segment too small"))


def js_strings() -> dict[str, Any]:
    """What static/js says to people, in the reader's language: the page carries it as JSON in
    <body data-i18n> (CSP allows no inline script). "%(name)s" marks a value the script fills in,
    "[...]" a link; plural messages are [one, other]."""
    return {
        "away": _("This page was away too long to catch up. [Reload it] to see the latest."),
        "here_now": plural_forms("%(num)s here now", "%(num)s here now"),
        "new_elsewhere": plural_forms("%(num)s new post on a later page. [Go to the last page]",
                                      "%(num)s new posts on a later page. [Go to the last page]"),
        "new_post_by": _("New post by %(name)s"),
        "someone": _("someone"),
        "unread": _("Notifications, %(num)s unread", num="%(num)s"),
        "reason": _("Reason: %(reason)s"),
        "locked_now": _("This topic is now locked."),
        "n_for": _("%(num)s for", num="%(num)s"),
        "n_against": _("%(num)s against", num="%(num)s"),
        "share": _("%(share)s in favour", share="%(share)s"),
        "no_votes": _("No votes yet"),
        "your_vote": _("(your vote; press to withdraw it)"),
        "vote_failed": _("Your vote could not be saved. Reload the page and try again."),
        "vote_offline": _("Your vote could not be sent. Check your connection and try again."),
        "stage_changed": _("Stage changed to %(stage)s."),
        "stages": {code: str(name) for code, name in STAGE_NAMES.items()},
        "decision_posted": _("A decision was posted: %(title)s."),
        "suggestion_adopted": _("A suggestion became a feature: %(title)s."),
        "did_not_work": _("That did not work. Reload the page and try again."),
        "post_up": _("Your post is up."),
        "post_offline": _("Your post could not be sent. Check your connection and try again."),
        "saved": _("Saved."),
        "flag_failed": _("The flag could not be sent."),
        "answer_offline": _("Your answer could not be sent. Check your connection and try again."),
        "preview_failed": _("The preview could not be made."),
        "preview_offline": _("The preview could not be loaded. Check your connection and try again."),
    }


def counting(counts_from: datetime) -> dict[str, str]:
    """When a brand-new account's answer starts counting (the time in the reader's language and time
    zone, by Babel) and how long new accounts wait: the words of every "saved and counts from"."""
    minutes = round(demand.rule.wait().total_seconds() / 60)
    wait = _("new accounts wait an hour") if minutes == 60 else ngettext(
        "new accounts wait %(num)d minute", "new accounts wait %(num)d minutes", minutes)
    return {"time": format_time(counts_from, "HH:mm"), "wait": wait}


def answers_wait(user: Any) -> str | None:
    """For a brand-new account: its answers are saved and count from the end of the wait; else None."""
    counts_from = demand.counts_from(user)
    if counts_from is None:
        return None
    return _("Your answers are saved and count from %(time)s (%(wait)s).", **counting(counts_from))
