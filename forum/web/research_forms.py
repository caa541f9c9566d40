"""Forms of the research questions: setting them up (members) and answering them (consumers).
They parse and bound the input; forum.services.research and .research_setup decide what is valid."""
from __future__ import annotations

from typing import Any

from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from forum.i18n import _l
from forum.web.bodies import ForumForm


class LadderForm(ForumForm):
    ladder = StringField(_l("Prices to ask"), validators=[Length(max=200)],
                         description=_l("3 to 9 prices, separated by commas, e.g. 9, 12, 15, 19. "
                                        "Leave empty to stop asking."))
    clear_answers = BooleanField(_l("Delete the answers given on the current prices"))


class SwitchForm(ForumForm):
    enabled = BooleanField(_l("Ask people to pick the most and the least important features"))


class QuestionForm(ForumForm):
    text = StringField(_l("Question"), validators=[InputRequired(), Length(max=200)],
                       description=_l("For example: How often do you buy bread?"))
    choices = TextAreaField(_l("Answers"), validators=[InputRequired(), Length(max=2000)],
                            description=_l("2 to 8 answers, one a line."))


class EmptyForm(ForumForm):
    """A POST with nothing but its CSRF token (delete, start again)."""


class BuyForm(ForumForm):
    """One Gabor-Granger question: the price shown and yes or no."""

    price = HiddenField(validators=[InputRequired(), Length(max=20)])
    answer = RadioField(_l("Would you buy it at this price?"),
                        choices=[("yes", _l("Yes")), ("no", _l("No"))], validate_choice=True,
                        validators=[InputRequired(message=_l("Answer yes or no."))])


class BestWorstForm(ForumForm):
    """One MaxDiff set: its number and features as shown, and the two picks."""

    number = IntegerField(validators=[InputRequired()])
    shown = HiddenField(validators=[InputRequired(), Length(max=200)])
    best = RadioField(_l("Most important"), coerce=int, validate_choice=False,
                      validators=[InputRequired(message=_l("Pick the most important feature."))])
    worst = RadioField(_l("Least important"), coerce=int, validate_choice=False,
                       validators=[InputRequired(message=_l("Pick the least important feature."))])


class ProfileFormBase(ForumForm):
    question_ids: list[int] = []

    def answers(self) -> dict[int, int | None]:
        out: dict[int, int | None] = {}
        for qid in self.question_ids:
            raw = getattr(self, f"q{qid}").data
            out[qid] = int(raw) if raw not in (None, "", "None") and str(raw).isdigit() else None
        return out

    def fields(self) -> list[Any]:
        return [getattr(self, f"q{qid}") for qid in self.question_ids]


def profile_form(questions: list[Any], existing: dict[int, int], **kwargs: Any) -> ProfileFormBase:
    """A radio group per profile question, with "Rather not say"; pre-filled with earlier answers."""

    class ProfileForm(ProfileFormBase):
        pass

    ProfileForm.question_ids = [q.id for q in questions]
    for question in questions:
        choices = [(str(c.id), c.label) for c in question.choices] + [("", _l("Rather not say"))]
        setattr(ProfileForm, f"q{question.id}", RadioField(
            question.text, choices=choices, validate_choice=False, validators=[Optional()],
            default=str(existing.get(question.id, ""))))
    return ProfileForm(**kwargs)
