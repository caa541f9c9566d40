"""How demand figures read: amounts of money and the purchase-intent scale."""
from __future__ import annotations

from forum.i18n import _l, money  # amounts in the reader's language, through Babel

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "CNY": "¥"}
INTENT_LABELS = {5: _l("Very likely"), 4: _l("Likely"), 3: _l("Not sure"), 2: _l("Unlikely"),
                 1: _l("Very unlikely")}


__all__ = ["CURRENCY_SYMBOLS", "INTENT_LABELS", "money"]
