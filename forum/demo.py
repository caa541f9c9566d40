"""Demo data that shows the forum as a person would find it in use. Running it twice changes nothing."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from forum import demo_cocreation, demo_research
from forum.demo_board import seed_board, seed_trust, user_named
from forum.extensions import db
from forum.models import (
    Concept,
    FeatureVote,
    KanoAnswer,
    Membership,
    Organization,
    PriceResponse,
    StageChange,
    User,
    utcnow,
)
from forum.services import concepts, passwords, search
from forum.services.organizations import slugify

DEMO_PASSWORD = "sounding-board-demo"

PEOPLE = [
    # username, display name, role, bio
    ("grace", "Grace Hopkins", "admin", "Runs Sounding Board. Ask me about organization verification."),
    ("maya_mod", "Maya Okafor", "moderator", "Community moderator. Be kind, be specific."),
    ("clara_bakes", "Clara Lindqvist", "consumer", "Baker and owner of Crumb & Co. Sourdough since 2011."),
    ("ravi_pulse", "Ravi Menon", "consumer", "Co-founder of Pulse Audio. Hardware, firmware, too much coffee."),
    ("lena_pulse", "Lena Fischer", "consumer", "Product lead at Pulse Audio."),
    ("oskar_wood", "Oskar Berg", "consumer", "Furniture maker at Fjord Workshop."),
    ("ines_loop", "Inês Carvalho", "consumer", "Founder of GreenLoop refills."),
    ("liam", "Liam O'Connor", "consumer", "Commutes by bike, listens to podcasts on the way."),
    ("sofia", "Sofia Rossi", "consumer", "Home cook. Opinions on bread."),
    ("noah_k", "Noah Kim", "consumer", "Software developer working from a tiny flat."),
    ("amara", "Amara Nwosu", "consumer", "Nurse, night shifts, needs good earplugs."),
    ("jonas", "Jonas Weber", "consumer", "Student. Budget-minded."),
    ("priya", "Priya Sharma", "consumer", "Designer. Likes things that last."),
    ("tomasz", "Tomasz Nowak", "consumer", "Runner and gadget tester."),
    ("elena", "Elena Petrova", "consumer", "Teacher, parent of two, eats a lot of bread."),
    ("kwame", "Kwame Mensah", "consumer", "Remote worker, standing-desk convert."),
    ("hana", "Hana Suzuki", "consumer", "Zero-waste enthusiast."),
]

ORGANIZATIONS = [
    # name, description, website, verified, owner, members
    ("Crumb & Co. Bakery", "A neighbourhood sourdough bakery with four bakers and one very old starter.",
     "https://crumb.example", True, "clara_bakes", []),
    ("Pulse Audio", "A twelve-person startup making repairable wireless earbuds.",
     "https://pulse-audio.example", True, "ravi_pulse", ["lena_pulse"]),
    ("Fjord Workshop", "A furniture maker building modular desks and shelves from Nordic birch.",
     "https://fjord-workshop.example", False, "oskar_wood", []),
    ("GreenLoop", "Refillable household cleaning products, delivered by bike.",
     "https://greenloop.example", False, "ines_loop", []),
]


_user = user_named


def seed_people() -> None:
    password_hash: str | None = None
    for username, display_name, role, bio in PEOPLE:
        if _user(username) is not None:
            continue
        password_hash = password_hash or passwords.hash_password(DEMO_PASSWORD)
        # Established members of a forum in use: months old, trust level 2 ("member"), so the
        # limits on brand-new accounts apply only to people who register after the demo.
        db.session.add(User(username=username, username_key=username.lower(),
                            email=f"{username}@demo.soundingboard.example", display_name=display_name,
                            bio=bio, role=role, password_hash=password_hash,
                            created_at=utcnow() - timedelta(days=180), trust_level=2))
    db.session.flush()


def seed_organizations() -> None:
    admin = _user("grace")
    for name, description, website, verified, owner, members in ORGANIZATIONS:
        slug = slugify(name)
        if db.session.scalar(select(Organization.id).where(Organization.slug == slug)):
            continue
        owner_user = _user(owner)
        org = Organization(name=name, slug=slug, description=description, website=website,
                           created_by_id=owner_user.id, publish_price_summary=verified,
                           verified_at=utcnow() if verified else None,
                           verified_by_id=admin.id if verified else None)
        org.memberships.append(Membership(user_id=owner_user.id, role="owner"))
        for member in members:
            org.memberships.append(Membership(user_id=_user(member).id, role="member"))
        db.session.add(org)
    db.session.flush()


# --- concepts (forum/services/concepts.py) ---------------------------------------------------------

CONCEPTS = [
    {
        "org": "Crumb & Co. Bakery", "by": "clara_bakes", "title": "Sourdough subscription box",
        "summary": "Two fresh loaves and a seasonal bake, delivered every Friday morning.",
        "tags": "bread, subscription, local food", "currency": "EUR", "feedback": True,
        "history": [("idea", 74, ""), ("concept", 38, "We costed the delivery round: it works from "
                                                       "40 subscribers in two postcodes.")],
        "description": """We bake 300 loaves a day and sell out by noon. Regulars keep asking whether we can hold a loaf for them, so we are thinking about a **weekly subscription box**.

# What would be in it
- Two loaves of your choice from the week's bake (country white, rye, seeded spelt)
- One seasonal bake: cardamom buns in winter, rhubarb galette in spring
- A printed card with what our starter is up to this week

# What we are unsure about
1. Friday morning delivery, or pick-up at the shop on Saturday?
2. Would you rather pause weeks freely, or get a lower price for committing to a month?
3. Is a reusable linen bag worth a one-off deposit?

Tell us below what matters to you: we bake the first 40 boxes in spring.""",
        "features": [
            ("Choose your loaves each week", "Pick from the week's bake until Wednesday night; otherwise you get our baker's choice."),
            ("Pause or skip any week", "Going away? Skip a week in one click, no fee."),
            ("Friday morning doorstep delivery", "By cargo bike before 8:00 within 5 km of the bakery."),
            ("Reusable linen bread bag", "A washable bag that keeps the crust crisp; returned with the next box."),
            ("Seasonal bake included", "One sweet or savoury bake that changes with the season."),
            ("Gluten-reduced option", "A long-fermented spelt loaf instead of the wheat loaves."),
        ],
    },
    {
        "org": "Pulse Audio", "by": "ravi_pulse", "title": "Pulse One repairable earbuds",
        "summary": "Wireless earbuds with a battery you can swap yourself in thirty seconds.",
        "tags": "audio, repairable, earbuds, right to repair", "currency": "EUR", "feedback": True,
        "history": [("idea", 160, ""), ("concept", 120, "Industrial design frozen; battery cell sourced."),
                    ("prototype", 21, "Twenty hand-built prototype pairs are out with testers.")],
        "description": """Most wireless earbuds die when their battery does, usually after two years. **Pulse One** is built to be opened: the battery clicks out, the ear tips and the charging case's hinge are spare parts you can order, and the firmware is updated for at least five years.

# Where we are
Twenty prototype pairs are out with testers. Sound is tuned; we are now choosing which features make the first production run and what it should cost.

| Part | Replaceable by you | Spare part price (target) |
| --- | --- | --- |
| Battery | yes, tool-free | €9 |
| Ear tips | yes | €4 a set |
| Case hinge | yes, one screw | €3 |

Vote on the features below and tell us what you would pay.""",
        "features": [
            ("Tool-free battery swap", "Twist the stem, pull out the cell, click in a new one."),
            ("Active noise cancelling", "Two microphones per bud; roughly 25 dB of reduction on a train."),
            ("Five years of firmware updates", "Security and Bluetooth fixes promised in writing."),
            ("Wireless charging case", "Qi charging in addition to USB-C."),
            ("Multipoint Bluetooth", "Connected to your phone and laptop at the same time."),
            ("Sweat and rain resistance (IPX5)", "For running and cycling commutes."),
            ("Transparent shell edition", "See the parts inside; same price."),
        ],
        "retire": ["Transparent shell edition"],
    },
    {
        "org": "Pulse Audio", "by": "lena_pulse", "title": "Pulse Rest sleep earbuds",
        "summary": "Soft, flat earbuds that mask snoring and play white noise all night.",
        "tags": "audio, sleep, health", "currency": "EUR", "feedback": True,
        "history": [("idea", 9, "")],
        "description": """Several Pulse One testers who work night shifts asked for something they can **sleep in**. This is an early idea: flat silicone buds that sit flush in the ear, play masking sounds from the bud's own memory (no phone needed) and last a full night.

We have not built anything yet. Would you use it, and what would make it worth it?""",
        "features": [
            ("Flush fit for side sleepers", "Nothing sticks out of the ear, so lying on your side is comfortable."),
            ("Sounds stored on the bud", "White, pink and brown noise without a phone by the bed."),
            ("Ten-hour battery", "A full night plus a margin for a long-haul flight."),
            ("Gentle vibration alarm", "Wakes you without waking your partner."),
        ],
    },
    {
        "org": "Fjord Workshop", "by": "oskar_wood", "title": "Modular standing desk",
        "summary": "A birch standing desk you can grow from a laptop shelf into a full workstation.",
        "tags": "furniture, home office, birch, modular", "currency": "EUR", "feedback": True,
        "history": [("idea", 300, ""), ("concept", 240, ""),
                    ("prototype", 150, "Three desks in daily use at a coworking space in Bergen."),
                    ("launched", 12, "On sale now. Thank you: the cable tray and the shorter frame "
                                     "came straight from your feedback.")],
        "description": """A standing desk made from **Nordic birch plywood** and a steel frame that bolts together with one hex key. Start with the top and frame; add the modules you need when you need them.

# Modules
- Monitor shelf that clips onto the back edge
- Cable tray underneath
- Drawer for the stuff that ends up everywhere

It is now on sale. Keep telling us what to build next.""",
        "features": [
            ("Electric height adjustment", "Quiet single motor, 65 to 125 cm, three memory positions."),
            ("Clip-on monitor shelf", "Raises screens to eye level without a monitor arm."),
            ("Under-desk cable tray", "Holds a power strip and hides the cables."),
            ("Compact 100 cm frame", "For small flats; the top is 100 × 60 cm."),
            ("Solid oak top option", "Oak instead of birch plywood, at a higher price."),
        ],
    },
    {
        "org": "GreenLoop", "by": "ines_loop", "title": "Refill station for apartment buildings",
        "summary": "A shared refill station in your building's lobby for detergent and cleaning products.",
        "tags": "zero waste, refill, cleaning, household", "currency": "EUR", "feedback": True,
        "history": [("idea", 5, "")],
        "description": """Today we deliver refills by bike, one household at a time. What if your building had a
**refill station** in the lobby instead? Bring your own bottle, tap your card, pay per litre.

We are looking for three buildings to try it. Would you use one, and what would it need to have?""",
        "features": [
            ("Pay per litre with a card", "No subscription; you pay for what you fill."),
            ("Laundry and dish detergent", "The two products people refill most."),
            ("Bottle deposit scheme", "Borrow a glass bottle for €2, get the €2 back when you return it."),
            ("Fill level shown in an app", "Check the station is not empty before you go down."),
        ],
    },
]

PRICED = {"Sourdough subscription box", "Pulse One repairable earbuds"}


def seed_concepts() -> None:
    """The demo organizations' concepts, one in every stage, with features and stage histories."""
    now = utcnow()
    for spec in CONCEPTS:
        if db.session.scalar(select(Concept.id).where(Concept.slug == slugify(spec["title"], 120))):
            continue
        org = db.session.scalar(select(Organization).where(Organization.slug == slugify(spec["org"])))
        author = _user(spec["by"])
        if org is None or author is None:
            continue
        priced = spec["title"] in PRICED
        first_stage, first_days, _ = spec["history"][0]
        concept = concepts.create(
            author, org, spec["title"], summary=spec["summary"], description=spec["description"],
            stage=first_stage, tags=spec["tags"], currency=spec["currency"],
            feedback_open=spec["feedback"], kano_enabled=priced, price_question_enabled=priced)
        for title, description in spec["features"]:
            concepts.add_feature(author, concept, title, description)
        for title in spec.get("retire", []):
            feature = next(f for f in concept.features if f.title == title)
            concepts.retire_feature(author, feature)
        for stage, _days, note in spec["history"][1:]:
            concepts.change_stage(author, concept, stage, note)
        # Spread the history over the past months, as it happened.
        created = now - timedelta(days=first_days)
        concept.created_at = created
        concept.topic.created_at = created
        concept.topic.last_post_at = created
        for feature in concept.features:
            feature.created_at = feature.updated_at = created + timedelta(hours=1)
            if feature.retired_at is not None:
                feature.retired_at = now - timedelta(days=3)
        changes = db.session.scalars(select(StageChange).where(StageChange.concept_id == concept.id)
                                     .order_by(StageChange.id)).all()
        for change, (_stage, days, _note) in zip(changes, spec["history"], strict=False):
            change.created_at = now - timedelta(days=days)
        concept.updated_at = concept.last_activity_at = now - timedelta(days=spec["history"][-1][1])
        search.index_concept(concept)  # search results show the date it was posted, as it happened
        db.session.commit()


# --- co-creation feedback (forum/services/feedback.py) ------------------------------------------------

RESPONDENTS = 300
FEEDBACK_SEED = 20260303

#: Per priced concept: the typical price and its spread (log-normal), the price step people think in,
#: each active feature's share in favour and its Kano profile (in the concept's feature order).
FEEDBACK_PROFILES = {
    "sourdough-subscription-box": {"median": 27.0, "spread": 0.22, "step": 0.5,
                                   "appeal": [0.86, 0.9, 0.62, 0.41, 0.74, 0.33],
                                   "kano": ["O", "M", "A", "I", "A", "I"]},
    "pulse-one-repairable-earbuds": {"median": 155.0, "spread": 0.2, "step": 5.0,
                                     "appeal": [0.93, 0.81, 0.88, 0.52, 0.69, 0.6],
                                     "kano": ["A", "O", "M", "I", "A", "M"]},
}

_KANO_PAIRS = {
    "M": [("expect", "dislike"), ("neutral", "dislike"), ("live_with", "dislike")],
    "O": [("like", "dislike")],
    "A": [("like", "neutral"), ("like", "live_with"), ("like", "expect")],
    "I": [("neutral", "neutral"), ("neutral", "live_with"), ("live_with", "live_with"), ("expect", "neutral")],
}


def seed_respondents(count: int = RESPONDENTS) -> list[int]:
    """respondent_001 ... respondent_300: consumers who answer the demo questions (one shared hash)."""
    names = [f"respondent_{i:03d}" for i in range(1, count + 1)]
    existing = set(db.session.scalars(select(User.username_key).where(User.username_key.in_(names))))
    missing = [name for name in names if name not in existing]
    if missing:
        password_hash = passwords.hash_password(DEMO_PASSWORD)  # one hash for all of them
        now = utcnow()
        db.session.execute(insert(User), [
            {"username": name, "username_key": name, "email": f"{name}@demo.soundingboard.example",
             "display_name": name.replace("_", " ").capitalize(), "password_hash": password_hash,
             "role": "consumer", "created_at": now - timedelta(days=120), "trust_level": 2}
            for name in missing])
        db.session.flush()
    return list(db.session.scalars(select(User.id).where(User.username_key.in_(names)).order_by(User.id)))


def _round_price(value: float, step: float) -> float:
    return max(step, round(value / step) * step)


def seed_feedback() -> None:
    """Votes, Kano answers and price answers on the priced demo concepts (fixed random seed, bulk inserts).

    Skips a concept that is absent or already has answers, so running it twice changes nothing.
    """
    respondents: list[int] | None = None
    for index, (slug, profile) in enumerate(FEEDBACK_PROFILES.items()):
        concept = db.session.scalar(select(Concept).where(Concept.slug == slug))
        if concept is None:
            continue
        if db.session.scalar(select(PriceResponse.id).where(PriceResponse.concept_id == concept.id).limit(1)):
            continue
        respondents = respondents or seed_respondents()
        rng = random.Random(FEEDBACK_SEED + index)
        features = [f for f in concept.features if f.retired_at is None]
        now = utcnow()
        stamp = {"created_at": now, "updated_at": now}
        votes, kano_rows, prices = [], [], []
        for user_id in respondents:
            votes += _demo_votes(rng, features, profile, {"user_id": user_id, **stamp})
            if concept.kano_enabled and rng.random() < 0.6:
                kano_rows += _demo_kano(rng, features, profile, {"user_id": user_id, **stamp})
            if concept.price_question_enabled and rng.random() < 0.8:
                prices.append({"concept_id": concept.id, "user_id": user_id, **_demo_price(rng, profile), **stamp})
        for model, rows in ((FeatureVote, votes), (KanoAnswer, kano_rows), (PriceResponse, prices)):
            if rows:
                db.session.execute(insert(model), rows)
        db.session.commit()


def _demo_votes(rng: random.Random, features: list[Any], profile: dict[str, Any],
                who: dict[str, Any]) -> list[dict[str, Any]]:
    """One respondent's votes: about half the features, up more often the more appealing."""
    return [{"feature_id": feature.id, "value": 1 if rng.random() < appeal else -1, **who}
            for feature, appeal in zip(features, profile["appeal"], strict=False) if rng.random() < 0.55]


def _demo_kano(rng: random.Random, features: list[Any], profile: dict[str, Any],
               who: dict[str, Any]) -> list[dict[str, Any]]:
    """One respondent's Kano answers: mostly the feature's own category, now and then another."""
    rows = []
    for feature, category in zip(features, profile["kano"], strict=False):
        pool = category if rng.random() < 0.65 else rng.choice("MOAI")
        functional, dysfunctional = rng.choice(_KANO_PAIRS[pool])
        rows.append({"feature_id": feature.id, "functional": functional, "dysfunctional": dysfunctional, **who})
    return rows


def _demo_price(rng: random.Random, profile: dict[str, Any]) -> dict[str, Any]:
    """One respondent's four prices (and, seven times in ten, the two intents)."""
    step = profile["step"]
    base = profile["median"] * rng.lognormvariate(0, profile["spread"])
    answer = [_round_price(base * rng.uniform(*bounds), step)
              for bounds in ((0.35, 0.6), (0.75, 0.92), (1.08, 1.3), (1.4, 1.9))]
    for i in range(1, 4):  # rounding may tie two prices: keep them in order
        answer[i] = max(answer[i], answer[i - 1] + step)
    if rng.random() < 0.03:  # a few people mix up "a bargain" and "getting expensive"
        answer[1], answer[2] = answer[2], answer[1]
    intents = (None, None)
    if rng.random() < 0.7:
        intents = (rng.choices([5, 4, 3, 2], [35, 40, 20, 5])[0],
                   rng.choices([4, 3, 2, 1], [10, 35, 35, 20])[0])
    tc, c, e, te = (Decimal(f"{price:.2f}") for price in answer)
    return {"too_cheap": tc, "cheap": c, "expensive": e, "too_expensive": te,
            "intent_cheap": intents[0], "intent_expensive": intents[1]}


def seed_demo() -> Iterator[str]:
    seed_people()
    seed_organizations()
    db.session.commit()
    seed_concepts()
    db.session.commit()
    seed_feedback()
    demo_research.seed_research(seed_respondents())
    seed_board()
    seed_trust([username.lower() for username, *_ in PEOPLE])
    demo_cocreation.seed()
    yield "Demo data is in place. Every demo account's password: " + DEMO_PASSWORD
    yield "  admin:      grace"
    yield "  moderator:  maya_mod"
    yield "  enterprise: clara_bakes (Crumb & Co. Bakery), ravi_pulse (Pulse Audio), oskar_wood (Fjord Workshop)"
    yield "  consumers:  liam, sofia, noah_k, amara, jonas, priya"
