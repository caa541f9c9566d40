"""Concepts, features and stage changes: who may write, what is stored, what is refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.errors import NotFound, PermissionDenied, ValidationError
from forum.extensions import db
from forum.models import Concept, Event, Feature, StageChange, Tag, Topic
from forum.services import concepts
from tests.conftest import make_org, make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts() -> tuple[int, ...]:
    return tuple(count(m) for m in (Concept, Feature, StageChange, Tag, Topic, Event))


def post(actor, org, title="Pocket espresso maker", **kw) -> Concept:
    kw.setdefault("summary", "Barista coffee on a hike.")
    kw.setdefault("description", "## Why\n\nBecause **instant** coffee is sad.")
    kw.setdefault("tags", "Coffee, outdoor gear")
    return concepts.create(actor, org, title, **kw)


# --- create -----------------------------------------------------------------------------------

def test_member_creates_concept_with_topic_stage_entry_and_tags(people):
    concept = post(people["member"], people["org"], stage="concept", currency="usd",
                   price_question_enabled=True, kano_enabled=True)
    db.session.expire_all()
    concept = db.session.get(Concept, concept.id)
    assert concept.slug == "pocket-espresso-maker"
    assert concept.organization_id == people["org"].id
    assert concept.currency == "USD"
    assert concept.stage == "concept"
    assert concept.kano_enabled and concept.price_question_enabled and concept.feedback_open
    assert "<strong>instant</strong>" in concept.description_html
    assert concept.description_source.startswith("## Why")
    assert [t.name for t in concept.tags] == ["coffee", "outdoor-gear"]
    assert concept.topic is not None and concept.topic.title == "Pocket espresso maker"
    assert concept.topic.board_id is None and concept.topic.author_id == people["member"].id
    assert [(c.from_stage, c.to_stage) for c in concept.stage_changes] == [(None, "concept")]


def test_owner_may_create_and_tags_are_reused(people):
    post(people["owner"], people["org"], tags="coffee")
    post(people["member"], people["org"], title="Pocket espresso maker", tags="COFFEE, travel")
    assert count(Tag) == 2
    slugs = sorted(db.session.scalars(select(Concept.slug)))
    assert slugs == ["pocket-espresso-maker", "pocket-espresso-maker-2"]


def test_creating_follows_and_indexes(people, monkeypatch):
    calls = []
    monkeypatch.setattr(concepts.notifications, "follow", lambda user, **kw: calls.append(("follow", user, kw)))
    monkeypatch.setattr(concepts.search, "index_concept", lambda c: calls.append(("index", c.title)))
    concept = post(people["member"], people["org"])
    assert ("follow", people["member"], {"concept": concept}) in calls
    assert ("index", "Pocket espresso maker") in calls


def test_a_title_that_collides_with_new_gets_another_slug(people):
    concept = post(people["member"], people["org"], title="New")
    assert concept.slug != "new"


@pytest.mark.parametrize("role", ["consumer", "moderator", "admin"])
def test_non_members_may_not_create(people, role):
    before = counts()
    with pytest.raises(PermissionDenied):
        post(people[role], people["org"])
    assert counts() == before


def test_member_of_another_org_may_not_create(people):
    other = make_org(make_user("otto"), name="Other Co")
    with pytest.raises(PermissionDenied):
        post(people["member"], other)


@pytest.mark.parametrize("fields, field, message", [
    ({"title": ""}, "title", "Give the concept a title."),
    ({"title": "   "}, "title", "Give the concept a title."),
    ({"title": "x" * 121}, "title", "at most 120 characters"),
    ({"summary": "y" * 201}, "summary", "at most 200 characters"),
    ({"description": "z" * 20001}, "description", "at most 20000 characters"),
    ({"stage": "beta"}, "stage", "Choose a stage"),
    ({"currency": "XYZ"}, "currency", "“XYZ” is not a currency we support"),
    ({"currency": ""}, "currency", "not a currency we support"),
    ({"tags": "a,b,c,d,e,f,g,h,i"}, "tags", "at most 8 tags; you gave 9"),
    ({"tags": "t" * 33}, "tags", "at most 32 characters"),
    ({"tags": "ok, <script>"}, "tags", "is not a tag"),
])
def test_bad_input_gets_a_message_and_writes_nothing(people, fields, field, message):
    before = counts()
    kw = {"title": "Pocket espresso maker", **fields}
    title = kw.pop("title")
    with pytest.raises(ValidationError) as info:
        post(people["member"], people["org"], title=title, **kw)
    assert message in " ".join(info.value.errors[field])
    assert counts() == before


def test_parse_tags_normalizes():
    assert concepts.parse_tags(" Zero  Waste, kitchen,,KITCHEN ") == ["zero-waste", "kitchen"]
    assert concepts.parse_tags("") == []


# --- update -------------------------------------------------------------------------------------

def test_member_edits_concept_and_slug_stays(people):
    concept = post(people["owner"], people["org"])
    concepts.update(people["member"], concept, "Pocket espresso maker v2", "New summary",
                    "Plain *text*", "coffee", "GBP", False, True, True)
    db.session.expire_all()
    concept = db.session.get(Concept, concept.id)
    assert concept.title == "Pocket espresso maker v2"
    assert concept.slug == "pocket-espresso-maker"
    assert concept.topic.title == "Pocket espresso maker v2"
    assert concept.description_html == "<p>Plain <em>text</em></p>"
    assert [t.name for t in concept.tags] == ["coffee"]
    assert (concept.currency, concept.feedback_open, concept.kano_enabled,
            concept.price_question_enabled) == ("GBP", False, True, True)


@pytest.mark.parametrize("role", ["consumer", "moderator", "admin"])
def test_non_members_may_not_edit(people, role):
    concept = post(people["owner"], people["org"])
    with pytest.raises(PermissionDenied):
        concepts.update(people[role], concept, "Hijacked", "", "", "", "EUR", True, False, False)
    db.session.expire_all()
    assert db.session.get(Concept, concept.id).title == "Pocket espresso maker"


def test_bad_edit_changes_nothing(people):
    concept = post(people["owner"], people["org"])
    with pytest.raises(ValidationError) as info:
        concepts.update(people["member"], concept, "", "s", "d", "x", "DOGE", True, False, False)
    assert set(info.value.errors) == {"title", "currency"}
    db.session.rollback()
    db.session.expire_all()
    concept = db.session.get(Concept, concept.id)
    assert concept.title == "Pocket espresso maker" and concept.currency == "EUR"


# --- stages -------------------------------------------------------------------------------------

def test_change_stage_records_history_event_and_notifies(people, monkeypatch):
    notified = []
    monkeypatch.setattr(concepts.notifications, "notify_stage_change",
                        lambda concept, change, **_: notified.append(change.to_stage))
    concept = post(people["owner"], people["org"])
    change = concepts.change_stage(people["member"], concept, "prototype", "First units printed.")
    assert (change.from_stage, change.to_stage, change.note) == ("idea", "prototype", "First units printed.")
    assert notified == ["prototype"]
    db.session.expire_all()
    concept = db.session.get(Concept, concept.id)
    assert concept.stage == "prototype"
    assert [c.to_stage for c in concept.stage_changes] == ["idea", "prototype"]
    event = db.session.scalar(select(Event).where(Event.kind == "concept.stage"))
    assert event.room == f"concept:{concept.id}"
    assert event.payload["from"] == "idea" and event.payload["to"] == "prototype"


@pytest.mark.parametrize("stage, note, field", [
    ("beta", "", "stage"), ("idea", "", "stage"), ("launched", "n" * 501, "note")])
def test_bad_stage_change_is_refused(people, stage, note, field):
    concept = post(people["owner"], people["org"])
    before = counts()
    with pytest.raises(ValidationError) as info:
        concepts.change_stage(people["owner"], concept, stage, note)
    assert field in info.value.errors
    assert counts() == before


def test_consumer_cannot_change_stage(people):
    concept = post(people["owner"], people["org"])
    with pytest.raises(PermissionDenied):
        concepts.change_stage(people["consumer"], concept, "launched")


# --- features -----------------------------------------------------------------------------------

def titles(concept):
    db.session.expire_all()
    concept = db.session.get(Concept, concept.id)
    return [f.title for f in concepts.active_features(concept)], [f.title for f in concepts.retired_features(concept)]


def positions(concept):
    return list(db.session.scalars(select(Feature.position).where(
        Feature.concept_id == concept.id).order_by(Feature.position)))


def test_add_edit_move_retire_restore(people):
    member = people["member"]
    concept = post(people["owner"], people["org"])
    a = concepts.add_feature(member, concept, "Fits a jacket pocket", "Under 300 g")
    b = concepts.add_feature(member, concept, "Hand pump")
    c = concepts.add_feature(member, concept, "Ceramic basket")
    assert titles(concept) == (["Fits a jacket pocket", "Hand pump", "Ceramic basket"], [])

    concepts.update_feature(member, db.session.get(Feature, b.id), "Hand pump, 9 bar", "No batteries")
    concepts.move_feature(member, db.session.get(Feature, c.id), "up")
    assert titles(concept)[0] == ["Fits a jacket pocket", "Ceramic basket", "Hand pump, 9 bar"]
    concepts.move_feature(member, db.session.get(Feature, a.id), "up")  # already first: stays
    concepts.move_feature(member, db.session.get(Feature, a.id), "down")
    assert titles(concept)[0] == ["Ceramic basket", "Fits a jacket pocket", "Hand pump, 9 bar"]

    concepts.retire_feature(member, db.session.get(Feature, a.id))
    assert titles(concept) == (["Ceramic basket", "Hand pump, 9 bar"], ["Fits a jacket pocket"])
    assert positions(concept) == [0, 1, 2]
    assert db.session.get(Feature, a.id).retired_at is not None

    concepts.restore_feature(member, db.session.get(Feature, a.id))
    assert titles(concept) == (["Ceramic basket", "Hand pump, 9 bar", "Fits a jacket pocket"], [])
    assert positions(concept) == [0, 1, 2]


@pytest.mark.parametrize("title, description, field", [
    ("", "", "title"), ("t" * 121, "", "title"), ("Fine", "d" * 1001, "description")])
def test_bad_feature_input_writes_nothing(people, title, description, field):
    concept = post(people["owner"], people["org"])
    before = counts()
    with pytest.raises(ValidationError) as info:
        concepts.add_feature(people["member"], concept, title, description)
    assert field in info.value.errors
    db.session.rollback()
    assert counts() == before


@pytest.mark.parametrize("role", ["consumer", "moderator", "admin"])
def test_non_members_cannot_touch_features(people, role):
    concept = post(people["owner"], people["org"])
    feature = concepts.add_feature(people["owner"], concept, "Hand pump")
    actor = people[role]
    for call in (lambda: concepts.add_feature(actor, concept, "X"),
                 lambda: concepts.update_feature(actor, feature, "X", ""),
                 lambda: concepts.move_feature(actor, feature, "down"),
                 lambda: concepts.retire_feature(actor, feature),
                 lambda: concepts.restore_feature(actor, feature)):
        with pytest.raises(PermissionDenied):
            call()


def test_get_feature_of_another_concept_is_not_found(people):
    one = post(people["owner"], people["org"], title="One")
    two = post(people["owner"], people["org"], title="Two")
    feature = concepts.add_feature(people["owner"], two, "Only on two")
    with pytest.raises(NotFound):
        concepts.get_feature(concepts.get_by_slug(one.slug), feature.id)


# --- listing and visibility -----------------------------------------------------------------------

def test_hidden_concepts_are_seen_by_members_and_moderators_only(people):
    shown = post(people["owner"], people["org"], title="Shown")
    hidden = post(people["owner"], people["org"], title="Hidden one")
    hidden.hidden_at = hidden.created_at
    db.session.commit()

    def listed(actor):
        return {c.title for c in concepts.listing(actor).items}

    assert listed(None) == {"Shown"}
    assert listed(people["consumer"]) == {"Shown"}
    assert listed(people["member"]) == {"Shown", "Hidden one"}
    assert listed(people["moderator"]) == {"Shown", "Hidden one"}
    with pytest.raises(NotFound):
        concepts.get_by_slug(hidden.slug, people["consumer"])
    assert concepts.get_by_slug(hidden.slug, people["moderator"]).id == hidden.id
    assert concepts.get_by_slug(shown.slug, None).id == shown.id


def test_organizations_for_lists_only_memberships(people):
    make_org(make_user("otto"), name="Other Co")
    assert [o.name for o in concepts.organizations_for(people["member"])] == ["Acme Gadgets"]
    assert concepts.organizations_for(people["consumer"]) == []
    assert concepts.organizations_for(None) == []
