"""The co-creation core: feature votes, the Kano questions, the price questions, the demand summary."""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forum import i18n, pagecache, policy
from forum.analytics.kano import ANSWER_LABELS, CATEGORY_LABELS
from forum.errors import Conflict, NotFound, ValidationError
from forum.i18n import _, ngettext
from forum.models import Concept, utcnow
from forum.services import concepts, demand, feedback, page_keys
from forum.web import charts, research_charts, words
from forum.web.feedback_forms import PriceForm, VoteForm, kano_form
from forum.web.utils import after_response, apply_errors, wants_json

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
    message = _vote_message(result)
    if wants_json():
        return jsonify(feature_id=result.feature_id, value=result.value, up=result.up, down=result.down,
                       score=result.score, message=message, order=feedback.rank_order(concept),
                       counts_from=result.counts_from.isoformat() + "Z" if result.counts_from else None)
    flash(message, "success")
    return redirect(concept_url(concept, f"fb-feature-{feature.id}"), 303)


def _vote_message(result: feedback.VoteResult) -> str:
    """What the voter is told: counted, or saved and counted from the end of a new account's wait."""
    if result.value == 0:
        return _("Your vote is withdrawn.")
    if result.counts_from is not None:
        return _("Your vote is saved and counts from %(time)s (%(wait)s).", **words.counting(result.counts_from))
    if result.value == 1:
        return _("Your vote for this feature is counted.")
    return _("Your vote against this feature is counted.")


def _kano_message(saved: int) -> str:
    """Saved, and counted now or (a new account's) from the end of the wait."""
    counts_from = demand.counts_from(current_user)
    if counts_from is not None:
        return _("Your answers are saved and count from %(time)s (%(wait)s).", **words.counting(counts_from))
    return ngettext("Thanks — your answers about %(num)s feature are saved.",
                    "Thanks — your answers about %(num)s features are saved.", saved)


def _price_message() -> str:
    counts_from = demand.counts_from(current_user)
    if counts_from is not None:
        return _("Your answer is saved and counts from %(time)s (%(wait)s).", **words.counting(counts_from))
    return _("Thanks — your price answer is saved.")


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
            flash(_kano_message(saved), "success")
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
    if not concept.price_question_enabled:
        raise NotFound(_("This concept does not ask the price questions."))
    closed = _raise_if_not_allowed(concept)
    answer = feedback.my_price(current_user, concept.id)
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
            flash(_price_message(), "success")
            return redirect(url_for("feedback.price", slug=concept.slug), 303)
    page = feedback.price_page(current_user, concept)  # where the answer sits: only when shown
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
    counts_from = demand.counts_from(current_user)
    return jsonify(ok=True, message=_price_message(),
                   counts_from=counts_from.isoformat() + "Z" if counts_from else None)


@bp.get("/<slug>/results")
def results(slug: str) -> Response:
    """The demand summary, served from the page cache (forum/pagecache.py) under what it shows: the
    concept room's number (votes, answers, features, edits, stage, suspensions: the stored summary's
    key too), its discussion's (comments, replies, questions, official answers) and its
    organization's name, address and publish switch. Who may see it is checked on every request,
    before any cached copy; members (downloads) and other readers never share one. Signed-in people
    get "since your last visit" filled in, cached per person until the rooms move."""
    user = pagecache.reader()
    row = page_keys.results(slug, user) if concepts.is_slug(slug) else None
    subject = _subject(row)
    if row is not None:
        page_keys.remember_reader(user, row.organization_id, row)  # membership
        pagecache.remember_unread(row.unread)
    policy.require(user, "feedback.results", subject)
    perms = pagecache.permissions(user, {"member": ("org.member", subject)})
    demand.remember_seq(row.id, row.seq, row.topic_seq)
    concept = functools.cache(lambda: concepts.get_for_key(slug, user))  # read after its key, to render
    args = request.args  # `in` first: Werkzeug's get() raises and catches an HTTP error for a missing key
    segment, refused = _segment(concept()) if "segment" in args and args["segment"] else (None, None)
    key = ("results", row.id, row.seq, row.topic_seq, row.name, row.organization_slug,
           row.publish_price_summary, segment and segment["key"], refused)
    since_key = ("since", row.id, row.seq, row.topic_seq, user.get_id(), row.visited_at)
    if user.is_authenticated and feedback.visit_due(row.visited_at):  # recorded once the page has been sent
        after_response(feedback.note_visit, user.id, row.id)
    since = pagecache.Part(since_key, functools.partial(_since_part, user, row, concept, since_key))
    shown: dict[str, Any] = {}  # what the rendering read, for the entry's life
    response = pagecache.page(key, functools.partial(_render_results, concept, segment, refused, perms, shown),
                              perms=perms, ttl=functools.partial(_results_ttl, concept, shown),
                              parts={"since": since})
    if refused:
        response.status_code = 422  # the page says why: the segment is under the privacy floor
    return response


def _subject(row: Any) -> SimpleNamespace | None:
    """What the policy reads of a concept and its organization, from the summary page's key row."""
    if row is None:
        return None
    organization = SimpleNamespace(id=row.organization_id, name=row.name, slug=row.organization_slug,
                                   publish_price_summary=row.publish_price_summary)
    return SimpleNamespace(id=row.id, slug=row.slug, hidden_at=row.hidden_at, organization_id=row.organization_id,
                           organization=organization)


def _render_results(concept: Callable[[], Concept], segment: dict[str, Any] | None, refused: str | None,
                    perms: dict[str, Any], shown: dict[str, Any]) -> str:
    data = _page_data(concept(), segment, refused)
    shown["valid_until"] = data["valid_until"]
    chart_set = _chart_set(concept(), data)
    return render_template("feedback/results.html", concept=concept(), data=data, charts=chart_set,
                           curves=charts.CURVES, series=charts.SERIES, category_labels=CATEGORY_LABELS,
                           concept_url=concept_url(concept()), is_member=perms["member"], perms=perms,
                           floor=demand.segments.FLOOR)


def _results_ttl(concept: Callable[[], Concept], shown: dict[str, Any]) -> int:
    """Not past the end of a respondent's suspension (the summary the page showed, else the stored
    one's), nor past midnight (UTC): the activity chart shows the last 30 days."""
    tomorrow = utcnow().date() + timedelta(days=1)
    return min(pagecache.ttl_until(shown["valid_until"] if shown else demand.get(concept()).valid_until),
               pagecache.ttl_until(datetime(tomorrow.year, tomorrow.month, tomorrow.day)))


def _since_part(user: Any, row: Any, concept: Callable[[], Concept], since_key: tuple[Any, ...]) -> str:
    """New comments, votes and price answers since the person's last recorded visit (recorded
    after the page was sent, in a transaction of its own: the view writes nothing)."""
    if not user.is_authenticated:
        return ""
    return pagecache.fragment(since_key, lambda: render_template(
        "feedback/_since.html", since=demand.since_last_visit(user, concept()),
        asks_price=row.price_question_enabled))


def _chart_set(concept: Concept, data: dict[str, Any]) -> dict[str, Any]:
    """The summary page's charts, each drawn at both widths (forum/web/charts.py, research_charts.py)."""
    money = functools.partial(i18n.money, currency=concept.currency)
    result = data["price_result"]
    return {
        "price": charts.both(lambda w: charts.price_chart(result, money, w)) if result is not None else None,
        "activity": charts.both(lambda w: charts.activity_chart(data["activity"], w)),
        "kano": charts.both(lambda w: charts.kano_scatter(data["features"], w)) if concept.kano_enabled else None,
        # drawn half-width on screens: the narrow drawing at both sizes keeps its text readable
        "bargains": charts.both(lambda w: charts.histogram(data["bargains"], money, charts.NARROW)),
        "share": {f["id"]: charts.share_bar(f["share_for"]) for f in data["features"]},
        "interval": {f["id"]: charts.interval_bar(f["score_interval"], f["score"]) for f in data["features"]},
        "demand": charts.both(lambda w: research_charts.demand_chart(data["gabor_granger"], money, w))
        if data["gabor_granger"] else None,
        "maxdiff": charts.both(lambda w: research_charts.maxdiff_bars(data["maxdiff"]["items"], w))
        if data["maxdiff"] else None,
    }


def _segment(concept: Concept) -> tuple[dict[str, Any] | None, str | None]:
    """?segment=<question id>:<choice id>: the segment to read (with its counted people), or the
    reason it is not shown (under the floor). A segment naming nothing of the concept is a 400."""
    chosen = demand.segments.parse(concept, request.args.get("segment"))
    if chosen is None:
        return None, None
    question, choice = chosen
    try:
        n = demand.segments.check(concept, choice)
    except demand.segments.BelowFloor as exc:
        return None, exc.message
    return {"key": (question.id, choice.id), "question": question, "choice": choice, "n": n}, None


def _page_data(concept: Concept, segment: dict[str, Any] | None, refused: str | None) -> dict[str, Any]:
    """The page's figures, all from one snapshot (a segment's: from one of its own, with everyone's
    segment counts beside it)."""
    snap = demand.get(concept)
    segments = demand.segments.section(concept, snap.parts.get("segments"))
    if segment is None:
        data = demand.page.page(concept, snap)
    else:
        with demand.rule.only_segment(*segment["key"]):
            data = demand.page.page(concept)
    data.update(segments=segments, segment=segment, segment_refused=refused, valid_until=snap.valid_until)
    return data


@bp.post("/<slug>/results/visit")
@login_required
def visit(slug: str) -> Response | tuple[Response, int]:
    """Records the reader's visit to the summary (the page itself records it after it is sent; this
    POST stays for clients that record it themselves)."""
    feedback.record_visit(current_user, feedback.get_concept(slug, current_user))
    if wants_json():
        return jsonify(ok=True), 200
    return redirect(url_for("feedback.results", slug=slug), 303)
