"""Accounts: registration, authentication, profile, password and email changes, roles.

Email addresses are verified by a signed link (forum/services/signing.py): at registration, and a
new address before it replaces the old one. Password reset is a signed link that expires
(PASSWORD_RESET_MAX_AGE). Every emailed link carries the account's fingerprint (its password hash
and address): a change of either (the reset itself, a password change, a confirmed new address)
makes every earlier link useless. Asking for a reset, and changing the address to one another
account has, answer the same either way.
"""
from __future__ import annotations

import re
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from forum import policy
from forum.errors import Conflict, NotFound, ValidationError
from forum.extensions import db
from forum.i18n import LANGUAGES, _, _l
from forum.models import ROLES, ModerationAction, SignIn, User, utcnow
from forum.models.users import new_session_token
from forum.services import events, mail, passwords, signing
from forum.services.tx import commit_and_publish

USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,32}$")
DISPLAY_NAME_MAX = 64
BIO_MAX = 500
EMAIL_MAX = 254
RESERVED_USERNAMES = frozenset({"admin", "administrator", "moderator", "root", "system", "support",
                                "staff", "soundingboard", "anonymous", "deleted", "me", "settings"})


def _link_outdated() -> str:
    return _("This confirmation link no longer works: the account's address or password changed since it "
             "was sent. Ask for a new one.")


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


def normalize_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise _fail("email", _("Enter your email address."))
    if len(email) > EMAIL_MAX:
        raise _fail("email", _("An email address has at most %(EMAIL_MAX)s characters.", EMAIL_MAX=EMAIL_MAX))
    try:
        info = validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise _fail("email", _("That is not a valid email address: %(exc)s", exc=exc)) from exc
    return info.normalized.lower()


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not username:
        raise _fail("username", _("Choose a username."))
    if len(username) > 32:
        raise _fail("username", _("A username has at most 32 characters."))
    if not USERNAME_RE.match(username):
        raise _fail("username", _("Use 3 to 32 letters, digits or underscores for your username."))
    if username.lower() in RESERVED_USERNAMES:
        raise _fail("username", _("That username is reserved; please choose another."))
    return username


def _check_display_name(display_name: str) -> str:
    display_name = " ".join((display_name or "").split())
    if len(display_name) > DISPLAY_NAME_MAX:
        raise _fail("display_name", _("A display name has at most %(DISPLAY_NAME_MAX)s characters.", DISPLAY_NAME_MAX=DISPLAY_NAME_MAX))
    return display_name


def register(username: str, email: str, password: str, display_name: str = "") -> User | None:
    """Create a consumer account. Raises ValidationError naming each bad field; writes nothing then.

    An address that already has an account is not a validation error: saying so would tell anyone
    which addresses are registered. The owner of the address is told by email instead, nothing is
    created, and None is returned; the caller answers exactly as for a new account."""
    checked = _checked_registration(username, email, password, display_name)
    owner = db.session.scalar(select(User).where(User.email == checked["email"]))
    if owner is not None:
        _tell_owner_of_registration(owner, password)
        return None
    user = User(username=checked["username"], username_key=checked["username"].lower(),
                email=checked["email"], display_name=checked["display_name"],
                password_hash=passwords.hash_password(password))
    db.session.add(user)
    taken = ValidationError(_("Please correct the marked fields."),
                            {"username": [_("That username is taken.")]})
    try:  # a concurrent registration may take the name between check and write
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise taken from exc
    _queue_verification(user)
    commit_and_publish(conflict=taken)
    return user


def _checked_registration(username: str, email: str, password: str, display_name: str) -> dict[str, str]:
    """The fields as stored (username, email, display_name); ValidationError naming each bad one."""
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
        errors["username"] = [_("That username is taken.")]
    if errors:
        raise ValidationError(_("Please correct the marked fields."), errors)
    return checked


def _tell_owner_of_registration(owner: User, password: str) -> None:
    """Someone registered with an address that has an account: its owner is told by email, after
    the same work (and time) as creating an account."""
    passwords.hash_password(password)
    if owner.deleted_at is None:
        mail.queue(owner, "registered_again", _l("Someone tried to register with your address"),
                   "registered_again", to_addr=owner.email, login_link=mail.absolute("/login"),
                   reset_link=mail.absolute("/reset-password"))
        db.session.commit()


# --- email verification ----------------------------------------------------------------------------

def _queue_verification(user: User) -> None:
    token = signing.sign_for(user, signing.VERIFY, {"e": user.email})
    mail.queue(user, "verify", _l("Confirm your email address"), "verify",
               link=mail.absolute(f"/verify-email/{token}"), to_addr=user.email, asked_here=True)


def send_verification(user: User) -> bool:
    """Send (again) the link that confirms the current address. False if it is already confirmed."""
    if user.email_verified_at is not None or user.deleted_at is not None:
        return False
    _queue_verification(user)
    db.session.commit()
    return True


def verify_email(token: str) -> User:
    data = signing.unsign(signing.VERIFY, token, current_app.config["EMAIL_VERIFY_MAX_AGE"],
                          what=_l("confirmation link"))
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or user.deleted_at is not None or user.email != data.get("e") \
            or not signing.is_current(user, data):
        raise ValidationError(_link_outdated())
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        db.session.commit()
    return user


def confirm_email_change(token: str) -> User:
    """The link sent to the new address: only now does the address change, already verified."""
    data = signing.unsign(signing.EMAIL_CHANGE, token, current_app.config["EMAIL_VERIFY_MAX_AGE"],
                          what=_l("confirmation link"))
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    new_email = data.get("e")
    if user is None or user.deleted_at is not None or not isinstance(new_email, str) \
            or not signing.is_current(user, data):
        raise ValidationError(_link_outdated())
    if user.email != new_email:
        if db.session.scalar(select(User.id).where(User.email == new_email)):
            raise Conflict(_("Another account uses that address now; it cannot be yours too."))
        user.email = new_email
    user.email_verified_at = utcnow()  # the link reached the new address
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(_("Another account uses that address now; it cannot be yours too.")) from exc
    return user


# --- password reset -----------------------------------------------------------------------------------

def request_password_reset(email: str) -> None:
    """Send a reset link if an account has this address. Says nothing either way: the caller shows
    the same answer whether or not it exists."""
    try:
        address = normalize_email(email)
    except ValidationError:
        return
    user = db.session.scalar(select(User).where(User.email == address, User.deleted_at.is_(None)))
    if user is None:
        return
    token = signing.sign_for(user, signing.RESET, {})
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.queue(user, "reset", _l("Reset your Sounding Board password"), "reset",
               link=mail.absolute(f"/reset-password/{token}"), minutes=minutes, to_addr=user.email, asked_here=True)
    db.session.commit()


def user_for_reset(token: str) -> User:
    """The account a reset link is for; ValidationError if it expired, was used or was forged."""
    data = signing.unsign(signing.RESET, token, current_app.config["PASSWORD_RESET_MAX_AGE"],
                          what=_l("reset link"))
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or user.deleted_at is not None:
        raise ValidationError(_("This reset link is not valid."))
    if not signing.is_current(user, data):
        raise ValidationError(_("This reset link no longer works: it was used, or the account's password or "
                                "address changed since it was sent. Ask for a new one."))
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link. Every session ends; the link stops working."""
    user = user_for_reset(token)
    problems = passwords.password_problems(new_password or "", username=user.username, email=user.email)
    if problems:
        raise ValidationError(_("Please choose another password."), {"password": problems})
    user.password_hash = passwords.hash_password(new_password)
    user.session_token = new_session_token()
    if user.email_verified_at is None:  # the link reached the address: it is theirs
        user.email_verified_at = utcnow()
    db.session.commit()
    events.end_live_sessions(user.id)
    return user


def find_by_login(login: str) -> User | None:
    login = (login or "").strip().lower()
    if not login:
        return None
    return db.session.scalar(select(User).where(or_(User.username_key == login, User.email == login)))


def authenticate(login: str, password: str, ip_address: str = "", user_agent: str = "") -> User | None:
    """The user when the password matches, else None; the same time is spent either way.
    A successful sign-in is added to the person's sign-in history (kept SIGNIN_HISTORY_DAYS)."""
    user = find_by_login(login)
    if user is None:
        passwords.burn_verify_time(password or "")
        return None
    if not passwords.verify_password(user.password_hash, password or ""):
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    now = utcnow()
    user.previous_login_at = user.last_login_at  # not stored: the caller's "Welcome" or "Welcome back"
    user.last_login_at = now
    db.session.add(SignIn(user_id=user.id, created_at=now, ip_address=(ip_address or "")[:64],
                          user_agent=(user_agent or "")[:200]))
    db.session.execute(delete(SignIn).where(
        SignIn.user_id == user.id,
        SignIn.created_at < now - timedelta(days=current_app.config["SIGNIN_HISTORY_DAYS"])))
    commit_and_publish()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Also ends every other session: the alternative id changes."""
    if not passwords.verify_password(user.password_hash, current or ""):
        raise _fail("current_password", _("Your current password is not right."))
    problems = passwords.password_problems(new or "", username=user.username, email=user.email)
    if problems:
        raise ValidationError(_("Please choose another password."), {"new_password": problems})
    user.password_hash = passwords.hash_password(new)
    user.session_token = new_session_token()
    commit_and_publish()
    events.end_live_sessions(user.id)


def end_other_sessions(user: User) -> None:
    user.session_token = new_session_token()
    commit_and_publish()
    events.end_live_sessions(user.id)  # open pages stop hearing private events and reconnect


def change_email(user: User, password: str, new_email: str) -> str | None:
    """Send a confirmation link to the new address; the address changes when it is followed.
    Returns the new address (None when it is the current one)."""
    if not passwords.verify_password(user.password_hash, password or ""):
        raise _fail("password", _("Your password is not right."))
    email = normalize_email(new_email)
    if email == user.email:
        return None
    owner = db.session.scalar(select(User).where(User.email == email))
    # The same answer whether or not another account has the address (saying so would tell anyone
    # which addresses are registered): its owner is told by email instead, and nothing changes.
    token = signing.sign_for(user, signing.EMAIL_CHANGE, {"e": email})
    if owner is None:
        mail.queue(user, "email_change", _l("Confirm your new email address"), "email_change",
                   link=mail.absolute(f"/confirm-email/{token}"), new_email=email, to_addr=email, asked_here=True)
    elif owner.deleted_at is None:
        mail.queue(owner, "email_taken", _l("Someone tried to use your address for another account"),
                   "email_taken", to_addr=owner.email, login_link=mail.absolute("/login"))
    commit_and_publish()
    return email


def update_profile(user: User, display_name: str, bio: str) -> None:
    policy.require(user, "profile.edit", user)
    display_name = _check_display_name(display_name)
    bio = (bio or "").strip()
    if len(bio) > BIO_MAX:
        raise _fail("bio", _("A bio has at most %(BIO_MAX)s characters.", BIO_MAX=BIO_MAX))
    user.display_name = display_name
    user.bio = bio
    commit_and_publish()


def set_locale(user: User, locale: str | None) -> None:
    """The language the person reads the forum in (and gets emails in); None: their browser's."""
    policy.require(user, "settings.language", user)
    if locale is not None and locale not in LANGUAGES:
        raise _fail("locale", _("Choose one of the languages offered."))
    user.locale = locale
    commit_and_publish()


def get_by_username(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username_key == (username or "").lower()))
    if user is None or user.deleted_at is not None:
        raise NotFound(_("There is no user with that name."))
    return user


def set_role(actor: User, user: User, role: str) -> None:
    policy.require(actor, "user.set_role", user)
    if role not in ROLES:
        raise _fail("role", _("Unknown role; choose one of %(join)s.", join=', '.join(ROLES)))
    if user.role == role:
        return
    db.session.add(ModerationAction(actor_id=actor.id, action=f"role.{role}", target_type="user",
                                    target_id=user.id, reason=f"{user.role} -> {role}"))
    user.role = role
    commit_and_publish()
    events.end_live_sessions(user.id)  # a former moderator stops hearing the staff rooms


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
