"""Role matrix: the language chooser (everyone, signed in or not)."""
from __future__ import annotations

from tests.web.matrix import Case, same

CASES = {
    ("language.chooser", "GET"): Case(lambda o: "/language?next=/concepts/", same(200)),
    ("language.choose", "POST"): Case(lambda o: "/language", same("redirect"),
                                      data=lambda o: {"lang": "zh_Hans", "next": "/"}),
}
