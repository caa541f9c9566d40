"""Who answered, in exports: a pseudonym, never a name, unless the person chose to be credited.

`respondent` = a keyed BLAKE2b hash (8 bytes, 16 hex digits) of "<concept id>:<user id>", a MAC as
strong as HMAC and one C call per row (a million rows stream fast). The key is
derived from the server's SECRET_KEY (or PSEUDONYM_KEY when set, so that rotating the session key
does not change the pseudonyms), so nobody without the server secret can link a pseudonym to a
person or compute one. The same person has the same pseudonym in every export of one concept and
unrelated ones across concepts. People who turned on "credit me by name" (account settings,
User.credit_by_name) appear under their username instead.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app

LENGTH = 16
CACHE_SIZE = 4096


def key() -> bytes:
    secret = current_app.config.get("PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    # A key of its own, so a pseudonym never exposes anything signed with SECRET_KEY.
    return hmac.digest(secret, b"sounding-board respondent pseudonym v1", hashlib.sha256)


class Pseudonymizer:
    """respondent(user_id, username, credited) for one concept. The first few thousand people are
    remembered (posts and votes repeat them); past that a hash is one C call, cheaper than a dict
    holding a million of them would be in memory (exports stream in flat memory)."""

    def __init__(self, concept_id: int, secret: bytes | None = None) -> None:
        self._key = secret or key()
        self._prefix = f"{concept_id}:".encode("ascii")
        self._cache: dict[int, str] = {}

    def __call__(self, user_id: int, username: str | None = None, credited: bool = False) -> str:
        if credited and username:
            return username
        cached = self._cache.get(user_id)
        if cached is None:
            cached = hashlib.blake2b(self._prefix + str(user_id).encode("ascii"), key=self._key,
                                     digest_size=LENGTH // 2).hexdigest()
            if len(self._cache) < CACHE_SIZE:
                self._cache[user_id] = cached
        return cached
