"""The moderation panel and the moderation a person meets, over HTTP, as people would use them."""
from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db, limiter
from forum.models import ModerationAction, Notification, Post, ReviewItem, Suspension, utcnow
from forum.services import moderation, posting
from tests.conftest import first_post, login, make_user
from tests.services.test_feedback import PRICES, make_concept


def text(response) -> str:
    return response.get_data(as_text=True)


# --- flagging and the queue ------------------------------------------------------------------------

def test_flag_from_the_topic_page_and_work_it_from_the_queue(client, people, topic):
    post = first_post(topic)
    login(client, people["member"])
    page = text(client.get(f"/t/{topic.id}"))
    assert 'action="/flag"' in page and "Personal information exposed" in page
    response = client.post("/flag", data={"kind": "post", "target_id": post.id, "reason": "spam",
                                          "next": f"/t/{topic.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/t/{topic.id}")
    mine = text(client.get("/flags"))
    assert "Best bread knife?" in mine and "Waiting for review" in mine
    again = client.post("/flag", data={"kind": "post", "target_id": post.id, "reason": "spam"}, follow_redirects=True)
    assert "already flagged" in text(again)
    client.post("/logout")

    login(client, people["moderator"])
    home = text(client.get("/"))
    assert 'aria-label="Moderation, 1 waiting for review"' in home
    queue = text(client.get("/moderation/"))
    assert "Best bread knife?" in queue and "Spam or advertising" in queue and "mick" in queue
    item = db.session.scalar(select(ReviewItem))
    refused = client.post(f"/moderation/items/{item.id}/act", data={"action": "hide", "reason": ""})
    assert refused.status_code == 400 and "Give a reason" in text(refused)
    done = client.post(f"/moderation/items/{item.id}/act", data={"action": "hide", "reason": "Advert"})
    assert done.status_code == 302
    assert "Nothing is waiting for review" in text(client.get("/moderation/"))
    assert 'aria-label="Moderation, 0 waiting for review"' in text(client.get("/"))
    assert any("a moderator hid it" in n.message for n in db.session.scalars(select(Notification)))
    # The moderator still sees the text, marked; a consumer sees the placeholder.
    assert "Hidden by a moderator" in text(client.get(f"/t/{topic.id}"))
    client.post("/logout")
    login(client, people["owner"])
    page = text(client.get(f"/t/{topic.id}"))
    assert "Looking for <strong>tips</strong>." not in page and "This post was hidden by a moderator." in page


def test_the_queue_filters_and_says_when_nothing_matches(client, people, topic):
    moderation.flag(people["member"], "post", first_post(topic).id, "off_topic")
    login(client, people["moderator"])
    assert "Best bread knife?" in text(client.get("/moderation/?reason=off_topic&kind=post"))
    assert "Nothing is waiting for review with these filters" in text(client.get("/moderation/?reason=spam"))
    assert "Nothing is waiting" in text(client.get("/moderation/?kind=appeal"))


def test_a_deleted_posts_placeholder_shows_no_initial(client, people, topic):
    posting.reply(people["member"], topic, "Mick writes this")
    reply = db.session.scalar(select(Post).where(Post.body_source == "Mick writes this"))
    moderation.act_on_post(people["moderator"], reply, "delete", "Spam")
    page = text(client.get(f"/t/{topic.id}"))
    article = page[page.index(f'id="p{reply.id}"'):]
    article = article[:article.index("</article>")]
    assert "This post was deleted." in article
    assert '<span class="avatar" aria-hidden="true"></span>' in article and "Mick" not in article


# --- restrictions over HTTP --------------------------------------------------------------------------

def test_silenced_and_suspended_people_cannot_write_anywhere(client, people, topic):
    carol, mod = people["consumer"], people["moderator"]
    concept = make_concept(people["org"])
    feature = concept.features[0]
    other_post = posting.reply(people["member"], topic, "A reply to flag")
    for action in ("silence", "suspend"):
        moderation.act_on_person(mod, carol, action, "Cool off", until=utcnow() + timedelta(days=2))
        login(client, carol)
        attempts = {
            "reply": client.post(f"/t/{topic.id}/reply", data={"body": "Hello", "submit": "1"}),
            "vote": client.post(f"/concepts/{concept.slug}/features/{feature.id}/vote", data={"value": "up"}),
            "price": client.post(f"/concepts/{concept.slug}/price", data=PRICES),
            "flag": client.post("/flag", data={"kind": "post", "target_id": other_post.id, "reason": "spam"}),
        }
        for name, response in attempts.items():
            assert response.status_code == 403, (action, name, response.status_code)
        assert "until" in text(attempts["reply"])
        client.post("/logout")
        row = moderation.restrictions(carol)[0]
        moderation.act_on_person(mod, carol, "lift", "Over", suspension_id=row.id)
    login(client, carol)
    assert client.post(f"/t/{topic.id}/reply", data={"body": "Back again", "submit": "1"}).status_code == 302


def test_a_suspended_person_is_told_why_at_sign_in_and_can_appeal_once(client, people):
    carol = people["consumer"]
    moderation.act_on_person(people["moderator"], carol, "suspend", "Repeated spam links",
                             until=utcnow() + timedelta(days=3))
    response = client.post("/login", data={"login": carol.username, "password": "correct horse battery staple"},
                           follow_redirects=True)
    assert "suspended until" in text(response) and "Repeated spam links" in text(response)
    assert "Why should it be lifted?" in text(client.get("/appeal"))
    assert client.post("/appeal", data={"text": ""}).status_code == 400
    assert client.post("/appeal", data={"text": "They were my own shop's links."}).status_code == 302
    page = text(client.get("/appeal"))
    assert "You appealed" in page and "Send the appeal" not in page
    assert client.post("/appeal", data={"text": "again"}).status_code == 409
    client.post("/logout")
    login(client, people["moderator"])
    assert "They were my own shop" in text(client.get("/moderation/?kind=appeal"))


def test_a_warned_person_reads_the_warning_before_anything_else(client, people, topic):
    carol = people["consumer"]
    moderation.act_on_person(people["moderator"], carol, "warn", "Please keep it civil")
    login(client, carol)
    response = client.get(f"/t/{topic.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/warnings")
    page = text(client.get("/warnings"))
    assert "Please keep it civil" in page
    warning = moderation.pending_warnings(carol)[0]
    assert client.post(f"/warnings/{warning.id}/acknowledge").status_code == 302
    assert client.get(f"/t/{topic.id}").status_code == 200


# --- limits and blocked words ------------------------------------------------------------------------

def test_new_accounts_get_a_429_with_a_clear_message(client, people, topic, app):
    newbie = make_user("newbie", trust_level=0)
    moderation.update_settings(people["admin"], {"new_posts_per_hour": "2"})
    limiter.enabled = True
    login(client, newbie)
    for i in range(2):
        assert client.post(f"/t/{topic.id}/reply", data={"body": f"Post {i}", "submit": "1"}).status_code == 302
    response = client.post(f"/t/{topic.id}/reply", data={"body": "One too many", "submit": "1"})
    assert response.status_code == 429
    assert "New members can post 2 times per hour. You can post again in" in text(response)
    assert int(response.headers["Retry-After"]) > 0
    # An established member is not held to it.
    client.post("/logout")
    login(client, people["member"])
    for i in range(3):
        assert client.post(f"/t/{topic.id}/reply", data={"body": f"Member {i}", "submit": "1"}).status_code == 302


def test_a_post_with_a_blocked_word_awaits_review(client, people, topic):
    moderation.add_blocked_term(people["admin"], "word", "casino")
    login(client, people["member"])
    response = client.post(f"/t/{topic.id}/reply", data={"body": "Best casino bonus here", "submit": "1"},
                           follow_redirects=True)
    page = text(response)
    assert "Awaits review" in page and "Best casino bonus here" in page
    client.post("/logout")
    login(client, people["owner"])
    page = text(client.get(f"/t/{topic.id}"))
    assert "casino" not in page and "This post awaits review." in page


# --- the record and the admin pages ----------------------------------------------------------------

def test_public_log_and_audit_search(client, people, topic):
    moderation.act_on_post(people["moderator"], first_post(topic), "hide", "Rude remark about olga")
    public = text(client.get("/moderation/log"))
    assert "Post hidden" in public
    for private in ("olga", "maude", "carol", "Rude remark"):
        assert private not in public
    login(client, people["moderator"])
    audit = text(client.get("/moderation/audit?person=carol&action=post.hide"))
    assert "Rude remark about olga" in audit
    assert "No entries match these filters" in text(client.get("/moderation/audit?q=unrelated"))
    bad_date = client.get("/moderation/audit?since=yesterday")
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in text(bad_date)


def test_admin_settings_page_saves_and_refuses_nonsense(client, people):
    login(client, people["admin"])
    page = text(client.get("/admin/settings"))
    assert "Flag weight that hides an item" in page and "Limits for new accounts" in page
    bad = client.post("/admin/settings", data={"flag_threshold": "lots"})
    assert bad.status_code == 400 and "Enter a number" in text(bad)
    assert client.post("/admin/settings", data={"flag_threshold": "4.5"}).status_code == 302
    assert moderation.setting("flag_threshold") == 4.5
    assert db.session.scalar(select(ModerationAction.after).where(ModerationAction.action == "settings.change")) == "4.5"


def test_people_page_and_acting_on_a_person(client, people):
    login(client, people["moderator"])
    assert "carol" in text(client.get("/moderation/people?q=car"))
    assert "No one matches" in text(client.get("/moderation/people?q=zzz"))
    page = text(client.get("/moderation/people/carol"))
    assert "Never restricted." in page and "Trust level 1" in page
    response = client.post("/moderation/people/carol/act", data={"action": "suspend", "reason": "Spam",
                                                                 "until": (utcnow() + timedelta(days=5)).strftime("%Y-%m-%d")})
    assert response.status_code == 302
    page = text(client.get("/moderation/people/carol"))
    assert "Suspended until" in page and "Lift now" in page
    bad = client.post("/moderation/people/carol/act", data={"action": "silence", "reason": "x", "until": "2001-01-01"})
    assert bad.status_code == 400 and "must be in the future" in text(bad)


def test_a_flagger_sees_the_outcome_and_can_withdraw(client, people, topic):
    row = moderation.flag(people["member"], "post", first_post(topic).id, "spam")
    login(client, people["member"])
    assert client.post(f"/flags/{row.id}/withdraw").status_code == 302
    assert "You have not flagged anything." in text(client.get("/flags"))


# --- the person page asks the policy (issue 18: templates ask, they do not decide) ---------------

def _restricted(person, kind, by, days=5):
    end = utcnow() + timedelta(days=days) if kind != "ban" else moderation.BAN_UNTIL
    row = Suspension(user_id=person.id, moderator_id=by.id, kind=kind, reason="Matrix", ends_at=end)
    if kind == "silence":
        person.silenced_until = end
    else:
        person.suspended_until = end
    db.session.add(row)
    db.session.commit()
    return row


def test_a_moderator_sees_why_they_cannot_act_on_a_colleague_or_on_themselves(client, people):
    other = make_user("morgan", role="moderator")
    login(client, people["moderator"])
    page = text(client.get("/moderation/people/morgan"))
    assert "Only an admin acts on a moderator or an admin." in page and 'name="action"' not in page
    own = text(client.get(f"/moderation/people/{people['moderator'].username}"))
    assert "You cannot act on your own account." in own and 'name="action"' not in own
    client.post("/logout")
    login(client, people["admin"])
    assert 'name="action" value="warn"' in text(client.get(f"/moderation/people/{other.username}"))


def test_only_an_admin_lifts_a_colleagues_restriction_or_a_ban(client, people):
    colleague = make_user("morgan", role="moderator")
    silenced = _restricted(colleague, "silence", people["admin"])
    banned = _restricted(people["consumer"], "ban", people["admin"])
    login(client, people["moderator"])
    assert "Lift now" not in text(client.get("/moderation/people/morgan"))
    assert "Lift now" not in text(client.get("/moderation/people/carol"))
    for person, row in ((colleague, silenced), (people["consumer"], banned)):
        refused = client.post(f"/moderation/people/{person.username}/act",
                              data={"action": "lift", "reason": "Served", "suspension_id": row.id})
        assert refused.status_code == 403
        assert db.session.get(Suspension, row.id).lifted_at is None
    client.post("/logout")
    login(client, people["admin"])
    assert "Lift now" in text(client.get("/moderation/people/morgan"))
    done = client.post("/moderation/people/morgan/act",
                       data={"action": "lift", "reason": "Served", "suspension_id": silenced.id})
    assert done.status_code == 302 and db.session.get(Suspension, silenced.id).lifted_at is not None


def test_the_admins_own_row_offers_no_role_change(client, people):
    login(client, people["admin"])
    page = text(client.get("/admin/users"))
    assert f'action="/admin/users/{people["admin"].id}/role"' not in page
    assert f'action="/admin/users/{people["consumer"].id}/role"' in page


def test_the_appeal_page_says_why_a_person_in_good_standing_cannot_appeal(client, people):
    login(client, people["consumer"])
    response = client.get("/appeal")
    assert response.status_code == 403
    assert "Only a suspended account can appeal, while the suspension lasts." in text(response)


@pytest.mark.parametrize(("role", "url", "said"), [
    ("member", "/orgs/{slug}/tokens", "Only the organization's owners manage its API tokens."),
    ("consumer", "/orgs/{slug}/edit", "Only the organization's owners can edit it."),
    ("consumer", "/admin/", "Only admins can open this page."),
    ("consumer", "/moderation/", "Only moderators can open this page."),
])
def test_a_refused_page_says_the_policys_reason(client, people, role, url, said):
    """Views ask policy.require, so a refused person reads why (not a bare 403)."""
    login(client, people[role])
    response = client.get(url.format(slug=people["org"].slug))
    assert response.status_code == 403 and said in html.unescape(text(response))
