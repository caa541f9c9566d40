"""Forms of the concept pages. They parse and bound the input; forum.services.concepts decides
what is valid (choices are not checked here, so an unknown stage or currency gets the service's
clear message rather than WTForms' "Not a valid choice")."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from forum.i18n import _l, currency_choice
from forum.models import STAGES
from forum.services.concepts import (
    CURRENCIES,
    FEATURE_DESCRIPTION_MAX,
    FEATURE_TITLE_MAX,
    NOTE_MAX,
    STAGE_LABELS,
    SUMMARY_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
)
from forum.web.bodies import ForumForm

STAGE_CHOICES = [(s, STAGE_LABELS[s]) for s in STAGES]
CURRENCY_CHOICES = [(c, currency_choice(c)) for c in CURRENCIES]


class ConceptForm(ForumForm):
    title = StringField(_l("Title"), render_kw={"maxlength": TITLE_MAX},
                        description=_l("What is it? At most %(TITLE_MAX)s characters.", TITLE_MAX=TITLE_MAX))
    summary = StringField(_l("One-line summary"), render_kw={"maxlength": SUMMARY_MAX},
                          description=_l("Shown in lists. One sentence that makes someone want to read on."))
    description = TextAreaField(_l("Description"), description=_l("Markdown: **bold**, lists, links. "
                                "Who is it for, what problem does it solve, what are you unsure about?"))
    tags = StringField(_l("Tags"), description=_l("Comma-separated, at most %(TAGS_MAX)s, each at most %(TAG_MAX)s characters, e.g. “kitchen, zero waste”.", TAGS_MAX=TAGS_MAX, TAG_MAX=TAG_MAX))
    currency = SelectField(_l("Currency for price questions"), choices=CURRENCY_CHOICES, default="EUR",
                           validate_choice=False)
    feedback_open = BooleanField(_l("Open for feedback (votes and answers)"), default=True)
    kano_enabled = BooleanField(_l("Ask the Kano questions about each feature"))
    price_question_enabled = BooleanField(_l("Ask what people would pay"))
    price_three_questions = BooleanField(
        _l("Ask only three price questions (leave out “too cheap”)"),
        description=_l("People then name a bargain price, a getting-expensive price and a too-expensive "
                    "price. The lower end of the acceptable range and the optimal price point need the "
                    "“too cheap” answers, so they are not computed."))


class NewConceptForm(ConceptForm):
    organization = SelectField(_l("Organization"), coerce=str, validate_choice=False)
    stage = SelectField(_l("Stage"), choices=STAGE_CHOICES, default="idea", validate_choice=False)


class StageForm(ForumForm):
    stage = SelectField(_l("Move to stage"), choices=STAGE_CHOICES, validate_choice=False)
    note = StringField(_l("Note (optional)"), render_kw={"maxlength": NOTE_MAX},
                       description=_l("What changed, in a sentence. Followers see it."))


class FeatureForm(ForumForm):
    title = StringField(_l("Feature"), render_kw={"maxlength": FEATURE_TITLE_MAX})
    description = TextAreaField(_l("Short description (optional)"),
                                render_kw={"maxlength": FEATURE_DESCRIPTION_MAX},
                                description=_l("At most %(FEATURE_DESCRIPTION_MAX)s characters.", FEATURE_DESCRIPTION_MAX=FEATURE_DESCRIPTION_MAX))


class MoveForm(ForumForm):
    direction = HiddenField()
