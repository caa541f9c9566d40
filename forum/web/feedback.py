"""The co-creation core: feature votes, the Kano questions, the price questions, the demand summary."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import i18n, pagecache, policy
from forum.analytics.kano import ANSWER_LABELS, CATEGORY_LABELS
from forum.errors import Conflict, NotFound, ValidationError
from forum.i18n import _, ngettext
from forum.models import Concept, utcnow
from forum.services import concepts, feedback, page_keys, summaries, summary
from forum.web import charts
from forum.web.feedback_forms import PriceForm, VoteForm, kano_form
from forum.web.utils import apply_errors, wants_json

bp = Blueprint("feedback", __name__, url_prefix="/concepts")


@bp.app_template_filter("money")
def money_filter(value: Any, currency: str = "EUR") -> str:
    return i18n.money(value, currency)


@bp.app_template_filter("percent")
def percent_filter(value: float | None) -> str:
    return i18n.percent(value)


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
    message = {1: _("Your vote for this feature is counted."), -1: _("Your vote against this feature is counted."),
               0: _("Your vote is withdrawn.")}[result.value]
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
        raise NotFound(_("This concept does not ask the Kano questions."))
    closed = _raise_if_not_allowed(concept)
    features = feedback.active_features(concept)
    form = kano_form(features, feedback.my_kano(current_user, concept.id))
    if form.validate_on_submit():
        try:
            saved = feedback.answer_kano(current_user, concept, form.answers())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(ngettext("Thanks — your answers about %(num)s feature are saved.",
                           "Thanks — your answers about %(num)s features are saved.", saved), "success")
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
            flash(_("Thanks — your price answer is saved."), "success")
            return redirect(url_for("feedback.price", slug=concept.slug), 303)
    html = render_template("feedback/price.html", concept=concept, form=form, page=page, closed=closed,
                           concept_url=concept_url(concept))
    return html, 400 if form.is_submitted() else 200


def _price_json(concept: Any, form: PriceForm) -> Any:
    """The price page's script sends the answer with fetch: a confirmation, or messages per field."""
    if not form.validate_on_submit():
        return jsonify(error=_("Please check your input"), message=_("Please check your prices."),
                       errors={name: list(m) for name, m in form.errors.items()}), 400
    try:
        feedback.answer_price(current_user, concept, form.prices())
    except ValidationError as exc:
        return jsonify(error=exc.title, message=exc.message, errors=exc.errors), exc.status
    return jsonify(ok=True, message=_("Thanks — your price answer is saved."))


@bp.get("/<slug>/results")
def results(slug: str) -> Response:
    """The demand summary, served from the page cache (forum/pagecache.py) under what it shows: the
    concept room's number (votes, answers, features, edits, stage, suspensions: the stored summary's
    key too), its discussion's (comments, replies, questions, official answers) and its
    organization's name, address and publish switch. Who may see it is checked on every request,
    before any cached copy; members (downloads) and other readers never share one. Signed-in people
    get "since your last visit" filled in, cached per person until the rooms move."""
    row = page_keys.results(slug, current_user) if concepts.is_slug(slug) else None
    concept = row.Concept if row is not None else None
    if concept is not None:
        page_keys.remember_reader(current_user, concept.organization_id, row)  # membership
        pagecache.remember_unread(row.unread)
    policy.require(current_user, "feedback.results", concept)
    perms = pagecache.permissions(current_user, {"member": ("org.member", concept)})
    is_member = perms["member"]
    summaries.remember_seq(concept.id, row.seq)
    organization = concept.organization
    key = ("results", concept.id, row.seq, row.topic_seq, organization.name, organization.slug,
           organization.publish_price_summary)

    def render() -> str:
        data = summary.page(concept)
        money = functools.partial(i18n.money, currency=concept.currency)
        result = data["price_result"]
        chart_set = {
            "price": charts.both(lambda w: charts.price_chart(result, money, w)) if result is not None else None,
            "activity": charts.both(lambda w: charts.activity_chart(data["activity"], w)),
            "kano": charts.both(lambda w: charts.kano_scatter(data["features"], w)) if concept.kano_enabled else None,
            # drawn half-width on screens: the narrow drawing at both sizes keeps its text readable
            "bargains": charts.both(lambda w: charts.histogram(data["bargains"], money, charts.NARROW)),
            "share": {f["id"]: charts.share_bar(f["share_for"]) for f in data["features"]},
            "interval": {f["id"]: charts.interval_bar(f["score_interval"], f["score"]) for f in data["features"]},
        }
        return render_template("feedback/results.html", concept=concept, data=data, charts=chart_set,
                               curves=charts.CURVES, series=charts.SERIES, category_labels=CATEGORY_LABELS,
                               concept_url=concept_url(concept), is_member=is_member, perms=perms)

    def ttl() -> int:
        # Not past the end of a respondent's suspension (the stored summary's), nor past midnight
        # (UTC): the activity chart shows the last 30 days.
        tomorrow = utcnow().date() + timedelta(days=1)
        return min(pagecache.ttl_until(summaries.get(concept).valid_until),
                   pagecache.ttl_until(datetime(tomorrow.year, tomorrow.month, tomorrow.day)))

    since_key = ("since", concept.id, row.seq, row.topic_seq, current_user.get_id())

    def since_part() -> str:
        """New comments, votes and price answers since the person's last visit (which it records):
        rendered again only when the rooms moved, so a reload with nothing new shows the same."""
        user = current_user._get_current_object()
        if not user.is_authenticated:
            return ""
        asks_price = concept.price_question_enabled

        def render_since() -> str:
            since = summary.since_last_visit(user, concept)  # commits the visit
            return render_template("feedback/_since.html", since=since, asks_price=asks_price)

        return pagecache.fragment(since_key, render_since)

    return pagecache.page(key, render, perms=perms, ttl=ttl, parts={"since": pagecache.Part(since_key, since_part)})
