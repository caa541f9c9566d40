"""Decision updates on a concept: the organization's form; the history shows on the concept page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Length, Optional

from forum import policy
from forum.errors import ValidationError
from forum.i18n import _, _l
from forum.models import STAGES
from forum.services import concepts, decisions, demand, feedback
from forum.web.bodies import ForumForm
from forum.web.utils import apply_errors

bp = Blueprint("decisions", __name__)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form: ForumForm) -> None:  # the service checks the ids
        pass


class DecisionForm(ForumForm):
    title = StringField(_l("What did you decide?"), validators=[
        DataRequired(_l("Say in one line what you decided.")),
        Length(max=decisions.TITLE_MAX, message=_l("At most %(TITLE_MAX)s characters.", TITLE_MAX=decisions.TITLE_MAX))],
        description=_l("One line, e.g. “We are building it, with the bread-freshness sensor.”"))
    body = TextAreaField(_l("Why"), validators=[Optional(), Length(max=decisions.BODY_MAX)],
                         description=_l("Markdown. Tell people what their feedback changed."))
    stage = SelectField(_l("Move the concept to"), choices=[("", _l("Keep the current stage"))], default="",
                        validate_choice=False)  # the service checks the stage
    price = StringField(_l("Price set (optional)"), validators=[Optional(), Length(max=20)])
    adopted = MultiCheckboxField(_l("Features adopted"), choices=[], coerce=str)
    dropped = MultiCheckboxField(_l("Features dropped"), choices=[], coerce=str)


def _form(concept, formdata: bool = True) -> DecisionForm:
    form = DecisionForm() if formdata else DecisionForm(formdata=None)
    form.stage.choices = [("", _("Keep the current stage (%(lower)s)", lower=concepts.STAGE_LABELS[concept.stage].lower()))] + [
        (s, concepts.STAGE_LABELS[s]) for s in STAGES if s != concept.stage]
    features = [(str(f.id), f.title) for f in concept.features]
    form.adopted.choices = features
    form.dropped.choices = features
    form.price.label.text = _("Price set, in %(currency)s (optional)", currency=concept.currency)
    return form


def _range(concept) -> dict | None:
    result = demand.price_result(concept)
    if result is None:
        return None
    return {"low": result.pmc, "high": result.pme, "n": result.n, "currency": concept.currency}


@bp.route("/concepts/<slug>/decisions/new", methods=["GET", "POST"])
@login_required
def new(slug: str) -> Response | tuple[str, int]:
    concept = concepts.get_by_slug(slug, current_user)
    policy.require(current_user, "decision.create", concept)
    form = _form(concept)
    if form.validate_on_submit():
        try:
            decision = decisions.create(current_user, concept, form.title.data, form.body.data, form.stage.data,
                                        form.price.data, form.adopted.data, form.dropped.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your decision is posted; everyone who helped shape this concept is told."), "success")
            return redirect(url_for("concepts.show", slug=concept.slug) + f"#decision-{decision.id}")
    status = 400 if form.is_submitted() else 200
    return render_template("concepts/decision_new.html", concept=concept, form=form,
                           price_range=_range(concept), money=feedback.money,
                           # the people told: everyone who shaped it, never the author herself
                           participants=len(decisions.participants(concept) - {current_user.id})), status
