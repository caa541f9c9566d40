"""Role matrix: personal data, email links, privacy settings, decisions."""
from __future__ import annotations

from tests.web.matrix import Case, same, signed_in


def _unsubscribe_token(o):
    from flask import current_app

    from forum.services import signing

    with current_app.test_request_context():
        return signing.sign(signing.UNSUBSCRIBE, {"u": o["consumer"].id, "k": "digest"})


CASES = {
    ("account.export", "GET"): Case(lambda o: "/account/export", signed_in(200)),
    ("account.delete", "GET"): Case(lambda o: "/account/delete", signed_in(200)),
    # A wrong password: nobody is deleted by the matrix, every signed-in role gets the form again.
    ("account.delete", "POST"): Case(lambda o: "/account/delete", signed_in(400),
                                     data=lambda o: {"password": "not the password", "feedback": "keep"}),
    ("account.update_privacy", "POST"): Case(lambda o: "/settings/privacy", signed_in("redirect"),
                                             data=lambda o: {"profile_public": "y", "email_notifications": "y"}),
    ("account.resend_verification", "POST"): Case(lambda o: "/settings/verify-email", signed_in("redirect")),
    ("account.privacy_page", "GET"): Case(lambda o: "/privacy", same(200)),
    ("account.verify_email", "GET"): Case(lambda o: "/verify-email/forged.token", same(400)),
    ("account.confirm_email", "GET"): Case(lambda o: "/confirm-email/forged.token", same(400)),
    ("account.reset_request", "GET"): Case(lambda o: "/reset-password", same(200)),
    ("account.reset_request", "POST"): Case(lambda o: "/reset-password", same("login"),
                                            data=lambda o: {"email": "nobody@example.test"}),
    ("account.reset_password", "GET"): Case(lambda o: "/reset-password/forged.token", same(400)),
    ("account.reset_password", "POST"): Case(lambda o: "/reset-password/forged.token", same(400),
                                             data=lambda o: {"password": "a long new passphrase"}),
    ("account.unsubscribe_page", "GET"): Case(lambda o: f"/unsubscribe/{_unsubscribe_token(o)}", same(200)),
    ("account.unsubscribe", "POST"): Case(lambda o: f"/unsubscribe/{_unsubscribe_token(o)}", same(200)),
}

CASES.update({
    ("decisions.new", "GET"): Case(lambda o: f"/concepts/{o['concept'].slug}/decisions/new",
                                   same(403, visitor="login", member=200, owner=200)),
    ("decisions.new", "POST"): Case(lambda o: f"/concepts/{o['concept'].slug}/decisions/new",
                                    same(403, visitor="login", member="redirect", owner="redirect"),
                                    data=lambda o: {"title": "We are building it", "body": "Because you asked."}),
})
