"""Registration, login, logout, sessions and redirects, as a person using the forms sees them."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.extensions import db, limiter
from forum.models import User
from tests.conftest import PASSWORD, login, make_user

GOOD = {"username": "newbie", "email": "newbie@example.com", "password": "a long new passphrase"}


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_register_creates_account_then_the_person_logs_in(client, app):
    response = client.post("/register", data=GOOD | {"display_name": "New Bie"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    login(client, "newbie", GOOD["password"])
    page = client.get("/").get_data(as_text=True)
    assert "New Bie" in page and "Log out" in page
    user = db.session.scalar(select(User).where(User.username == "newbie"))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(("changes", "message"), [
    ({"username": ""}, "Choose a username."),
    ({"username": "ab"}, "Use 3 to 32 letters, digits or underscores"),
    ({"username": "has space"}, "Use 3 to 32 letters, digits or underscores"),
    ({"username": "x" * 33}, "at most 32 characters"),
    ({"username": "Admin"}, "reserved"),
    ({"email": ""}, "Enter your email address."),
    ({"email": "not-an-email"}, "not a valid email address"),
    ({"email": "a@" + "b" * 250 + ".com"}, "at most 254 characters"),
    ({"password": ""}, "Choose a password."),
    ({"password": "short"}, "at least 8 characters"),
    ({"password": "password123"}, "most common"),
    ({"password": "newbie-newbie-1"}, "must not contain your username"),
    ({"display_name": "D" * 65}, "at most 64 characters"),
])
def test_register_bad_input_gets_clear_message_and_creates_nothing(client, app, changes, message):
    before = user_count()
    response = client.post("/register", data=GOOD | changes)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert user_count() == before


def test_register_refuses_a_taken_username_in_any_case(client, app):
    """Usernames are public (every profile shows one): saying one is taken tells nothing new."""
    make_user("sofia", email="sofia@example.com")
    before = user_count()
    response = client.post("/register", data=GOOD | {"username": "SOFIA"})
    assert response.status_code == 400
    assert "taken" in response.get_data(as_text=True)
    assert user_count() == before


def test_register_keeps_what_was_typed(client, app):
    response = client.post("/register", data=GOOD | {"password": "short", "display_name": "Kept Name"})
    text = response.get_data(as_text=True)
    assert 'value="newbie@example.com"' in text and 'value="Kept Name"' in text


@pytest.mark.parametrize("login_name", ["carol", "CAROL", "carol@example.test"])
def test_login_by_username_or_email(client, people, login_name):
    response = client.post("/login", data={"login": login_name, "password": PASSWORD})
    assert response.status_code == 302
    assert "Log out" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_user_get_the_same_answer(client, people):
    wrong = client.post("/login", data={"login": "carol", "password": "not the password"})
    unknown = client.post("/login", data={"login": "nobody_here", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    message = "That username or email and password do not match an account."
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_repeated_failures_lock_the_account_with_a_time_to_retry(client, app, people):
    limiter.enabled = True
    for _ in range(5):
        assert client.post("/login", data={"login": "carol", "password": "wrong guess"}).status_code == 401
    response = client.post("/login", data={"login": "carol", "password": PASSWORD})
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert "Too many attempts. Please try again in" in text and "minutes" in text
    assert int(response.headers["Retry-After"]) > 0
    # Another account from the same address is not locked by carol's failures.
    assert client.post("/login", data={"login": "olga", "password": PASSWORD}).status_code == 302


def test_successful_logins_do_not_count_towards_the_lockout(client, app, people):
    limiter.enabled = True
    for _ in range(6):
        login(client, people["consumer"])
        client.post("/logout")


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "http://evil.example/path", "javascript:alert(1)",
    "/\\evil.example", "\\\\evil.example", "/\t/evil.example", "https:/evil.example", " //evil.example",
])
def test_next_never_leaves_the_site(client, people, target):
    response = client.post("/login", data={"login": "carol", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


def test_next_to_a_local_page_is_followed(client, people):
    response = client.post("/login", data={"login": "carol", "password": PASSWORD, "next": "/settings"})
    assert response.headers["Location"] == "/settings"


def test_login_page_carries_next_from_the_query(client, people):
    page = client.get("/login?next=/settings").get_data(as_text=True)
    assert 'value="/settings"' in page


def test_session_is_renewed_on_login(client, people):
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, people["consumer"])
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_logout_ends_every_session(app, people):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, people["consumer"])
    login(phone, people["consumer"])
    laptop.post("/logout")
    assert phone.get("/settings").status_code == 302  # sent to log in


def test_password_change_ends_other_sessions_but_not_this_one(app, people):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, people["consumer"])
    login(phone, people["consumer"])
    response = laptop.post("/settings/password", data={"current_password": PASSWORD,
                                                       "new_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert laptop.get("/settings").status_code == 200
    assert phone.get("/settings").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/login", data={"login": "carol", "password": PASSWORD}).status_code == 401
    login(fresh, "carol", "a brand new passphrase")


def test_password_change_refuses_wrong_current_and_weak_new(client, people):
    login(client, people["consumer"])
    response = client.post("/settings/password", data={"current_password": "nope nope",
                                                       "new_password": "a brand new passphrase"})
    assert response.status_code == 400 and "current password is not right" in response.get_data(as_text=True)
    response = client.post("/settings/password", data={"current_password": PASSWORD, "new_password": "qwerty123"})
    assert response.status_code == 400 and "most common" in response.get_data(as_text=True)


def test_remember_me_cookie_is_httponly_and_lax(client, people):
    response = client.post("/login", data={"login": "carol", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    session_cookie = [c for c in cookies if c.startswith("session=")]
    assert remember and session_cookie
    for cookie in remember + session_cookie:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain HTTP in this test


def test_cookies_are_secure_over_https(client, people):
    response = client.post("/login", data={"login": "carol", "password": PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_change_email_and_profile(client, people):
    login(client, people["consumer"])
    response = client.post("/settings/email", data={"email": "new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert "new@example.com" in client.get("/settings").get_data(as_text=True)
    response = client.post("/settings/email", data={"email": "olga@example.test", "password": PASSWORD})
    assert response.status_code == 400
    client.post("/settings/profile", data={"display_name": "Carol C.", "bio": "Bread fan"})
    profile = client.get("/u/carol").get_data(as_text=True)
    assert "Carol C." in profile and "Bread fan" in profile


def test_profile_never_shows_the_email(client, people):
    login(client, people["owner"])
    page = client.get("/u/carol").get_data(as_text=True)
    assert "carol@example.test" not in page
    assert client.get("/u/nobody_at_all").status_code == 404
