"""The co-creation core: feature votes, the Kano questions, the price questions, the demand summary."""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import policy
from forum.analytics.kano import ANSWER_LABELS, CATEGORY_LABELS
from forum.analytics.pricing import PriceSensitivityResult
from forum.errors import Conflict, NotFound, ValidationError
from forum.models import Concept
from forum.services import feedback
from forum.web.feedback_forms import PriceForm, VoteForm, kano_form
from forum.web.utils import apply_errors, wants_json

bp = Blueprint("feedback", __name__, url_prefix="/concepts")


@bp.app_template_filter("money")
def money_filter(value: Any, currency: str = "EUR") -> str:
    return feedback.money(value, currency)


@bp.app_template_filter("percent")
def percent_filter(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def concept_url(concept: Concept, anchor: str | None = None) -> str:
    """The concept page (the concepts area's), with the feedback panel."""
    if "concepts.show" in current_app.view_functions:
        url = url_for("concepts.show", slug=concept.slug)
    else:
        url = f"/concepts/{concept.slug}"
    return f"{url}#{anchor}" if anchor else url


def _raise_if_not_allowed(concept: Concept) -> bool:
    """403 for members and suspended people (with the reason); True when feedback is closed (the page
    still shows, saying so)."""
    why = policy.refusal(current_user, "feedback.answer", concept)
    if why is not None and why.error is not Conflict:
        raise why.exception()
    return why is not None


@bp.post("/<slug>/features/<int:feature_id>/vote")
@login_required
def vote(slug: str, feature_id: int) -> Response:
    concept = feedback.get_concept(slug, current_user)
    feature = feedback.get_feature(concept, feature_id)
    form = VoteForm()
    result = feedback.cast_vote(current_user, feature, form.value.data or "")
    message = {1: "Your vote for this feature is counted.", -1: "Your vote against this feature is counted.",
               0: "Your vote is withdrawn."}[result.value]
    if wants_json():
        return jsonify(feature_id=result.feature_id, value=result.value, up=result.up, down=result.down,
                       score=result.score, message=message, order=feedback.rank_order(concept))
    flash(message, "success")
    return redirect(concept_url(concept, f"fb-feature-{feature.id}"), 303)


@bp.route("/<slug>/kano", methods=["GET", "POST"])
@login_required
def kano(slug: str) -> Response | tuple[str, int]:
    concept = feedback.get_concept(slug, current_user)
    if not concept.kano_enabled:
        raise NotFound("This concept does not ask the Kano questions.")
    closed = _raise_if_not_allowed(concept)
    features = feedback.active_features(concept)
    form = kano_form(features, feedback.my_kano(current_user, concept.id))
    if form.validate_on_submit():
        try:
            saved = feedback.answer_kano(current_user, concept, form.answers())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(f"Thanks — your answers about {saved} feature{'s' if saved != 1 else ''} are saved.", "success")
            return redirect(concept_url(concept, "feedback"), 303)
    html = render_template("feedback/kano.html", concept=concept, form=form, closed=closed,
                           concept_url=concept_url(concept),
                           answer_labels=ANSWER_LABELS, feature_titles={f.id: f.title for f in features})
    return html, 400 if form.is_submitted() else 200


def _typed(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:f}".removesuffix(".00")


@bp.route("/<slug>/price", methods=["GET", "POST"])
@login_required
def price(slug: str) -> Response | tuple[str, int]:
    concept = feedback.get_concept(slug, current_user)
    page = feedback.price_page(current_user, concept)
    closed = _raise_if_not_allowed(concept)
    answer = page["answer"]
    earlier = {}
    if answer is not None:
        earlier = {name: _typed(getattr(answer, name)) for name in feedback.PRICE_FIELDS}
        earlier.update({name: str(getattr(answer, name) or "") for name in feedback.INTENT_FIELDS})
    form = PriceForm(data=earlier)
    if request.method == "POST" and wants_json():
        return _price_json(concept, form)
    if form.validate_on_submit():
        try:
            feedback.answer_price(current_user, concept, form.prices())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash("Thanks — your price answer is saved.", "success")
            return redirect(url_for("feedback.price", slug=concept.slug), 303)
    html = render_template("feedback/price.html", concept=concept, form=form, page=page, closed=closed,
                           concept_url=concept_url(concept))
    return html, 400 if form.is_submitted() else 200


def _price_json(concept: Any, form: PriceForm) -> Any:
    """The price page's script sends the answer with fetch: a confirmation, or messages per field."""
    if not form.validate_on_submit():
        return jsonify(error="Please check your input", message="Please check your prices.",
                       errors={name: list(m) for name, m in form.errors.items()}), 400
    try:
        feedback.answer_price(current_user, concept, form.prices())
    except ValidationError as exc:
        return jsonify(error=exc.title, message=exc.message, errors=exc.errors), exc.status
    return jsonify(ok=True, message="Thanks — your price answer is saved.")


@bp.get("/<slug>/results")
def results(slug: str) -> str:
    concept = feedback.get_concept(slug, current_user)
    data = feedback.results(current_user, concept)
    chart = price_chart(data["price"]["result"], concept.currency) if data["price"] else None
    return render_template("feedback/results.html", concept=concept, data=data, chart=chart,
                           category_labels=CATEGORY_LABELS, concept_url=concept_url(concept))


# --- the price chart: an SVG drawn on the server ------------------------------------------------------

CURVES = (
    # attribute, label, css class, colour (presentation attribute, for viewers without the stylesheet)
    ("too_cheap", "Too cheap", "curve-too-cheap", "#dc2626"),
    ("not_cheap", "Not a bargain", "curve-not-cheap", "#f59e0b"),
    ("not_expensive", "Not expensive", "curve-not-expensive", "#0ea5e9"),
    ("too_expensive", "Too expensive", "curve-too-expensive", "#4f46e5"),
)


def _nice_step(span: float, ticks: int = 6) -> float:
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover


def price_chart(result: PriceSensitivityResult, currency: str, width: int = 720,
                height: int = 360) -> dict[str, Any] | None:
    """Geometry of the Van Westendorp chart: polylines, axes, the acceptable range, the price points.

    The x-axis runs from where (almost) nobody still finds it too cheap to where (almost) everybody
    finds it too expensive, so one extreme answer does not squash the chart.
    """
    points = result.curves
    if not points:
        return None
    left, right, top, bottom = 56, 16, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    lo = max((p.price for p in points if p.too_cheap is not None and p.too_cheap >= 0.99),
             default=points[0].price)
    hi = min((p.price for p in points if p.too_expensive >= 0.99), default=points[-1].price)
    if hi <= lo:
        lo, hi = points[0].price, points[-1].price
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step
    if hi <= lo:
        hi = lo + step

    def x(price: float) -> float:
        return round(left + (price - lo) / (hi - lo) * plot_w, 1)

    def y(share: float) -> float:
        return round(top + (1 - share) * plot_h, 1)

    shown = [p for p in points if lo <= p.price <= hi]
    curves = []
    for attribute, label, css, colour in CURVES:
        if any(getattr(p, attribute) is None for p in shown):
            continue  # the too-cheap curve, when only three questions were asked
        coords = " ".join(f"{x(p.price)},{y(getattr(p, attribute))}" for p in shown)
        curves.append({"label": label, "class": css, "colour": colour, "points": coords})
    x_ticks = []
    value = lo
    while value <= hi + step / 1000:
        x_ticks.append({"x": x(value), "label": feedback.money(round(value, 2), currency)})
        value += step
    y_ticks = [{"y": y(share / 100), "label": f"{share}%"} for share in range(0, 101, 25)]
    markers = []
    for key, label in (("pmc", "PMC"), ("opp", "OPP"), ("ipp", "IPP"), ("pme", "PME")):
        value = getattr(result, key)
        if value is not None and lo <= value <= hi:
            markers.append({"x": x(value), "label": label, "class": f"marker-{key}",
                            "title": f"{label}: {feedback.money(value, currency)}"})
    band = None
    if result.range is not None:
        a, b = (min(max(v, lo), hi) for v in result.range)
        band = {"x": x(a), "width": round(x(b) - x(a), 1), "y": top, "height": plot_h}
    return {"width": width, "height": height, "left": left, "top": top, "right": width - right,
            "bottom": height - bottom, "plot_w": plot_w, "plot_h": plot_h, "curves": curves,
            "x_ticks": x_ticks, "y_ticks": y_ticks, "markers": markers, "band": band}
