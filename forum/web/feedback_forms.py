"""Forms of the co-creation panel. They parse and bound the input; forum.services.feedback decides
what is valid (so the typed text is kept and every message names the question it is about)."""
from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from forum.analytics.kano import ANSWER_LABELS, ANSWERS
from forum.i18n import _, _l, lazy_gettext
from forum.services.feedback import INTENT_LABELS, PRICE_QUESTIONS
from forum.web.bodies import ForumForm


def _intent_choices() -> list[SelectChoice]:
    """Built per form, in the reader's language (the labels come from forum.services.feedback)."""
    return [SelectChoice("", _("Rather not say"))] + [
        SelectChoice(str(k), f"{k} – {_(v)}") for k, v in INTENT_LABELS.items()]


KANO_CHOICES = [SelectChoice(answer, lazy_gettext(ANSWER_LABELS[answer])) for answer in ANSWERS]


class VoteForm(ForumForm):
    value = SelectField(_l("Vote"), choices=[SelectChoice("up", _l("For")), SelectChoice("down", _l("Against")),
                                 SelectChoice("clear", _l("Withdraw"))],
                        validate_choice=False)


def _price_field(label: str, help_text: str) -> StringField:
    return StringField(lazy_gettext(label), validators=[Optional(), Length(max=32, message=_l("That is too long for a price."))],
                       description=lazy_gettext(help_text), render_kw={"inputmode": "decimal", "autocomplete": "off"})


class PriceForm(ForumForm):
    """The Van Westendorp questions; prices are kept as typed so a refused answer is shown again."""

    too_cheap = _price_field(PRICE_QUESTIONS[0][1], PRICE_QUESTIONS[0][2])
    cheap = _price_field(PRICE_QUESTIONS[1][1], PRICE_QUESTIONS[1][2])
    expensive = _price_field(PRICE_QUESTIONS[2][1], PRICE_QUESTIONS[2][2])
    too_expensive = _price_field(PRICE_QUESTIONS[3][1], PRICE_QUESTIONS[3][2])
    intent_cheap = SelectField(_l("How likely would you buy it at your “a bargain” price?"),
                               choices=_intent_choices, validate_choice=False, default="")
    intent_expensive = SelectField(_l("How likely would you buy it at your “getting expensive” price?"),
                                   choices=_intent_choices, validate_choice=False, default="")

    def prices(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in
                ("too_cheap", "cheap", "expensive", "too_expensive", "intent_cheap", "intent_expensive")}


class KanoFormBase(ForumForm):
    feature_ids: list[int] = []

    def answers(self) -> dict[int, tuple[str | None, str | None]]:
        return {fid: (getattr(self, f"f{fid}_functional").data or None,
                      getattr(self, f"f{fid}_dysfunctional").data or None)
                for fid in self.feature_ids}

    def pairs(self) -> list[tuple[Any, Any, Any]]:
        """(feature_id, functional field, dysfunctional field) in the order of the features."""
        return [(fid, getattr(self, f"f{fid}_functional"), getattr(self, f"f{fid}_dysfunctional"))
                for fid in self.feature_ids]


def kano_form(features: list[Any], existing: dict[int, tuple[str, str]] | None = None,
              **kwargs: Any) -> KanoFormBase:
    """A form with the two Kano questions for each feature, pre-filled with earlier answers."""

    class KanoForm(KanoFormBase):
        pass

    existing = existing or {}
    KanoForm.feature_ids = [f.id for f in features]
    for feature in features:
        functional, dysfunctional = existing.get(feature.id, (None, None))
        setattr(KanoForm, f"f{feature.id}_functional", RadioField(
            _("If the product has “%(title)s”, how do you feel?", title=feature.title), choices=KANO_CHOICES,
            validate_choice=False, default=functional))
        setattr(KanoForm, f"f{feature.id}_dysfunctional", RadioField(
            _("If it does not have “%(title)s”, how do you feel?", title=feature.title), choices=KANO_CHOICES,
            validate_choice=False, default=dysfunctional))
    return KanoForm(**kwargs)
