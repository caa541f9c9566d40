from __future__ import annotations

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Membership, Organization, User
from forum.services import accounts


def counts() -> tuple[int, int, int]:
    return (db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(Organization.id))),
            db.session.scalar(select(func.count(Membership.id))))


def test_seed_demo_is_idempotent_and_logins_work(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "grace" in first.output and "sounding-board-demo" in first.output
    after_first = counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    users, orgs, _ = after_first
    assert users >= 10 and orgs >= 3
    verified = db.session.scalar(select(func.count(Organization.id)).where(Organization.verified_at.is_not(None)))
    assert 0 < verified < orgs  # some verified, some not
    assert accounts.authenticate("grace", "sounding-board-demo").is_admin
    assert accounts.authenticate("maya_mod", "sounding-board-demo").is_moderator


def test_create_admin_from_environment(app, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "a strong admin passphrase")
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "boss", "--email", "boss@example.com"])
    assert result.exit_code == 0, result.output
    assert accounts.authenticate("boss", "a strong admin passphrase").role == "admin"


def test_create_admin_refuses_a_weak_password(app, monkeypatch):
    monkeypatch.setenv("ADMIN_PASSWORD", "password")
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "boss", "--email", "boss@example.com"])
    assert result.exit_code == 1
    assert db.session.scalar(select(User).where(User.username == "boss")) is None
