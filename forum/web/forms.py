"""Flask-WTF forms: they parse and bound the input; services decide what is valid in the domain."""
from __future__ import annotations

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from forum.i18n import _l
from forum.services.passwords import MAX_LENGTH as PASSWORD_MAX
from forum.web.bodies import ForumForm


class RegisterForm(ForumForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Choose a username.")), Length(max=32, message=_l("A username has at most 32 characters."))],
                           description=_l("3 to 32 letters, digits or underscores. Shown publicly."))
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")), Length(max=254, message=_l("An email address has at most 254 characters."))],
                       description=_l("Never shown to anyone else."))
    display_name = StringField(_l("Display name (optional)"), validators=[Optional(), Length(max=64, message=_l("A display name has at most 64 characters."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password.")), Length(max=PASSWORD_MAX)],
                             description=_l("At least 8 characters. A long passphrase is best; paste from a password manager is fine."))


class LoginForm(ForumForm):
    login = StringField(_l("Username or email"), validators=[DataRequired(_l("Enter your username or email.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class ProfileForm(ForumForm):
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=64, message=_l("A display name has at most 64 characters."))])
    bio = TextAreaField(_l("Short bio"), validators=[Optional(), Length(max=500, message=_l("A bio has at most 500 characters."))])


class PasswordChangeForm(ForumForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password.")), Length(max=PASSWORD_MAX)])


class EmailChangeForm(ForumForm):
    email = EmailField(_l("New email"), validators=[DataRequired(_l("Enter the new email address.")), Length(max=254)])
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password to confirm."))])


class OrganizationForm(ForumForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the organization a name.")), Length(max=80, message=_l("A name has at most 80 characters."))])
    description = TextAreaField(_l("What you make"), validators=[Optional(), Length(max=2000, message=_l("A description has at most 2000 characters."))])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=255)], description=_l("https://…"))
    logo_url = StringField(_l("Logo address (optional)"), validators=[Optional(), Length(max=255)])
    publish_price_summary = BooleanField(
        _l("Publish the demand summaries of our concepts to everyone"),
        description=_l("Everyone may then read each concept's summary page and its summary in the API "
                       "(tallies, ranking, price points). The answers themselves (the CSV files, the "
                       "workbook, summary.json) stay with your members and your API tokens, and people "
                       "who asked to be credited are named only to you."))
    commitments = TextAreaField(
        _l("Our commitments"), validators=[Optional(), Length(max=2000, message=_l("Commitments have at most 2000 characters."))],
        description=_l("In your own words: how soon you answer questions, what you do with feedback. "
                    "Shown on your public page beside the record the forum measures."))


class MemberForm(ForumForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter the person's username.")), Length(max=32)])
    role = SelectField(_l("Role"), choices=[("member", _l("Member")), ("owner", _l("Owner"))], default="member")


class RoleForm(ForumForm):
    role = SelectField(_l("Role"), choices=[("consumer", _l("Consumer")), ("moderator", _l("Moderator")), ("admin", _l("Administrator"))])


class ConfirmForm(ForumForm):
    """A button that only carries the CSRF token."""


class PrivacyForm(ForumForm):
    profile_public = BooleanField(_l("Show my profile (bio, organizations) to everyone"),
                                  description=_l("Off: others see only your name beside your posts."))
    credit_by_name = BooleanField(_l("Organizations may credit me by name in their exports"),
                                  description=_l("Off: exports show you only as a pseudonym."))
    email_notifications = BooleanField(_l("Email me replies, mentions, official answers and stage changes"))
    email_decisions = BooleanField(_l("Email me when a concept I helped shape has a decision"))
    email_digest = BooleanField(_l("Send me a weekly digest of what I missed"))


class ResendVerificationForm(ForumForm):
    """A button that only carries the CSRF token."""


class ResetRequestForm(ForumForm):
    email = EmailField(_l("Your account's email"), validators=[DataRequired(_l("Enter your email address.")), Length(max=254)])


class ResetPasswordForm(ForumForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password.")), Length(max=PASSWORD_MAX)],
                             description=_l("At least 8 characters. A long passphrase is best."))


class DeleteAccountForm(ForumForm):
    password = PasswordField(_l("Your password"), validators=[DataRequired(_l("Enter your password to confirm."))])
    feedback = RadioField(
        _l("Your votes and answers"), choices=[
            ("keep", _l("Keep them in the summaries, anonymously")),
            ("withdraw", _l("Remove them: the tallies and price summaries drop by my answers"))],
        validators=[DataRequired(_l("Choose what happens to your votes and answers."))])


class ApiTokenForm(ForumForm):
    name = StringField(_l("Label"), validators=[DataRequired(_l("Give the token a label.")),
                                            Length(max=80, message=_l("A label has at most 80 characters."))],
                       description=_l("What the token is for, e.g. “R export” or “weekly report”."))
