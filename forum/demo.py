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


def seed_demo() -> Iterator[str]:
    seed_people()
    seed_organizations()
    db.session.commit()
    yield "Demo data is in place. Every demo account's password: " + DEMO_PASSWORD
    yield "  admin:      grace"
    yield "  moderator:  maya_mod"
    yield "  enterprise: clara_bakes (Crumb & Co. Bakery), ravi_pulse (Pulse Audio), oskar_wood (Fjord Workshop)"
    yield "  consumers:  liam, sofia, noah_k, amara, jonas, priya"
