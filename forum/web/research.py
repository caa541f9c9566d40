"""Research questions of a concept: set up by its organization (price ladder, best-worst sets,
profile questions) and answered by consumers (would you buy it at this price?, the most and least
important features, a few facts about them). Every step is a plain POST form; no script needed."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import policy
from forum.analytics import maxdiff
from forum.errors import Conflict, ValidationError
from forum.i18n import _
from forum.models import Concept, utcnow
from forum.services import feedback, research, research_setup
from forum.web import words
from forum.web.research_forms import (
    BestWorstForm,
    BuyForm,
    EmptyForm,
    LadderForm,
    QuestionForm,
    SwitchForm,
    profile_form,
)
from forum.web.utils import apply_errors

bp = Blueprint("research", __name__, url_prefix="/concepts")
WALKS = "gabor_granger_walks"  # session key: {concept id: {"start": price, "answers": [[price, yes, when]]}}


def _concept_page(concept: Concept, anchor: str = "research") -> str:
    return url_for("concepts.show", slug=concept.slug, _anchor=anchor)


def _closed_or_refused(concept: Concept) -> bool:
    """403 for members and suspended people (with the reason); True when feedback is closed."""
    why = policy.refusal(current_user, "feedback.answer", concept)
    if why is not None and why.error is not Conflict:
        raise why.exception()
    return why is not None


@bp.app_template_global()
def research_asks(concept: Concept) -> dict[str, Any]:
    """What the concept page's panel says about the research questions, for the reader."""
    features = research.maxdiff_features(concept)
    walk = research.my_gabor_granger(current_user, concept) if concept.ladder else None
    return {
        "ladder": concept.ladder,
        "walk": walk,
        "walk_answered": walk is not None,
        "maxdiff_sets": maxdiff.sets_needed(len(features)) if features else 0,
        "maxdiff_size": maxdiff.set_size(len(features)) if features else 0,
        "maxdiff_done": research.answered_sets(current_user, concept) if features else 0,
        "questions": len(concept.segment_questions),
        "profile_done": len(research.my_segments(current_user, concept)) if concept.segment_questions else 0,
    }


# --- set-up (members) ---------------------------------------------------------------------------

def _manageable(slug: str) -> Concept:
    concept = feedback.get_concept(slug, current_user)
    policy.require(current_user, "research.manage", concept)
    return concept


def _settings(concept: Concept, status: int = 200, **forms: Any) -> tuple[str, int]:
    ladder = forms.get("ladder") or LadderForm(formdata=None, ladder=", ".join(
        f"{price.normalize():f}" for price in concept.ladder))
    return render_template(
        "research/settings.html", concept=concept, ladder_form=ladder,
        switch_form=forms.get("switch") or SwitchForm(formdata=None, enabled=concept.maxdiff_enabled),
        question_form=forms.get("question") or QuestionForm(formdata=None), empty_form=EmptyForm(formdata=None),
        active=sum(1 for f in concept.features if f.retired_at is None), low=maxdiff.FEATURES_MIN,
        high=maxdiff.FEATURES_MAX, questions_max=research_setup.QUESTIONS_MAX), status


@bp.get("/<slug>/research")
@login_required
def settings(slug: str) -> tuple[str, int]:
    return _settings(_manageable(slug))


@bp.post("/<slug>/research/ladder")
@login_required
def set_ladder(slug: str) -> Response | tuple[str, int]:
    concept = _manageable(slug)
    form = LadderForm()
    if form.validate_on_submit():
        try:
            deleted = research_setup.set_ladder(current_user, concept, form.ladder.data or "",
                                                form.clear_answers.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("The price ladder is saved; %(n)d earlier answers were deleted.", n=deleted) if deleted
                  else _("The price ladder is saved."), "success")
            return redirect(url_for("research.settings", slug=concept.slug), 303)
    return _settings(concept, 400, ladder=form)


@bp.post("/<slug>/research/maxdiff")
@login_required
def set_maxdiff(slug: str) -> Response | tuple[str, int]:
    concept = _manageable(slug)
    form = SwitchForm()
    if form.validate_on_submit():
        try:
            research_setup.set_maxdiff(current_user, concept, bool(form.enabled.data))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Best-worst sets are on.") if form.enabled.data else _("Best-worst sets are off."), "success")
            return redirect(url_for("research.settings", slug=concept.slug), 303)
    return _settings(concept, 400, switch=form)


@bp.post("/<slug>/research/questions")
@login_required
def add_question(slug: str) -> Response | tuple[str, int]:
    concept = _manageable(slug)
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            research_setup.add_question(current_user, concept, form.text.data, form.choices.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("The profile question is added."), "success")
            return redirect(url_for("research.settings", slug=concept.slug), 303)
    return _settings(concept, 400, question=form)


@bp.post("/<slug>/research/questions/<int:question_id>/delete")
@login_required
def remove_question(slug: str, question_id: int) -> Response:
    concept = _manageable(slug)
    question = research_setup.get_question(concept, question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    research_setup.remove_question(current_user, question)
    flash(_("The profile question and its answers are deleted."), "success")
    return redirect(url_for("research.settings", slug=concept.slug), 303)


# --- would you buy it at this price? (Gabor-Granger) -----------------------------------------------

def _walk(concept: Concept) -> dict[str, Any]:
    """The walk in progress (kept in the signed session cookie), started at a random rung."""
    walks = session.get(WALKS) or {}
    walk = walks.get(str(concept.id))
    if walk is not None:
        try:
            if Decimal(walk["start"]) not in concept.ladder:
                raise ValueError(walk["start"])
            if walk["answers"]:
                research.next_price(concept, _answers(walk))
        except (ValidationError, InvalidOperation, KeyError, TypeError, ValueError):
            walk = None  # the ladder changed since: start again
    if walk is None:
        walk = {"start": str(research.start_price(concept)), "answers": []}
        _keep(concept, walk)
    return walk


def _answers(walk: dict[str, Any]) -> list[tuple[Decimal, bool, datetime]]:
    return [(Decimal(price), bool(yes), datetime.fromisoformat(when)) for price, yes, when in walk["answers"]]


def _keep(concept: Concept, walk: dict[str, Any] | None) -> None:
    walks = dict(session.get(WALKS) or {})
    if walk is None:
        walks.pop(str(concept.id), None)
    else:
        walks[str(concept.id)] = walk
    session[WALKS] = walks


def _asking(concept: Concept, walk: dict[str, Any]) -> Decimal:
    answers = _answers(walk)
    return research.next_price(concept, answers) if answers else Decimal(walk["start"])


@bp.route("/<slug>/would-you-buy", methods=["GET", "POST"])
@login_required
def gabor_granger(slug: str) -> Response | tuple[str, int]:
    concept = feedback.get_concept(slug, current_user)
    research.ladder_of(concept)
    closed = _closed_or_refused(concept)
    walk = _walk(concept)
    price = _asking(concept, walk)
    form = BuyForm(price=str(price))
    if not closed and form.validate_on_submit():
        if form.price.data != str(price):
            flash(_("That question was already answered; here is the next one."), "info")
            return redirect(url_for("research.gabor_granger", slug=concept.slug), 303)
        walk["answers"].append([str(price), form.answer.data == "yes", utcnow().isoformat()])
        if research.next_price(concept, _answers(walk)) is not None:
            _keep(concept, walk)
            return redirect(url_for("research.gabor_granger", slug=concept.slug), 303)
        response = research.answer_gabor_granger(current_user, concept, _answers(walk))
        _keep(concept, None)
        highest = response.highest_price
        flash(_("Thank you. The most you would pay, of the prices asked, is %(price)s.",
                price=feedback.money(highest, concept.currency)) if highest is not None
              else _("Thank you. You would not buy it at any of the prices asked."), "success")
        _say_when_it_counts()
        return redirect(_concept_page(concept), 303)
    return render_template("research/gabor_granger.html", concept=concept, form=form, price=price,
                           closed=closed, step=len(walk["answers"]) + 1,
                           earlier=research.my_gabor_granger(current_user, concept)), \
        400 if form.is_submitted() else 200


def _say_when_it_counts() -> None:
    """A brand-new account's answers wait like its votes: say from when they count."""
    waiting = words.answers_wait(current_user)
    if waiting is not None:
        flash(waiting, "info")


# --- the most and the least important (MaxDiff) ----------------------------------------------------

@bp.route("/<slug>/best-worst", methods=["GET", "POST"])
@login_required
def best_worst(slug: str) -> Response | tuple[str, int]:
    concept = feedback.get_concept(slug, current_user)
    closed = _closed_or_refused(concept)
    current = research.next_set(current_user, concept)
    form = BestWorstForm()
    if current is not None:
        choices = [(f.id, f.title) for f in current.features]
        form.best.choices, form.worst.choices = choices, choices
    if not closed and form.validate_on_submit():
        try:
            research.answer_maxdiff(current_user, concept, form.number.data, form.shown.data,
                                    form.best.data, form.worst.data)
        except Conflict as exc:
            flash(exc.message, "info")
            return redirect(url_for("research.best_worst", slug=concept.slug), 303)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if research.next_set(current_user, concept) is None:  # the last set: the answers are in
                _say_when_it_counts()
            return redirect(url_for("research.best_worst", slug=concept.slug), 303)
    return render_template("research/best_worst.html", concept=concept, form=form, current=current,
                           closed=closed, empty_form=EmptyForm(formdata=None),
                           done=research.answered_sets(current_user, concept)), \
        400 if form.is_submitted() else 200


@bp.post("/<slug>/best-worst/restart")
@login_required
def restart_best_worst(slug: str) -> Response:
    concept = feedback.get_concept(slug, current_user)
    research.next_set(current_user, concept)  # NotFound when the concept does not ask
    if not EmptyForm().validate_on_submit():
        abort(400)
    research.restart_maxdiff(current_user, concept)
    flash(_("Your earlier picks are cleared; here is your first set again."), "success")
    return redirect(url_for("research.best_worst", slug=concept.slug), 303)


# --- about you (segments) ------------------------------------------------------------------------

@bp.route("/<slug>/about-you", methods=["GET", "POST"])
@login_required
def profile(slug: str) -> Response | tuple[str, int]:
    concept = feedback.get_concept(slug, current_user)
    questions = research.questions(concept)
    if not questions:
        abort(404)
    closed = _closed_or_refused(concept)
    form = profile_form(questions, research.my_segments(current_user, concept))
    if not closed and form.validate_on_submit():
        try:
            research.answer_segments(current_user, concept, form.answers())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Thank you; your answers are saved."), "success")
            return redirect(_concept_page(concept), 303)
    return render_template("research/profile.html", concept=concept, form=form, closed=closed), \
        400 if form.is_submitted() else 200
