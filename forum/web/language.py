"""The language chooser: the footer's buttons and the Settings form post here."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from forum import pagecache
from forum.errors import ValidationError
from forum.i18n import COOKIE_MAX_AGE, LANGUAGE_COOKIE, LANGUAGES, _, normalise
from forum.services import accounts
from forum.web.utils import safe_next

bp = Blueprint("language", __name__)

FOLLOW_BROWSER = "browser"


@bp.get("/language")
def chooser() -> str:
    """The chooser as a page: a visitor's cached pages link here (they carry no form, so no token)."""
    return render_template("language.html", next=safe_next(request.args.get("next"), "/"),
                           wanted=normalise(request.args.get("lang")))


@bp.post("/language")
def choose() -> Response:
    """Remember the language in a cookie (and, for a signed-in person, in their settings), then go
    back to the page the person was on. "browser" forgets the choice: Accept-Language decides."""
    wanted = request.form.get("lang", "")
    target = safe_next(request.form.get("next"), "/")
    locale = None if wanted == FOLLOW_BROWSER else normalise(wanted)
    if wanted != FOLLOW_BROWSER and locale not in LANGUAGES:
        raise ValidationError(_("Choose one of the languages offered."))
    if current_user.is_authenticated:
        accounts.set_locale(current_user, locale)
    response = redirect(target)
    if locale is None:
        response.delete_cookie(LANGUAGE_COOKIE)
    else:
        response.set_cookie(LANGUAGE_COOKIE, locale, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response


@bp.after_app_request
def _remember_chosen_language(response: Response) -> Response:
    """A signed-in person whose browser has no language cookie (another device, after signing in)
    gets the one they chose in Settings: the cookie is what every page, cached or not, reads."""
    req = request._get_current_object()  # type: ignore[attr-defined] - the request, not its proxy
    if LANGUAGE_COOKIE in req.cookies or req.endpoint in (None, "static", "language.choose"):
        return response  # the cookie is there (every page after the first of someone who chose)
    user = pagecache.reader()
    if getattr(user, "is_authenticated", False) and user.locale in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, user.locale, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    return response
