"""Forms of the concept pages. They parse and bound the input; forum.services.concepts decides
what is valid (choices are not checked here, so an unknown stage or currency gets the service's
clear message rather than WTForms' "Not a valid choice")."""
from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

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
CURRENCY_CHOICES = [(c, c) for c in CURRENCIES]


class ConceptForm(ForumForm):
    title = StringField("Title", render_kw={"maxlength": TITLE_MAX},
                        description=f"What is it? At most {TITLE_MAX} characters.")
    summary = StringField("One-line summary", render_kw={"maxlength": SUMMARY_MAX},
                          description="Shown in lists. One sentence that makes someone want to read on.")
    description = TextAreaField("Description", description="Markdown: **bold**, lists, links. "
                                "Who is it for, what problem does it solve, what are you unsure about?")
    tags = StringField("Tags", description=f"Comma-separated, at most {TAGS_MAX}, "
                       f"each at most {TAG_MAX} characters, e.g. “kitchen, zero waste”.")
    currency = SelectField("Currency for price questions", choices=CURRENCY_CHOICES, default="EUR",
                           validate_choice=False)
    feedback_open = BooleanField("Open for feedback (votes and answers)", default=True)
    kano_enabled = BooleanField("Ask the Kano questions about each feature")
    price_question_enabled = BooleanField("Ask what people would pay")
    price_three_questions = BooleanField(
        "Ask only three price questions (leave out “too cheap”)",
        description="People then name a bargain price, a getting-expensive price and a too-expensive "
                    "price. The lower end of the acceptable range and the optimal price point need the "
                    "“too cheap” answers, so they are not computed.")


class NewConceptForm(ConceptForm):
    organization = SelectField("Organization", coerce=str, validate_choice=False)
    stage = SelectField("Stage", choices=STAGE_CHOICES, default="idea", validate_choice=False)


class StageForm(ForumForm):
    stage = SelectField("Move to stage", choices=STAGE_CHOICES, validate_choice=False)
    note = StringField("Note (optional)", render_kw={"maxlength": NOTE_MAX},
                       description="What changed, in a sentence. Followers see it.")


class FeatureForm(ForumForm):
    title = StringField("Feature", render_kw={"maxlength": FEATURE_TITLE_MAX})
    description = TextAreaField("Short description (optional)",
                                render_kw={"maxlength": FEATURE_DESCRIPTION_MAX},
                                description=f"At most {FEATURE_DESCRIPTION_MAX} characters.")


class MoveForm(ForumForm):
    direction = HiddenField()
