"""The search page, the notifications page and the follow buttons, as a person uses them."""
from __future__ import annotations

import re

import pytest
from flask import render_template_string
from flask_login import login_user, logout_user
from sqlalchemy import select

from forum.extensions import db
from forum.markup import render
from forum.models import Concept, Follow, Notification, Post, Topic, utcnow
from forum.services import concepts, notifications
from forum.services.search import index_concept, index_post
from tests.conftest import login, make_user


@pytest.fixture
def content(people):
    concept = Concept(organization_id=people["org"].id, slug="sourdough-box", title="Sourdough subscription box",
                      summary="Fresh bread every week", description_source="Baked **weekly**.",
                      description_html=render("Baked **weekly**."))
    db.session.add(concept)
    db.session.flush()
    topic = Topic(concept_id=concept.id, title=concept.title)
    db.session.add(topic)
    db.session.flush()
    post = Post(topic_id=topic.id, author_id=people["consumer"].id, body_source="I love <b>sourdough</b> & rye",
                body_html=render("I love <b>sourdough</b> & rye"))
    db.session.add(post)
    db.session.flush()
    index_concept(concept)
    index_post(post)
    db.session.commit()
    return {"concept": concept, "topic": topic, "post": post}


def page(response) -> str:
    return response.get_data(as_text=True)


# --- search -------------------------------------------------------------------------------------

def test_search_page_lists_ranked_highlighted_results(client, content):
    response = client.get("/search?q=sourdough")
    assert response.status_code == 200
    html = page(response)
    assert "2 results for “sourdough”" in html
    assert html.index('href="/concepts/sourdough-box"') < html.index(f'href="/t/{content["topic"].id}#p{content["post"].id}"')
    assert "<mark>Sourdough</mark> subscription box" in html
    assert "I love &lt;b&gt;<mark>sourdough</mark>&lt;/b&gt; &amp; rye" in html or \
        "<mark>sourdough</mark>" in html  # PostgreSQL leaves tag-like text out of snippets
    assert "<b>sourdough</b>" not in html


def test_search_page_without_query_shows_the_form(client, content):
    html = page(client.get("/search"))
    assert 'role="search"' in html and "result" not in html.lower().split("</form>")[1]


def test_search_kind_filter_and_no_results(client, content):
    html = page(client.get("/search?q=sourdough&kind=post"))
    assert "1 result for “sourdough” in posts" in html
    assert 'href="/concepts/sourdough-box"' not in html
    html = page(client.get("/search?q=zeppelin"))
    assert "No results for “zeppelin”" in html


@pytest.mark.parametrize("q", ['"', "AND (", "*", "NEAR(", "<script>alert(1)</script>", "%00", "ö" * 500])
def test_hostile_queries_get_a_page_not_an_error(client, content, q):
    response = client.get("/search", query_string={"q": q, "page": "nonsense", "kind": "<x>"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in page(response)


def test_a_query_without_words_explains_itself(client, content):
    html = page(client.get("/search?q=***"))
    assert "Type at least one word" in html


def test_search_paginates_keeping_the_query(client, people):
    topic = Topic(title="Mugs", board_id=None)
    db.session.add(topic)
    db.session.flush()
    for n in range(23):
        post = Post(topic_id=topic.id, author_id=people["consumer"].id, body_source=f"mug {n}",
                    body_html=render(f"mug {n}"))
        db.session.add(post)
        db.session.flush()
        index_post(post)
    db.session.commit()
    html = page(client.get("/search?q=mug&kind=post"))
    assert "23 results" in html and "Page 1 of 2" in html
    assert re.search(r'href="/search\?[^"]*page=2', html)
    assert "q=mug" in re.search(r'href="(/search\?[^"]*page=2[^"]*)"', html).group(1)
    second = page(client.get("/search?q=mug&kind=post&page=2"))
    assert second.count('class="card search-hit') == 3


def test_hidden_content_is_not_on_the_results_page(client, content):
    content["post"].hidden_at = utcnow()
    content["concept"].hidden_at = utcnow()
    db.session.commit()
    assert "No results" in page(client.get("/search?q=sourdough"))


def test_nav_links_to_search(client, content):
    assert 'href="/search"' in page(client.get("/"))


# --- notifications ------------------------------------------------------------------------------

def notify(user, message: str = "Olga replied to your post in “Bread”", url: str = "/concepts/x",
           read: bool = False) -> Notification:
    n = Notification(user_id=user.id, kind="reply", message=message, url=url,
                     read_at=utcnow() if read else None)
    db.session.add(n)
    db.session.commit()
    return n


def test_notifications_page_lists_newest_first_with_unread_marked(client, people):
    carol = people["consumer"]
    notify(carol, "Old news", read=True)
    notify(carol, "Fresh news")
    notify(people["owner"], "Not for Carol")
    login(client, carol)
    html = page(client.get("/notifications"))
    assert html.index("Fresh news") < html.index("Old news")
    assert "Not for Carol" not in html
    assert html.count("is-unread") == 1
    assert "1 unread" in html
    assert "Mark all as read" in html
    assert 'data-unread-count>1<' in html  # the header bell


def test_opening_a_notification_marks_it_read_and_goes_there(client, people):
    carol = people["consumer"]
    n = notify(carol, url="/t/5#p9")
    login(client, carol)
    response = client.post(f"/notifications/{n.id}/read")
    assert response.status_code == 302 and response.headers["Location"].endswith("/t/5#p9")
    assert db.session.get(Notification, n.id).read_at is not None
    assert "You are all caught up" in page(client.get("/notifications"))


def test_a_stored_offsite_url_is_never_followed(client, people):
    n = notify(people["consumer"], url="//evil.example/")
    login(client, people["consumer"])
    response = client.post(f"/notifications/{n.id}/read")
    assert response.headers["Location"].endswith("/notifications")


def test_nobody_else_can_open_or_mark_a_notification(client, people):
    n = notify(people["consumer"])
    login(client, people["admin"])
    assert client.post(f"/notifications/{n.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    client.post("/notifications/read-all")
    assert db.session.get(Notification, n.id).read_at is None


def test_mark_all_read(client, people):
    carol = people["consumer"]
    for i in range(3):
        notify(carol, f"n{i}")
    login(client, carol)
    response = client.post("/notifications/read-all", follow_redirects=True)
    assert "All notifications are marked as read." in page(response)
    assert notifications.unread_count(carol) == 0
    assert "data-unread-count" not in page(response)


def test_notifications_paginate(client, people):
    carol = people["consumer"]
    db.session.add_all([Notification(user_id=carol.id, kind="reply", message=f"note {i}", url="/")
                        for i in range(25)])
    db.session.commit()
    login(client, carol)
    html = page(client.get("/notifications"))
    assert "Page 1 of 2" in html
    assert page(client.get("/notifications?page=2")).count('<li class="notification') == 5


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- follows ------------------------------------------------------------------------------------

def test_follow_and_unfollow_through_the_buttons(client, people, content):
    carol, concept = people["consumer"], content["concept"]
    login(client, carol)
    response = client.post("/follow", data={"concept_id": concept.id, "next": "/concepts/sourdough-box?tab=x"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/concepts/sourdough-box?tab=x")
    response = client.post("/follow", data={"concept_id": concept.id}, follow_redirects=False)
    assert response.headers["Location"].endswith("/concepts/sourdough-box")
    assert db.session.scalar(select(Follow).where(Follow.user_id == carol.id)) is not None
    assert len(db.session.scalars(select(Follow).where(Follow.user_id == carol.id)).all()) == 1
    client.post("/unfollow", data={"concept_id": concept.id})
    client.post("/unfollow", data={"concept_id": concept.id})
    assert db.session.scalar(select(Follow).where(Follow.user_id == carol.id)) is None


def test_follow_redirects_only_to_this_site(client, people, content):
    login(client, people["consumer"])
    response = client.post("/follow", data={"topic_id": content["topic"].id, "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/t/{content['topic'].id}")


def test_follow_errors_are_clear(client, people, content):
    login(client, people["consumer"])
    response = client.post("/follow", data={}, follow_redirects=True)
    assert "Choose one concept or one topic to follow." in page(response)
    assert client.post("/follow", data={"concept_id": 987654}).status_code == 404
    content["concept"].hidden_at = utcnow()
    db.session.commit()
    assert client.post("/follow", data={"concept_id": content["concept"].id}).status_code == 404


def test_follow_needs_the_csrf_token(app, client, people, content):
    login(client, people["consumer"])
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/follow", data={"concept_id": content["concept"].id})
    assert response.status_code == 400
    assert db.session.scalar(select(Follow)) is None


def _button(app, user, **target) -> str:
    with app.test_request_context("/concepts/sourdough-box"):
        if user is not None:
            login_user(user)
        else:
            logout_user()
        return render_template_string('{% include "_follow_button.html" %}', **target)


def test_follow_button_partial(app, people, content):
    carol, concept, topic = people["consumer"], content["concept"], content["topic"]
    html = _button(app, carol, concept=concept)
    assert 'action="/follow"' in html and f'name="concept_id" value="{concept.id}"' in html
    assert 'name="csrf_token"' in html and 'name="next" value="/concepts/sourdough-box"' in html
    notifications.follow(carol, concept=concept)
    db.session.commit()
    html = _button(app, carol, concept=concept)
    assert 'action="/unfollow"' in html and "Following" in html
    html = _button(app, carol, topic=topic)
    assert 'action="/follow"' in html and f'name="topic_id" value="{topic.id}"' in html
    assert "Log in to follow" in _button(app, None, concept=concept)
    assert _button(app, carol).strip() == ""


def test_following_then_hearing_of_a_stage_change(client, people, content):
    """End to end: follow on the site, the concept moves on, the bell shows it."""
    carol, concept = people["consumer"], content["concept"]
    sofia = make_user("sofia")
    login(client, carol)
    client.post("/follow", data={"concept_id": concept.id})
    from forum.models import StageChange

    change = StageChange(concept_id=concept.id, from_stage="idea", to_stage="prototype",
                         changed_by_id=sofia.id)
    db.session.add(change)
    notifications.notify_stage_change(concept, change)
    db.session.commit()
    html = page(client.get("/notifications"))
    assert "“Sourdough subscription box” moved to the prototype stage" in html


def test_concept_page_carries_the_follow_button(app, client, people):
    concept = concepts.create(people["owner"], people["org"], "Folding bike trailer", summary="Carries a week of shopping")
    login(client, people["consumer"])
    html = page(client.get(f"/concepts/{concept.slug}"))
    assert 'action="/follow"' in html and f'name="concept_id" value="{concept.id}"' in html
    client.post("/follow", data={"concept_id": concept.id, "next": f"/concepts/{concept.slug}"})
    html = page(client.get(f"/concepts/{concept.slug}"))
    assert 'action="/unfollow"' in html and "Following" in html
