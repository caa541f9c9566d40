"""What a concept's fields may hold: the limits, currencies, stages and tags, and the checks that
turn what a person typed into clean values or a ValidationError that marks each field."""
from __future__ import annotations

import re
from typing import Any

from forum.errors import ValidationError
from forum.i18n import _, _l
from forum.models import STAGES
from forum.services.bodies import too_complex

TITLE_MAX = 120
SUMMARY_MAX = 200
DESCRIPTION_MAX = 20000
NOTE_MAX = 500
FEATURE_TITLE_MAX = 120
FEATURE_DESCRIPTION_MAX = 1000
TAGS_MAX = 8
TAG_MAX = 32

#: ISO 4217 codes a concept may be priced in.
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "JPY", "CAD", "AUD",
              "NZD", "INR", "BRL", "MXN", "ZAR", "SGD", "HKD", "KRW", "CNY")

STAGE_LABELS = {"idea": _l("Idea"), "concept": _l("Concept"), "prototype": _l("Prototype"), "launched": _l("Launched")}

#: Slugs that would collide with the blueprint's own addresses (/concepts/new).
RESERVED_SLUGS = frozenset({"new"})


def _choose_stage() -> str:
    return _("Choose a stage: %(stages)s.", stages=", ".join(str(STAGE_LABELS[s]) for s in STAGES))


_TAG_RE = re.compile(r"^[\w][\w+#.-]*$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
# Control characters (NUL among them: PostgreSQL refuses it in text) except tab and newlines.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    """User text without control characters."""
    return _CONTROL_RE.sub("", value or "")


def is_slug(value: str | None) -> bool:
    """Whether `value` could be a concept's or an organization's slug (for filters and lookups)."""
    return bool(value) and _SLUG_RE.fullmatch(value) is not None


def is_tag(name: str) -> bool:
    """Whether `name` (already lower-case, words joined by hyphens) could be a tag."""
    return len(name) <= TAG_MAX and _TAG_RE.fullmatch(name) is not None


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


def _invalid(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(_("Please correct the marked fields."), errors)


# --- validation -----------------------------------------------------------------------------------

def parse_tags(text: str | list[str] | None) -> list[str]:
    """'Kitchen, Zero Waste ,kitchen' -> ['kitchen', 'zero-waste']. Raises ValidationError('tags')."""
    if text is None:
        raw: list[Any] = []
    elif isinstance(text, str):
        raw = text.split(",")
    elif isinstance(text, (list, tuple)):
        raw = list(text)
    else:
        raise _fail("tags", _("Tags are text: words separated by commas."))
    tags: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise _fail("tags", _("Tags are text: words separated by commas."))
        name = "-".join(clean_text(item).lower().split())
        if not name or name in tags:
            continue
        if len(name) > TAG_MAX:
            raise _fail("tags", _("A tag has at most %(TAG_MAX)s characters (“%(value)s…” is longer).", TAG_MAX=TAG_MAX, value=name[:TAG_MAX]))
        if not _TAG_RE.fullmatch(name):
            raise _fail("tags", _("“%(name)s” is not a tag: use letters, digits and hyphens.", name=name))
        tags.append(name)
    if len(tags) > TAGS_MAX:
        raise _fail("tags", _("A concept has at most %(TAGS_MAX)s tags; you gave %(count)s.", TAGS_MAX=TAGS_MAX, count=len(tags)))
    return tags


def check_concept(title: str, summary: str, description: str, tags: Any, currency: str,
                   stage: str | None = None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    title = " ".join(clean_text(title).split())
    if not title:
        errors["title"] = [_("Give the concept a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("A title has at most %(TITLE_MAX)s characters; this one has %(count)s.", TITLE_MAX=TITLE_MAX, count=len(title))]
    summary = " ".join(clean_text(summary).split())
    if len(summary) > SUMMARY_MAX:
        errors["summary"] = [_("The summary is one line of at most %(SUMMARY_MAX)s characters; this one has %(count)s.", SUMMARY_MAX=SUMMARY_MAX, count=len(summary))]
    description = clean_text(description).strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("A description has at most %(DESCRIPTION_MAX)s characters; this one has %(count)s.", DESCRIPTION_MAX=DESCRIPTION_MAX, count=len(description))]
    elif refused := too_complex(description):
        errors["description"] = [refused]
    currency = clean_text(currency).strip().upper()
    if currency not in CURRENCIES:
        shown = (currency or "nothing")[:8]
        errors["currency"] = [_("“%(shown)s” is not a currency we support. Choose one of: %(codes)s.",
                                shown=shown, codes=", ".join(CURRENCIES))]
    if stage is not None and stage not in STAGES:
        errors["stage"] = [_choose_stage()]
    try:
        tag_names = parse_tags(tags)
    except ValidationError as exc:
        errors.update(exc.errors)
        tag_names = []
    if errors:
        raise _invalid(errors)
    return {"title": title, "summary": summary, "description": description, "currency": currency,
            "tags": tag_names}


def check_feature(title: str, description: str) -> tuple[str, str]:
    errors: dict[str, list[str]] = {}
    title = " ".join(clean_text(title).split())
    if not title:
        errors["title"] = [_("Give the feature a title.")]
    elif len(title) > FEATURE_TITLE_MAX:
        errors["title"] = [_("A feature title has at most %(FEATURE_TITLE_MAX)s characters; this one has %(count)s.", FEATURE_TITLE_MAX=FEATURE_TITLE_MAX, count=len(title))]
    description = clean_text(description).strip()
    if len(description) > FEATURE_DESCRIPTION_MAX:
        errors["description"] = [_("A feature description has at most %(FEATURE_DESCRIPTION_MAX)s characters; this one has %(count)s.", FEATURE_DESCRIPTION_MAX=FEATURE_DESCRIPTION_MAX, count=len(description))]
    if errors:
        raise _invalid(errors)
    return title, description


def check_stage_change(current: str, stage: str, note: str) -> tuple[str, str]:
    """The stage a concept moves to (not the one it is at) and the note that says why."""
    errors: dict[str, list[str]] = {}
    stage = clean_text(stage).strip().lower()
    note = " ".join(clean_text(note).split())
    if stage not in STAGES:
        errors["stage"] = [_choose_stage()]
    elif stage == current:
        errors["stage"] = [_("The concept is already at the %(lower)s stage.", lower=STAGE_LABELS[stage].lower())]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("A note has at most %(NOTE_MAX)s characters; this one has %(count)s.", NOTE_MAX=NOTE_MAX, count=len(note))]
    if errors:
        raise _invalid(errors)
    return stage, note
