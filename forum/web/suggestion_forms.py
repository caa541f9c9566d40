"""Forms of issue 20: suggestions (suggest, support, adopt, decline, merge), reactions, webhooks.
They bound the input; the services decide what is valid."""
from __future__ import annotations

from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length

from forum.i18n import _l
from forum.models import WEBHOOK_EVENTS
from forum.web.bodies import ForumForm


class SuggestionForm(ForumForm):
    title = StringField(_l("Your suggestion"), validators=[Length(max=200)],
                        description=_l("A short name for the feature, e.g. “Pause my subscription”."))
    why = TextAreaField(_l("Why it matters"), validators=[Length(max=4000)],
                        description=_l("What would it let you do? Others can support it."))


class SupportForm(ForumForm):
    value = StringField(_l("Support"), validators=[Length(max=8)])


class AdoptForm(ForumForm):
    title = StringField(_l("Feature title"), validators=[Length(max=200)],
                        description=_l("Leave it as suggested, or tidy the wording."))


class DeclineForm(ForumForm):
    reason = TextAreaField(_l("Why not (everyone will read this)"), validators=[Length(max=1000)])


class MergeForm(ForumForm):
    target = SelectField(_l("Merge into"), choices=[], validate_choice=False)


class ReactionForm(ForumForm):
    kind = StringField(_l("Reaction"), validators=[Length(max=16)])


class WebhookForm(ForumForm):
    url = StringField(_l("Endpoint address"), validators=[Length(max=600)],
                      description=_l("An https:// address of your own service."))
    events = SelectMultipleField(_l("Events"), choices=[(name, name) for name in WEBHOOK_EVENTS],
                                 validate_choice=False)
