from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY

from config import Config
from forum.errors import PermissionDenied, ValidationError
from forum.extensions import db
from forum.services import accounts, passwords
from tests.conftest import PASSWORD, make_user


def test_default_argon2id_parameters_meet_owasp_minimum():
    config = Config()
    assert config.ARGON2_MEMORY_COST >= passwords.OWASP_MIN_MEMORY_KIB
    assert config.ARGON2_TIME_COST >= passwords.OWASP_MIN_TIME_COST
    assert config.ARGON2_PARALLELISM >= 1


def test_hash_is_argon2id_with_configured_parameters(app):
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=19 * 1024, ARGON2_PARALLELISM=1)
    digest = passwords.hash_password("some passphrase")
    assert digest.startswith("$argon2id$") and "m=19456,t=2,p=1" in digest


def test_login_rehashes_when_parameters_rise(app):
    user = make_user("rehash_me")
    old_hash = user.password_hash
    assert "t=1" in old_hash
    app.config.update(ARGON2_TIME_COST=2)
    assert accounts.authenticate("rehash_me", PASSWORD) is not None
    db.session.refresh(user)
    assert user.password_hash != old_hash and "t=2" in user.password_hash
    assert accounts.authenticate("rehash_me", PASSWORD) is not None


def test_argon2_library_default_is_rfc9106_low_memory():
    # Our config defaults follow the library's recommended profile.
    config = Config()
    assert (config.ARGON2_TIME_COST, config.ARGON2_MEMORY_COST, config.ARGON2_PARALLELISM) == (
        RFC_9106_LOW_MEMORY.time_cost, RFC_9106_LOW_MEMORY.memory_cost, RFC_9106_LOW_MEMORY.parallelism)
    assert isinstance(PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY), PasswordHasher)


@pytest.mark.parametrize("password", ["password", "iloveyou", "qwertyuiop", "aaaaaaaaaaaa"])
def test_guessable_passwords_are_refused(password):
    assert passwords.password_problems(password)


def test_long_passphrase_with_any_characters_is_fine():
    assert passwords.password_problems("correct horse battery staple") == []
    assert passwords.password_problems("ünïcödé pässwörd ☃ 2026") == []


def test_only_admins_set_roles_and_not_their_own(app, people):
    with pytest.raises(PermissionDenied):
        accounts.set_role(people["moderator"], people["consumer"], "moderator")
    with pytest.raises(PermissionDenied):
        accounts.set_role(people["admin"], people["admin"], "consumer")
    with pytest.raises(ValidationError):
        accounts.set_role(people["admin"], people["consumer"], "emperor")
    accounts.set_role(people["admin"], people["consumer"], "moderator")
    assert people["consumer"].role == "moderator"
