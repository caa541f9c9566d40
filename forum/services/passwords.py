"""Password hashing (argon2id) and the strength rules."""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

from forum.i18n import _

MIN_LENGTH = 8
MAX_LENGTH = 256  # long passphrases welcome; the cap only stops a hashing denial of service

# OWASP Password Storage Cheat Sheet, argon2id minimum: m=19 MiB, t=2, p=1.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


_DUMMY_HASH: dict[tuple[int, int, int], str] = {}


def burn_verify_time(password: str) -> None:
    """Spend what a real verification costs, so an unknown user answers as slowly as a known one."""
    cfg = current_app.config
    key = (cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password-0")
    verify_password(_DUMMY_HASH[key], password)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of the zxcvbn frequency list (leaked-password corpora)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a large list, loaded at the first password check

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *, username: str = "", email: str = "") -> list[str]:
    """What is wrong with a new password, in words a person understands. Empty when it is fine.

    NIST SP 800-63B: a minimum length, a check against known passwords, no composition rules.
    """
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(MIN_LENGTH)s characters.", MIN_LENGTH=MIN_LENGTH))
    elif len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(MAX_LENGTH)s characters.", MAX_LENGTH=MAX_LENGTH))
    else:
        lowered = password.lower()
        if lowered in common_passwords():
            problems.append(_("This password is one of the most common ones; choose a less guessable one."))
        elif len(set(password)) <= 2:
            problems.append(_("This password repeats too few characters; choose a less guessable one."))
        elif username and username.lower() in lowered:
            problems.append(_("The password must not contain your username."))
        elif email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 3:
            problems.append(_("The password must not contain your email address."))
    return problems
