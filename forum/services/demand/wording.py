"""How demand figures read: amounts of money and the purchase-intent scale."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from forum.i18n import _l

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "CNY": "¥"}
INTENT_LABELS = {5: _l("Very likely"), 4: _l("Likely"), 3: _l("Not sure"), 2: _l("Unlikely"),
                 1: _l("Very unlikely")}


def money(value: Any, currency: str = "EUR") -> str:
    """€40, €24.99, €1,200, CHF 12 -- whole amounts without cents."""
    if value is None:
        return "–"
    amount = Decimal(str(value))
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{currency} {text}"


__all__ = ["CURRENCY_SYMBOLS", "INTENT_LABELS", "money"]
