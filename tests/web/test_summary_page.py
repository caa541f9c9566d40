"""The demand summary page, the organization overview and the API token page, as a member sees them."""
from __future__ import annotations

from forum.extensions import db
from forum.models import Concept, Feature
from forum.services import feedback, posting
from tests.conftest import login, make_user


def _concept(org, slug="quiet-kettle", **fields) -> Concept:
    concept = Concept(organization_id=org.id, slug=slug, title=slug.replace("-", " ").title(), currency="EUR",
                      feedback_open=True, kano_enabled=True, price_question_enabled=True, **fields)
    db.session.add(concept)
    db.session.add_all([Feature(concept=concept, title="Whisper mode", position=0),
                        Feature(concept=concept, title="Keep warm", position=1)])
    db.session.commit()
    return concept


def test_a_concept_without_answers_says_so_plainly(client, people):
    concept = _concept(people["org"])
    login(client, people["member"])
    html = client.get(f"/concepts/{concept.slug}/results").get_data(as_text=True)
    assert "No votes yet" in html and "No Kano answers yet" in html and "No price answers yet" in html
    assert "only 0" not in html and "0 people voted" not in html
    assert "Feature ranking" in html and "<polyline" not in html  # no chart of nothing


def test_summary_shows_the_sentence_the_ranking_and_what_changed_since_the_last_visit(client, people):
    concept = _concept(people["org"])
    voters = [make_user(f"v{i}") for i in range(4)]
    for i, person in enumerate(voters[:3]):
        feedback.answer_price(person, concept, {"too_cheap": 10 + i, "cheap": 20 + i, "expensive": 30 + i,
                                                "too_expensive": 40 + i})
        feedback.cast_vote(person, concept.features[1], "up")
    login(client, people["member"])
    response = client.get(f"/concepts/{concept.slug}/results")
    first = response.get_data(as_text=True)
    response.close()  # the server closes it once sent: then the visit is recorded (no script needed)
    assert "Since your last visit" not in first  # nothing to compare with yet
    assert "data-record-visit" not in first  # no script records it a second time
    assert "Most people find €" in first and "acceptable" in first
    assert first.index("Keep warm") < first.index("Whisper mode")  # ranked: 3 for beats none
    feedback.cast_vote(voters[3], concept.features[0], "up")
    topic = posting.concept_topic(concept)
    posting.reply(voters[3], topic, "Is it really quiet at night?")
    second = client.get(f"/concepts/{concept.slug}/results").get_data(as_text=True)
    strip = second.split('class="since-strip"')[1].split("</section>")[0]
    assert "<strong>1</strong> new comment" in strip and "<strong>1</strong> new or changed vote" in strip
    assert "<strong>0</strong> new or changed price answers" in strip
    assert "Is it really quiet at night?" in second  # an unanswered question


def test_the_organization_overview_lists_every_concept_side_by_side(client, people):
    kettle = _concept(people["org"])
    _concept(people["org"], slug="toaster-two", stage="prototype")
    for i in range(2):
        person = make_user(f"p{i}")
        feedback.cast_vote(person, kettle.features[0], "up")
        feedback.answer_price(person, kettle, {"too_cheap": 10, "cheap": 20 + i, "expensive": 30, "too_expensive": 40})
    login(client, people["member"])
    html = client.get(f"/orgs/{people['org'].slug}/overview").get_data(as_text=True)
    assert "Quiet Kettle" in html and "Toaster Two" in html and "Prototype" in html
    assert "Whisper mode" in html and "No votes yet" in html
    row = html.split("Quiet Kettle")[1].split("</tr>")[0]
    assert 'data-label="Participants">2</td>' in row and "€" in row  # two took part


def test_the_page_carries_a_print_stylesheet_and_no_inline_style(client, people, app):
    concept = _concept(people["org"])
    login(client, people["owner"])
    html = client.get(f"/concepts/{concept.slug}/results").get_data(as_text=True)
    assert "style=" not in html and "<script>" not in html
    css = app.test_client().get("/static/css/app.css").get_data(as_text=True)
    assert "@media print" in css


def test_a_signed_in_reload_of_the_summary_is_a_304_and_the_visit_is_not_recorded_again(client, people):
    concept = _concept(people["org"])
    login(client, people["member"])
    url = f"/concepts/{concept.slug}/results"
    for _ in range(2):  # the first view starts a visit (recorded once the page is sent), the second is in it
        response = client.get(url)
        response.close()
    etag = response.headers["ETag"]
    reload = client.get(url, headers={"If-None-Match": etag})
    reload.close()
    assert reload.status_code == 304
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
