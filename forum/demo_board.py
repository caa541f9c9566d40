"""Demo data, second part: the bulletin board's boards, topics and concept discussions, and the
trust the forum shows (confirmed addresses, stated commitments, a decision update). forum/demo.py
runs it after the people, organizations, concepts and feedback."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from forum import policy
from forum.extensions import db
from forum.models import Board, Concept, Decision, Organization, Post, Topic, User, utcnow
from forum.services import decisions, notifications, posting, search


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username_key == username.lower()))


# --- the bulletin board (forum/services/posting.py) ----------------------------------------------

BOARDS = [
    # slug, name, description, position
    ("announcements", "Announcements", "News about Sounding Board from the team.", 0),
    ("general", "General discussion", "Anything about products, making things and buying better.", 1),
    ("ideas", "Ideas for new products", "Something you wish existed? Pitch it here; makers are reading.", 2),
    ("help", "Help & feedback about Sounding Board", "Questions about how the forum works, and what to improve.", 3),
]

#: Board topics: (board slug, title, flags, [(author, hours ago, body, replies-to index or None)]).
BOARD_TOPICS = [
    ("announcements", "Welcome to Sounding Board: how it works", {"announcement": True}, [
        ("grace", 720, "Welcome! Sounding Board is where small firms show products **before** they exist, and "
                       "you decide what they become.\n\n"
                       "- Vote on features you want (or do not)\n"
                       "- Tell makers what you would pay\n"
                       "- Discuss in each concept's thread; posts by the team carry an **Official** badge\n\n"
                       "Be kind and specific. Moderators keep an eye on things.", None),
        ("liam", 700, "Great idea. Will makers actually tell us what they changed?", None),
        ("grace", 698, "Yes: when a concept moves on, its organization posts what it did with your feedback. "
                       "You get notified if you follow the concept.", 1),
        ("priya", 650, "Love that organizations are verified. Makes it feel less like a marketing survey.", None),
    ]),
    ("general", "What makes you trust a small brand?", {}, [
        ("sofia", 300, "I buy from small makers when I can, but I have been burned by a couple of "
                       "crowdfunding projects. What makes you trust a small brand?", None),
        ("noah_k", 290, "Spare parts and a repair guide. If they expect me to fix it, they expect it to last.", 0),
        ("amara", 270, "Clear answers to awkward questions. Ask about the warranty and see how they reply.", 0),
        ("priya", 240, "A real address and names on the team page. And reviews that are not all five stars.", None),
        ("jonas", 200, "Honest prices. If the cheap version is half the features, say so.", 3),
    ]),
    ("general", "Show us your home office setup", {"locked": True}, [
        ("kwame", 500, "Standing desk, one monitor on a shelf, plant for morale. Yours?", None),
        ("noah_k", 480, "Kitchen table and a laptop stand. Small flat life.", 0),
        ("tomasz", 470, "Treadmill under the desk. It is exactly as silly as it sounds, and I love it.", None),
        ("maya_mod", 400, "Locking this one: it drifted into a buying-advice thread with affiliate links. "
                          "Start a new topic any time!", None),
    ]),
    ("ideas", "A bike pannier that turns into a backpack", {}, [
        ("liam", 150, "I commute by bike and carry my pannier into the office like a suitcase. "
                      "A pannier with **hideaway straps** would be perfect.", None),
        ("tomasz", 140, "The hooks need to fold away completely or they dig into your back.", 0),
        ("hana", 120, "And make it repairable. Zips always fail first.", 0),
    ]),
    ("help", "How do official answers work?", {}, [
        ("elena", 90, "I saw a reply marked *Answered by Crumb & Co.*: who decides that?", None),
        ("grace", 85, "The organization behind the concept. When one of its members replies to a question, "
                      "they can mark that reply as the answer, so everyone sees it at the top of the "
                      "conversation.", 0),
    ]),
]

#: Concept discussions: (concept slug, pin?, [(author, hours ago, body, replies-to index)],
#: (question index, answer index) to mark answered or None).
CONCEPT_TALK = [
    ("sourdough-subscription-box", False, [
        ("sofia", 200, "Could I pick up on Saturday instead of a Friday delivery? I am at work before 8.", None),
        ("clara_bakes", 190, "Yes: Saturday pick-up at the shop will be an option from the first box, and it "
                             "will cost €2 less because there is no delivery round.", 0),
        ("elena", 150, "Two loaves a week is perfect for a family of four. A rye-only box would be great.", None),
        ("clara_bakes", 140, "Noted! Rye fans: vote for *Choose your loaves each week* above.", 2),
    ], (0, 1)),
    ("pulse-one-repairable-earbuds", True, [
        ("lena_pulse", 400, "Thanks for testing! Please post what you would change. We read everything.", None),
        ("liam", 300, "Will the battery still be sold after five years? That is the whole point for me.", None),
        ("ravi_pulse", 290, "Yes. We commit to selling batteries for at least seven years, and we publish "
                            "the cell spec so a repair shop can source one after that.", 1),
        ("tomasz", 200, "Ran with them for a week: they stay in, but the case hinge feels loose.", None),
        ("lena_pulse", 180, "Thanks Tomasz: the production hinge is steel, not the prototype's plastic.", 3),
        ("amara", 100, "Is noise cancelling good enough for a hospital break room?", None),
    ], (1, 2)),
    ("pulse-rest-sleep-earbuds", False, [
        ("amara", 60, "Night-shift nurse here: I would buy these tomorrow if they stay in while I sleep on my side.", None),
        ("lena_pulse", 50, "That is exactly the case we design for. Would you try a prototype in spring?", 0),
        ("amara", 45, "Absolutely.", 1),
    ], None),
    ("modular-standing-desk", False, [
        ("kwame", 250, "Bought one last month. The cable tray is great; the assembly guide could use more pictures.", None),
        ("noah_k", 120, "Does the 100 cm frame fit a 27-inch monitor on the clip-on shelf?", None),
    ], None),
    ("refill-station-for-apartment-buildings", False, [
        ("hana", 80, "Our building would sign up. Could it take glass bottles from other brands too?", None),
        ("jonas", 70, "Price per litre matters most for students. Please publish it early.", None),
    ], None),
]


def _seed_posts(topic, posts, now) -> list:
    """Add posts with their real history (backdated), keep the topic's counters, follow, index."""
    created = []
    org_id = topic.concept.organization_id if topic.concept_id is not None else None
    for username, hours_ago, body, reply_index in posts:
        author = user_named(username)
        html, excerpt = posting.render_body(body)
        at = now - timedelta(hours=hours_ago)
        post = Post(topic_id=topic.id, author_id=author.id, body_source=body, body_html=html, excerpt=excerpt,
                    reply_to_id=created[reply_index].id if reply_index is not None else None,
                    official_organization_id=org_id if org_id and policy.is_member(author, org_id) else None,
                    created_at=at)
        db.session.add(post)
        first = not topic.post_count
        topic.post_count = (topic.post_count or 0) + 1
        if first or at >= topic.last_post_at:
            topic.last_post_at, topic.last_post_user_id = at, author.id
        db.session.flush()
        created.append(post)
        notifications.follow(author, topic=topic)
        search.index_post(post)
    return created


def seed_board() -> None:
    """Boards, general topics and the demo concepts' discussions, with official answers, a pinned
    announcement and a locked topic. Concepts that are absent are skipped; running it twice changes
    nothing."""
    now = utcnow()
    by_slug = _seed_boards(now)
    for slug, title, flags, posts in BOARD_TOPICS:
        board = by_slug[slug]
        if db.session.scalar(select(Topic.id).where(Topic.board_id == board.id, Topic.title == title)):
            continue
        author = user_named(posts[0][0])
        topic = Topic(board_id=board.id, title=title, author_id=author.id, post_count=0,
                      is_announcement=flags.get("announcement", False), pinned=flags.get("announcement", False),
                      locked=flags.get("locked", False), created_at=now - timedelta(hours=posts[0][1]))
        db.session.add(topic)
        db.session.flush()
        _seed_posts(topic, posts, now)
    _seed_concept_talk(now)
    db.session.commit()


def _seed_boards(now: datetime) -> dict[str, Board]:
    """The demo boards by slug (those already there kept as they are)."""
    by_slug = {}
    for slug, name, description, position in BOARDS:
        board = db.session.scalar(select(Board).where(Board.slug == slug))
        if board is None:
            board = Board(slug=slug, name=name, description=description, position=position,
                          topic_starters="staff" if slug == "announcements" else "everyone",
                          created_at=now - timedelta(days=40))
            db.session.add(board)
            db.session.flush()
        by_slug[slug] = board
    return by_slug


def _seed_concept_talk(now: datetime) -> None:
    """The demo concepts' discussions, one official answer each where the script names one."""
    for concept_slug, pin, posts, answered in CONCEPT_TALK:
        concept = db.session.scalar(select(Concept).where(Concept.slug == concept_slug))
        if concept is None:
            continue
        topic = posting.concept_topic(concept)
        db.session.flush()
        if topic.post_count:
            continue
        topic.post_count = 0
        created = _seed_posts(topic, posts, now)
        topic.pinned = pin
        if answered is not None:
            created[answered[0]].answered_by_id = created[answered[1]].id
        if topic.last_post_at and topic.last_post_at > concept.last_activity_at:
            concept.last_activity_at = topic.last_post_at


# --- trust and closing the loop (forum/services/decisions.py) ---------------------------------------

COMMITMENTS = {
    "Crumb & Co. Bakery": "We answer every question here within two working days, usually the same evening "
                          "after the last bake.\nEvery month we post what we changed because of your feedback.",
    "Pulse Audio": "An engineer answers technical questions within 48 hours.\nWe publish the repair "
                   "manual and the price of every spare part before launch.",
}


def seed_trust(named: list[str]) -> None:
    """The named demo people's addresses count as confirmed; two organizations state their commitments; the sourdough box
    gets a decision update. Running it twice changes nothing."""
    for user in db.session.scalars(select(User).where(User.email_verified_at.is_(None),
                                                      User.username_key.in_(named))):
        user.email_verified_at = user.created_at
    for name, text in COMMITMENTS.items():
        org = db.session.scalar(select(Organization).where(Organization.name == name))
        if org is not None and not org.commitments:
            org.commitments = text
    db.session.commit()
    concept = db.session.scalar(select(Concept).where(Concept.title == "Sourdough subscription box"))
    if concept is None or db.session.scalar(select(Decision.id).where(Decision.concept_id == concept.id)):
        return
    adopted = [str(f.id) for f in concept.features if "loaves" in f.title.lower()][:1]
    decisions.create(user_named("clara_bakes"), concept, "We are starting with 40 boxes, and you choose your loaves",
                     "Choosing the loaves each week was the clear favourite, so it is in from the first box. "
                     "Saturday pick-up at the shop is an option too. We set the price inside the range most "
                     "of you found acceptable.", price="24", adopted=adopted)
