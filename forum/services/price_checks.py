"""Checking a Van Westendorp answer as typed: four (or three) prices in order, optional purchase
intents, each error worded for the person who typed it. No database."""
from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from forum.errors import ValidationError
from forum.i18n import _
from forum.services.demand.wording import CURRENCY_SYMBOLS, money

PRICE_MAX = Decimal("1000000")

#: The four Van Westendorp questions: field, short label, plain-words explanation.
PRICE_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("too_cheap", "Too cheap",
     "At what price would it be so cheap that you would doubt its quality?"),
    ("cheap", "A bargain",
     "At what price would it be a bargain: a great buy for the money?"),
    ("expensive", "Getting expensive",
     "At what price would it start to feel expensive, though you would still consider it?"),
    ("too_expensive", "Too expensive",
     "At what price would it be so expensive that you would not consider buying it?"),
)
PRICE_LABELS = {name: label for name, label, _ in PRICE_QUESTIONS}
PRICE_FIELDS = tuple(name for name, _, _ in PRICE_QUESTIONS)
INTENT_FIELDS = ("intent_cheap", "intent_expensive")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def _parse_price(name: str, raw: Any, currency: str) -> tuple[Decimal | None, str | None]:
    """(value, None) or (None, message) for one typed price."""
    label = _(PRICE_LABELS[name])  # the labels are in the catalog (forum/web/words.py PRICE_WORDS)
    if isinstance(raw, Decimal | int | float) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = str(raw or "").strip()
    symbol = CURRENCY_SYMBOLS.get(currency, "")
    for mark in (symbol, currency, currency.lower()):
        if mark:
            text = text.replace(mark, "")
    text = text.replace(" ", "").replace("\u00a0", "")
    if not text:
        return None, _("Enter a price for “%(label)s”.", label=label)
    if "," in text and "." not in text and re.fullmatch(r"[+-]?\d+,\d{1,2}", text):
        text = text.replace(",", ".")  # 24,99 typed with a decimal comma
    elif re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        text = text.replace(",", "")  # 1,200.50 with thousands separators
    if not _NUMBER_RE.match(text):
        return None, _("“%(label)s” must be a number, like 25 or 24.99.", label=label)
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above rules it out
        return None, _("“%(label)s” must be a number, like 25 or 24.99.", label=label)
    if value <= 0:
        return None, _("“%(label)s” must be more than zero.", label=label)
    if value > PRICE_MAX:
        return None, _("“%(label)s” must be at most %(amount)s.", label=label, amount=money(PRICE_MAX, currency))
    if -value.as_tuple().exponent > 2 and value != value.quantize(Decimal("0.01")):
        return None, _("“%(label)s” can have at most two decimals (cents).", label=label)
    return value.quantize(Decimal("0.01")), None


def _parse_intent(name: str, raw: Any) -> tuple[int | None, str | None]:
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None, None
    if text in ("1", "2", "3", "4", "5"):
        return int(text), None
    if name == "intent_cheap":
        return None, _("How likely you would buy at your bargain price is a choice from 1 (very unlikely) to 5 "
                       "(very likely).")
    return None, _("How likely you would buy at your “getting expensive” price is a choice from 1 (very "
                   "unlikely) to 5 (very likely).")


def check_prices(data: Mapping[str, Any], currency: str = "EUR", ask_too_cheap: bool = True) -> dict[str, Any]:
    """Parse and check a price answer; ValidationError with a message per field (and per pair out
    of order, under "order") when anything is wrong. Without the too-cheap question (three
    questions) too_cheap is None and not asked for."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in PRICE_FIELDS:
        if name == "too_cheap" and not ask_too_cheap:
            values[name] = None
            continue
        value, message = _parse_price(name, data.get(name), currency)
        if message:
            errors[name] = [message]
        values[name] = value
    for name in INTENT_FIELDS:
        value, message = _parse_intent(name, data.get(name))
        if message:
            errors[name] = [message]
        values[name] = value
    order: list[str] = []
    for i, low in enumerate(PRICE_FIELDS):
        for high in PRICE_FIELDS[i + 1:]:
            a, b = values[low], values[high]
            if a is not None and b is not None and a >= b:
                order.append(_("“%(low)s” (%(low_amount)s) must be lower than “%(high)s” (%(high_amount)s).",
                               low=_(PRICE_LABELS[low]), low_amount=money(a, currency),
                               high=_(PRICE_LABELS[high]), high_amount=money(b, currency)))
    if order:
        errors["order"] = order
    if errors:
        raise ValidationError(_("Please check your prices."), errors)
    return values


__all__ = ["INTENT_FIELDS", "PRICE_FIELDS", "PRICE_LABELS", "PRICE_MAX", "PRICE_QUESTIONS", "check_prices"]
