"""Issue 19, what a person notices on the pages: counts of the posts they can see, the welcome, a
suspended person's standing notice, a used reset link, one charset, the end of a list, the only
owner, the people a decision tells, a flag sent in the background."""
from __future__ import annotations

from datetime import timedelta

from forum.extensions import db
from forum.models import utcnow
from forum.services import concepts, moderation, posting, search, signing
from tests.conftest import first_post, login, make_user


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_topic_counts_the_posts_people_see(client, people, topic):
    posting.reply(people["member"], topic, "A second opinion.")
    rude = posting.reply(people["owner"], topic, "Something rude.")
    assert "3 posts" in text(client.get(f"/t/{topic.id}"))
    moderation.act_on_post(people["moderator"], rude, "hide", "Rude")
    page = text(client.get(f"/t/{topic.id}"))
    assert "2 posts" in page and "3 posts" not in page
    assert "<strong>1</strong> reply" in text(client.get("/boards/general"))  # the list agrees
    moderation.act_on_post(people["moderator"], db.session.get(type(rude), rude.id), "restore", "On a second look, fine")
    assert "3 posts" in text(client.get(f"/t/{topic.id}"))
    posting.delete_post(people["member"], db.session.scalars(
        db.select(type(rude)).where(type(rude).author_id == people["member"].id)).one())
    assert "2 posts" in text(client.get(f"/t/{topic.id}"))


def test_a_first_login_says_welcome_and_the_next_welcome_back(client, people):
    login(client, people["consumer"])
    first = text(client.get("/"))
    assert "Welcome, " in first and "Welcome back" not in first
    client.post("/logout")
    login(client, people["consumer"])
    assert "Welcome back" in text(client.get("/"))


def test_a_suspended_person_sees_why_and_how_to_appeal_on_every_page_and_no_welcome(client, people):
    carol = people["consumer"]
    carol.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    login(client, carol)
    first = text(client.get("/"))
    assert "Welcome" not in first and "Your account is suspended until" in first
    for path in ("/concepts/", "/boards", "/settings"):
        page = text(client.get(path))
        assert "Your account is suspended until" in page and 'href="/appeal"' in page, path


def test_a_used_reset_link_says_so_and_offers_a_new_one(client, people):
    carol = people["consumer"]
    token = signing.sign_for(carol, signing.RESET, {})  # as the reset email's link
    done = client.post(f"/reset-password/{token}", data={"password": "another long passphrase"})
    assert done.status_code == 302
    again = client.get(f"/reset-password/{token}")
    assert again.status_code == 400
    page = text(again)
    assert "no longer works" in page and 'href="/reset-password"' in page and "Send me a new link" in page


def test_page_past_the_end_of_the_concept_list_says_where_it_ends(client, people):
    for n in range(2):
        concepts.create(people["owner"], people["org"], f"Idea number {n}", "A short summary")
    page = text(client.get("/concepts/?page=99999"))
    assert "There is no page 99,999" in page and "No concepts yet" not in page


def test_the_only_owner_is_not_offered_remove_for_herself(client, people):
    login(client, people["owner"])
    page = text(client.get(f"/orgs/{people['org'].slug}"))
    assert f"/members/{people['owner'].id}/remove" not in page
    assert f"/members/{people['member'].id}/remove" in page  # the member can still be removed


def test_the_decision_form_counts_the_people_told_not_the_author(client, people):
    concept = concepts.create(people["owner"], people["org"], "Quiet kettle", "Boils without a roar")
    posting.reply(people["owner"], posting.concept_topic(concept), "We made this.")
    posting.reply(people["consumer"], posting.concept_topic(concept), "Love it.")
    login(client, people["owner"])
    page = text(client.get(f"/concepts/{concept.slug}/decisions/new"))
    assert "Tell the 1 person" in page, page[page.find("<h1"):][:600]


def test_a_flag_sent_in_the_background_is_answered_in_json(client, people, topic):
    login(client, make_user("fred", trust_level=2))
    response = client.post("/flag", data={"kind": "post", "target_id": first_post(topic).id, "reason": "spam"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.get_json()["ok"] is True
    again = client.post("/flag", data={"kind": "post", "target_id": first_post(topic).id, "reason": "spam"},
                        headers={"Accept": "application/json"})
    assert again.status_code in (400, 409) and again.get_json()["message"]


def test_a_signed_in_reader_is_not_served_a_visitors_follow_button(client, people):
    concept = concepts.create(people["owner"], people["org"], "Quiet kettle", "Boils without a roar")
    assert "Log in to follow" in text(client.get(f"/concepts/{concept.slug}"))
    topic = posting.concept_topic(concept)
    assert "Log in to follow" not in text(client.get(f"/t/{topic.id}"))  # a concept's topic: no button
    login(client, people["consumer"])
    page = text(client.get(f"/concepts/{concept.slug}"))
    assert "Log in to follow" not in page and "follow-button" in page


def test_search_shows_the_date_a_concept_was_posted(client, people):
    from forum.models import SearchDocument

    concept = concepts.create(people["owner"], people["org"], "Quiet kettle", "Boils without a roar")
    concept.created_at = concept.created_at.replace(year=2025, month=3, day=14)
    search.index_concept(concept)  # as the demo does after dating its concepts back
    db.session.commit()
    document = db.session.scalars(db.select(SearchDocument).where(SearchDocument.kind == "concept")).one()
    assert document.created_at == concept.created_at
    page = text(client.get("/search?q=kettle"))
    assert "2025-03-14" in page  # the <time datetime> of the result
