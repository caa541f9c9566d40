"""Accounts: registration, authentication, profile, password and email changes, roles."""
from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select

from forum import policy
from forum.errors import NotFound, ValidationError
from forum.extensions import db
from forum.models import ROLES, ModerationAction, User, utcnow
from forum.models.users import new_session_token
from forum.services import events, passwords
from forum.services.tx import commit_and_publish

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,32}$")
DISPLAY_NAME_MAX = 64
BIO_MAX = 500
EMAIL_MAX = 254
RESERVED_USERNAMES = frozenset({"admin", "administrator", "moderator", "root", "system", "support",
                                "staff", "soundingboard", "anonymous", "deleted", "me", "settings"})


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


def normalize_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise _fail("email", "Enter your email address.")
    if len(email) > EMAIL_MAX:
        raise _fail("email", f"An email address has at most {EMAIL_MAX} characters.")
    try:
        info = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise _fail("email", f"That is not a valid email address: {exc}") from exc
    return info.normalized.lower()


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise _fail("username", "Choose a username.")
    if len(username) > 32:
        raise _fail("username", "A username has at most 32 characters.")
    if not USERNAME_RE.match(username):
        raise _fail("username", "Use 3 to 32 letters, digits or underscores for your username.")
    if username.lower() in RESERVED_USERNAMES:
        raise _fail("username", "That username is reserved; please choose another.")
    return username


def _check_display_name(display_name: str) -> str:
    display_name = " ".join((display_name or "").split())
    if len(display_name) > DISPLAY_NAME_MAX:
        raise _fail("display_name", f"A display name has at most {DISPLAY_NAME_MAX} characters.")
    return display_name


def register(username: str, email: str, password: str, display_name: str = "") -> User:
    """Create a consumer account. Raises ValidationError naming each bad field; writes nothing then."""
    errors: dict[str, list[str]] = {}
    checked: dict[str, str] = {}
    for field, check, value in (("username", check_username, username),
                                ("email", normalize_email, email),
                                ("display_name", _check_display_name, display_name)):
        try:
            checked[field] = check(value)
        except ValidationError as exc:
            errors.update(exc.errors)
    problems = passwords.password_problems(password or "", username=checked.get("username", ""),
                                           email=checked.get("email", ""))
    if problems:
        errors["password"] = problems
    if "username" in checked and db.session.scalar(
            select(User.id).where(User.username_key == checked["username"].lower())):
        errors["username"] = ["That username is taken."]
    if "email" in checked and db.session.scalar(select(User.id).where(User.email == checked["email"])):
        errors["email"] = ["An account with that email already exists. Try logging in."]
    if errors:
        raise ValidationError("Please correct the marked fields.", errors)
    user = User(username=checked["username"], username_key=checked["username"].lower(),
                email=checked["email"], display_name=checked["display_name"],
                password_hash=passwords.hash_password(password))
    db.session.add(user)
    # A concurrent registration may take the name between check and write.
    commit_and_publish(conflict=ValidationError("Please correct the marked fields.",
                                                {"username": ["That username or email is taken."]}))
    return user


def find_by_login(login: str) -> User | None:
    login = (login or "").strip().lower()
    if not login:
        return None
    return db.session.scalar(select(User).where(or_(User.username_key == login, User.email == login)))


def authenticate(login: str, password: str) -> User | None:
    """The user when the password matches, else None; the same time is spent either way."""
    user = find_by_login(login)
    if user is None:
        passwords.burn_verify_time(password or "")
        return None
    if not passwords.verify_password(user.password_hash, password or ""):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    commit_and_publish()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Also ends every other session: the alternative id changes."""
    if not passwords.verify_password(user.password_hash, current or ""):
        raise _fail("current_password", "Your current password is not right.")
    problems = passwords.password_problems(new or "", username=user.username, email=user.email)
    if problems:
        raise ValidationError("Please choose another password.", {"new_password": problems})
    user.password_hash = passwords.hash_password(new)
    user.session_token = new_session_token()
    commit_and_publish()
    events.end_live_sessions(user.id)


def end_other_sessions(user: User) -> None:
    user.session_token = new_session_token()
    commit_and_publish()
    events.end_live_sessions(user.id)  # open pages stop hearing private events and reconnect


def change_email(user: User, password: str, new_email: str) -> None:
    if not passwords.verify_password(user.password_hash, password or ""):
        raise _fail("password", "Your password is not right.")
    email = normalize_email(new_email)
    if email == user.email:
        return
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise _fail("email", "An account with that email already exists.")
    user.email = email
    commit_and_publish()


def update_profile(user: User, display_name: str, bio: str) -> None:
    policy.require(user, "profile.edit", user)
    display_name = _check_display_name(display_name)
    bio = (bio or "").strip()
    if len(bio) > BIO_MAX:
        raise _fail("bio", f"A bio has at most {BIO_MAX} characters.")
    user.display_name = display_name
    user.bio = bio
    commit_and_publish()


def get_by_username(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username_key == (username or "").lower()))
    if user is None:
        raise NotFound("There is no user with that name.")
    return user


def set_role(actor: User, user: User, role: str) -> None:
    policy.require(actor, "user.set_role", user)
    if role not in ROLES:
        raise _fail("role", f"Unknown role; choose one of {', '.join(ROLES)}.")
    if user.role == role:
        return
    db.session.add(ModerationAction(actor_id=actor.id, action=f"role.{role}", target_type="user",
                                    target_id=user.id, reason=f"{user.role} -> {role}"))
    user.role = role
    commit_and_publish()
    events.end_live_sessions(user.id)  # a former moderator stops hearing the staff rooms


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
