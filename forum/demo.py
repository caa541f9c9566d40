"""Demo data that shows the forum as a person would find it in use. Running it twice changes nothing."""
from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from forum.extensions import db
from forum.models import Membership, Organization, User, utcnow
from forum.services import passwords
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


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username_key == username.lower()))


def seed_people() -> None:
    password_hash: str | None = None
    for username, display_name, role, bio in PEOPLE:
        if _user(username) is not None:
            continue
        password_hash = password_hash or passwords.hash_password(DEMO_PASSWORD)
        db.session.add(User(username=username, username_key=username.lower(),
                            email=f"{username}@demo.soundingboard.example", display_name=display_name,
                            bio=bio, role=role, password_hash=password_hash))
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
        from sqlalchemy import insert

        password_hash = passwords.hash_password(DEMO_PASSWORD)  # one hash for all of them
        now = utcnow()
        db.session.execute(insert(User), [
            {"username": name, "username_key": name, "email": f"{name}@demo.soundingboard.example",
             "display_name": name.replace("_", " ").capitalize(), "password_hash": password_hash,
             "role": "consumer", "created_at": now} for name in missing])
        db.session.flush()
    return list(db.session.scalars(select(User.id).where(User.username_key.in_(names)).order_by(User.id)))


def _round_price(value: float, step: float) -> float:
    return max(step, round(value / step) * step)


def seed_feedback() -> None:
    """Votes, Kano answers and price answers on the priced demo concepts (fixed random seed, bulk inserts).

    Skips a concept that is absent or already has answers, so running it twice changes nothing.
    """
    import random
    from decimal import Decimal

    from sqlalchemy import insert

    from forum.models import Concept, FeatureVote, KanoAnswer, PriceResponse

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
        votes, kano_rows, prices = [], [], []
        for user_id in respondents:
            for feature, appeal in zip(features, profile["appeal"], strict=False):
                if rng.random() < 0.55:
                    votes.append({"feature_id": feature.id, "user_id": user_id,
                                  "value": 1 if rng.random() < appeal else -1, "created_at": now, "updated_at": now})
            if concept.kano_enabled and rng.random() < 0.6:
                for feature, category in zip(features, profile["kano"], strict=False):
                    pool = category if rng.random() < 0.65 else rng.choice("MOAI")
                    functional, dysfunctional = rng.choice(_KANO_PAIRS[pool])
                    kano_rows.append({"feature_id": feature.id, "user_id": user_id, "functional": functional,
                                      "dysfunctional": dysfunctional, "created_at": now, "updated_at": now})
            if concept.price_question_enabled and rng.random() < 0.8:
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
                prices.append({"concept_id": concept.id, "user_id": user_id, "too_cheap": tc,
                               "cheap": c, "expensive": e, "too_expensive": te,
                               "intent_cheap": intents[0], "intent_expensive": intents[1],
                               "created_at": now, "updated_at": now})
        for model, rows in ((FeatureVote, votes), (KanoAnswer, kano_rows), (PriceResponse, prices)):
            if rows:
                db.session.execute(insert(model), rows)
        db.session.commit()


def seed_demo() -> Iterator[str]:
    seed_people()
    seed_organizations()
    db.session.commit()
    seed_feedback()
    yield "Demo data is in place. Every demo account's password: " + DEMO_PASSWORD
    yield "  admin:      grace"
    yield "  moderator:  maya_mod"
    yield "  enterprise: clara_bakes (Crumb & Co. Bakery), ravi_pulse (Pulse Audio), oskar_wood (Fjord Workshop)"
    yield "  consumers:  liam, sofia, noah_k, amara, jonas, priya"
