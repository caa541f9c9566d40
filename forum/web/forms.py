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
    username = StringField("Username", validators=[DataRequired("Choose a username."), Length(max=32, message="A username has at most 32 characters.")],
                           description="3 to 32 letters, digits or underscores. Shown publicly.")
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254, message="An email address has at most 254 characters.")],
                       description="Never shown to anyone else.")
    display_name = StringField("Display name (optional)", validators=[Optional(), Length(max=64, message="A display name has at most 64 characters.")])
    password = PasswordField("Password", validators=[DataRequired("Choose a password."), Length(max=PASSWORD_MAX)],
                             description="At least 8 characters. A long passphrase is best; paste from a password manager is fine.")


class LoginForm(ForumForm):
    login = StringField("Username or email", validators=[DataRequired("Enter your username or email."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=PASSWORD_MAX)])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ProfileForm(ForumForm):
    display_name = StringField("Display name", validators=[Optional(), Length(max=64, message="A display name has at most 64 characters.")])
    bio = TextAreaField("Short bio", validators=[Optional(), Length(max=500, message="A bio has at most 500 characters.")])


class PasswordChangeForm(ForumForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField("New password", validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX)])


class EmailChangeForm(ForumForm):
    email = EmailField("New email", validators=[DataRequired("Enter the new email address."), Length(max=254)])
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm.")])


class OrganizationForm(ForumForm):
    name = StringField("Name", validators=[DataRequired("Give the organization a name."), Length(max=80, message="A name has at most 80 characters.")])
    description = TextAreaField("What you make", validators=[Optional(), Length(max=2000, message="A description has at most 2000 characters.")])
    website = StringField("Website", validators=[Optional(), Length(max=255)], description="https://…")
    logo_url = StringField("Logo address (optional)", validators=[Optional(), Length(max=255)])
    publish_price_summary = BooleanField(
        _l("Publish the demand summaries of our concepts to everyone"),
        description=_l("Everyone may then read each concept's summary page and its summary in the API "
                       "(tallies, ranking, price points). The answers themselves (the CSV files, the "
                       "workbook, summary.json) stay with your members and your API tokens, and people "
                       "who asked to be credited are named only to you."))
    commitments = TextAreaField(
        "Our commitments", validators=[Optional(), Length(max=2000, message="Commitments have at most 2000 characters.")],
        description="In your own words: how soon you answer questions, what you do with feedback. "
                    "Shown on your public page beside the record the forum measures.")


class MemberForm(ForumForm):
    username = StringField("Username", validators=[DataRequired("Enter the person's username."), Length(max=32)])
    role = SelectField("Role", choices=[("member", "Member"), ("owner", "Owner")], default="member")


class RoleForm(ForumForm):
    role = SelectField("Role", choices=[("consumer", "Consumer"), ("moderator", "Moderator"), ("admin", "Admin")])


class ConfirmForm(ForumForm):
    """A button that only carries the CSRF token."""


class PrivacyForm(ForumForm):
    profile_public = BooleanField("Show my profile (bio, organizations) to everyone",
                                  description="Off: others see only your name beside your posts.")
    credit_by_name = BooleanField("Organizations may credit me by name in their exports",
                                  description="Off: exports show you only as a pseudonym.")
    email_notifications = BooleanField("Email me replies, mentions, official answers and stage changes")
    email_decisions = BooleanField("Email me when a concept I helped shape has a decision")
    email_digest = BooleanField("Send me a weekly digest of what I missed")


class ResendVerificationForm(ForumForm):
    """A button that only carries the CSRF token."""


class ResetRequestForm(ForumForm):
    email = EmailField("Your account's email", validators=[DataRequired("Enter your email address."), Length(max=254)])


class ResetPasswordForm(ForumForm):
    password = PasswordField("New password", validators=[DataRequired("Choose a new password."), Length(max=PASSWORD_MAX)],
                             description="At least 8 characters. A long passphrase is best.")


class DeleteAccountForm(ForumForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to confirm.")])
    feedback = RadioField(
        "Your votes and answers", choices=[
            ("keep", "Keep them in the summaries, anonymously"),
            ("withdraw", "Remove them: the tallies and price summaries drop by my answers")],
        validators=[DataRequired("Choose what happens to your votes and answers.")])


class ApiTokenForm(ForumForm):
    name = StringField("Label", validators=[DataRequired("Give the token a label."),
                                            Length(max=80, message="A label has at most 80 characters.")],
                       description="What the token is for, e.g. “R export” or “weekly report”.")
