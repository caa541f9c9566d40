"""Four journeys through the forum in headless Chromium against a real server (issue 19), each page
looked at at 1280 and 390 px (screenshots under screenshots/journeys/<journey>/):

- a visitor registers, confirms the address, follows a concept, comments, votes and prices it;
- an organization member posts a concept, answers officially, reads the summary, posts a decision;
- a moderator works the queue and the audit log;
- a consumer, in Chinese, downloads their data and deletes the account.

On every page: at 390 px nothing scrolls sideways, whatever the posts hold (a long code line, a long
URL, a wide table); a signed-in header is at most 80 px tall; axe-core finds no serious or critical
violation, in the journey's language and, once the journey is over, on the same pages in the other.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Concept, OutboxMessage, Post, User
from forum.services import concepts, feedback, moderation, posting
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser

WIDE, PHONE = 1280, 390
HEADER_MAX = 80
LANGUAGES = {"en": "en", "zh": "zh_Hans"}
CJK = re.compile(r"[\u4e00-\u9fff]")

# What a post may hold that used to widen a phone's page.
AWKWARD_POST = ("Measured it at home:\n\n```\n" + "noise_db = measure(kettle, distance_cm=50, "
                "samples=[" + ", ".join(str(40 + n) for n in range(60)) + "])\n```\n\n"
                "Source: https://example.com/" + "a-very-long-path-segment-" * 12 + "\n\n"
                "| model | litres | watts | decibels at 50 cm | warranty years | price in euros |\n"
                "|---|---|---|---|---|---|\n"
                "| QuietBoilerSupreme3000 | 1.5 | 2200 | 42 | 5 | 89 |\n")


class Journey:
    """One person's browser: every page they reach is looked at with `look`."""

    def __init__(self, browser, live_server: str, name: str, lang: str = "en") -> None:
        self.name, self.lang, self.live_server = name, lang, live_server
        self.folder = SCREENSHOTS / "journeys" / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.context = browser.new_context(
            base_url=live_server, viewport={"width": WIDE, "height": 900}, bypass_csp=True,  # axe is injected
            extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9" if lang == "zh" else "en-GB,en;q=0.9"})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.seen: list[tuple[str, str, bool]] = []  # (label, address, signed in)
        self.violations: list[str] = []
        self.step = 0

    def look(self, label: str, signed_in: bool = True) -> None:
        page = self.page
        page.wait_for_load_state()
        self.step += 1
        stem = self.folder / f"{self.step:02d}-{label}"
        page.screenshot(path=f"{stem}-{WIDE}.png", full_page=True)
        self._axe(label, self.lang)
        page.set_viewport_size({"width": PHONE, "height": 844})
        page.wait_for_timeout(50)
        page.screenshot(path=f"{stem}-{PHONE}.png", full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            wide = page.evaluate("""w => [...document.querySelectorAll('main *')]
                .filter(el => el.getBoundingClientRect().right > w + 1).slice(0, 5)
                .map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""", PHONE)
            raise AssertionError(f"{self.name}/{label}: the page is {width} px wide at {PHONE} px ({page.url}): {wide}")
        if signed_in:
            header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
            assert header <= HEADER_MAX, f"{self.name}/{label}: the header is {header:.0f} px tall at {PHONE} px"
        page.set_viewport_size({"width": WIDE, "height": 900})
        self.seen.append((label, page.url, signed_in))

    def _axe(self, label: str, lang: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        result = Axe().run(self.page)
        for violation in result.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                self.violations.append(f"{self.name}/{label} [{lang}]: {violation['id']} ({violation['impact']}): "
                                       f"{violation['nodes'][0]['target']}")

    def other_language(self, skip: tuple[str, ...] = ()) -> None:
        """The pages of the journey again, in the other language (a GET of the same address)."""
        other = "en" if self.lang == "zh" else "zh"
        self.context.add_cookies([{"name": "lang", "value": LANGUAGES[other], "url": self.live_server}])
        for label, url, _signed_in in self.seen:
            if label in skip:
                continue
            response = self.page.goto(url)
            if response is None or response.status != 200:
                continue  # a page that was an answer to a form (an error shown once)
            self._axe(label, other)
        self.context.clear_cookies(name="lang")

    def finish(self) -> None:
        assert not self.errors, self.errors  # no script errors on any page
        assert not self.violations, "\n".join(self.violations)
        self.context.close()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def kettle(owner: User | None = None) -> Concept:
    owner = owner or make_user("tess_owner", display_name="Tess Maker")
    org = make_org(owner, name="Kettle Works")
    concept = concepts.create(owner, org, "Quiet kettle", "A kettle you can use at 6 a.m. without waking anyone.",
                              "Boils **quietly**.\n\n| size | litres |\n|---|---|\n| small | 1.0 |\n| large | 1.7 |",
                              kano_enabled=True, price_question_enabled=True)
    for title in ("Whisper mode", "Temperature presets", "Keep warm for an hour"):
        concepts.add_feature(owner, concept, title)
    return concept


def confirmation_path(address: str) -> str:
    db.session.expire_all()
    message = db.session.scalars(db.select(OutboxMessage).where(OutboxMessage.to_addr == address)
                                 .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no message to {address}"
    return re.search(r"https?://[^/\s]+(/verify-email/\S+)", message.body_text).group(1)


def test_visitor_registers_confirms_follows_comments_votes_and_prices(browser, live_server, app):
    concept = kettle()
    journey = Journey(browser, live_server, "visitor")
    page = journey.page
    page.goto(f"/concepts/{concept.slug}")
    expect(page.locator(".feedback-asks")).to_contain_text("Log in to answer")
    journey.look("concept-as-visitor", signed_in=False)

    page.click("text=Join")
    page.fill("#username", "vic_voter")
    page.fill("#email", "vic@example.com")
    page.fill("#display_name", "Vic Voter")
    page.fill("#password", "a decent long passphrase")
    journey.look("register", signed_in=False)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flashes")).to_contain_text("vic@example.com")
    page.goto(confirmation_path("vic@example.com"))
    journey.look("confirmed", signed_in=False)
    log_in(page, "vic_voter", "a decent long passphrase")
    expect(page.locator(".flashes")).to_contain_text("Welcome, Vic Voter")  # the first time: no "back"
    journey.look("first-login")

    page.goto(f"/concepts/{concept.slug}")
    page.locator(".follow-button").first.click()
    expect(page.locator(".follow-button").first).to_contain_text("Following")

    # Votes by keyboard: focus stays on the button pressed, the tally moves in place.
    # (A new account's votes count in the tallies once it is a few days old: the button says it is hers.)
    for title, button in (("Whisper mode", ".vote-up"), ("Keep warm for an hour", ".vote-down")):
        row = page.locator(".vote-row", has_text=title)
        row.locator(button).focus()
        page.keyboard.press("Enter")
        expect(row.locator(".vote-confirm")).to_be_visible()
        expect(row.locator(button)).to_have_attribute("aria-pressed", "true")
        focused = page.evaluate("() => { const el = document.activeElement; const row = el.closest('.vote-row');"
                                " return [el.tagName, el.className, row ? row.innerText : ''] }")
        assert focused[0] == "BUTTON" and button[1:] in focused[1] and title in focused[2], focused
    journey.look("voted")

    page.locator(".feedback-asks a", has_text="price").click()
    for field, value in (("#too_cheap", "15"), ("#cheap", "30"), ("#expensive", "55"), ("#too_expensive", "80")):
        page.fill(field, value)
    save = page.locator("main form button[type=submit]")
    save.click()
    expect(save).to_contain_text("Saved")  # in place, no reload
    expect(page.locator("[data-live-status]")).to_be_visible()
    journey.look("priced")

    page.goto(f"/concepts/{concept.slug}")
    page.locator("a", has_text=re.compile("discussion", re.I)).first.click()
    before = int(page.get_attribute("[data-post-count]", "data-post-count"))
    page.fill("textarea[name=body]", AWKWARD_POST)
    page.locator("button[name=submit]").click()
    expect(page.locator(".post-list")).to_contain_text("Measured it at home")
    expected = "1 post" if before == 0 else f"{before + 1} posts"
    expect(page.locator("[data-post-count]")).to_have_text(expected)  # the header follows, once
    journey.look("commented")
    page.goto("/notifications")
    journey.look("notifications")
    journey.other_language()
    journey.finish()


def test_member_posts_a_concept_answers_reads_the_summary_and_decides(browser, live_server, app):
    owner = make_user("tess_owner", display_name="Tess Maker")
    make_org(owner, name="Kettle Works")
    journey = Journey(browser, live_server, "member")
    page = journey.page
    log_in(page, "tess_owner")
    page.locator(".site-header a", has_text="Post a concept").first.click() if page.locator(
        ".site-header a", has_text="Post a concept").first.is_visible() else page.goto("/concepts/new")
    page.fill("#title", "Quiet kettle")
    page.fill("#summary", "A kettle you can use at 6 a.m. without waking anyone.")
    page.fill("#description", "Boils **quietly**.\n\n" + AWKWARD_POST)
    page.check("#price_question_enabled")
    journey.look("new-concept")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#concept-title")).to_have_text("Quiet kettle")
    for title in ("Whisper mode", "Temperature presets"):
        page.fill("#features form.feature-add #title", title)
        page.locator("#features form.feature-add button[type=submit]").click()
    journey.look("concept")

    # People answer meanwhile.
    concept = db.session.scalars(db.select(Concept).where(Concept.slug == "quiet-kettle")).one()
    whisper = next(f for f in concept.features if f.title == "Whisper mode")
    for n in range(3):
        person = make_user(f"fan_{n}", display_name=f"Fan {n}")
        feedback.cast_vote(person, whisper, "up")
        feedback.answer_price(person, concept, {"too_cheap": 10 + n, "cheap": 25 + n, "expensive": 50 + n,
                                                "too_expensive": 80 + n})
    question = posting.reply(db.session.get(User, person.id), posting.concept_topic(concept),
                             "Will there be a glass version? " + "https://example.com/" + "glass-" * 40)

    page.goto(f"/t/{question.topic_id}")
    page.locator(f"#p{question.id} a", has_text="Reply").click()
    page.fill("textarea[name=body]", "Yes: a glass version is planned for the second batch.")
    page.locator("button[name=submit]").click()
    expect(page.locator(".post.is-official")).to_contain_text("glass version is planned")
    journey.look("official-answer")

    page.goto("/concepts/quiet-kettle")
    page.locator("a", has_text="Demand summary").first.click()
    expect(page.locator("main h1")).to_contain_text("Quiet kettle")
    journey.look("summary")

    page.goto("/concepts/quiet-kettle/decisions/new")
    expect(page.locator("main")).to_contain_text("Tell the 3 people")  # not counting herself
    page.fill("#title", "Whisper mode is in")
    page.fill("#body", "You asked for it most: it is in the first batch.")
    journey.look("decision-form")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".decision-list")).to_contain_text("Whisper mode is in")
    journey.look("decided")
    journey.other_language()
    journey.finish()


def test_moderator_works_the_queue_and_the_audit_log(browser, live_server, app):
    concept = kettle()
    topic = posting.concept_topic(concept)
    spammer = make_user("spammy_sam", display_name="Sam")
    advert = posting.reply(spammer, topic, "Buy cheap watches at my shop today! " + AWKWARD_POST)
    moderation.flag(make_user("reader", trust_level=1), "post", advert.id, "spam")  # not enough to hide it
    make_user("maya_mod", role="moderator", display_name="Maya Moderator")

    journey = Journey(browser, live_server, "moderator")
    page = journey.page
    log_in(page, "maya_mod")
    journey.look("signed-in")
    page.goto("/moderation/")
    expect(page.locator("main")).to_contain_text("Quiet kettle")
    journey.look("queue")
    page.locator("main a", has_text="Review").first.click()
    form = page.locator("form.moderation-form")
    expect(form.locator("input[name=action]:checked")).to_have_count(0)  # the moderator chooses
    expect(form.locator("input[name=action][value=restore]")).to_have_count(0)  # it is not hidden
    expect(form.locator("#body")).to_be_hidden()  # the corrected text only for an edit
    journey.look("review")
    # One submit: hide the post and suspend its author.
    form.locator("input[name=action][value=hide]").check()
    form.locator("input[name=then][value=suspend]").check()
    form.locator("#until").fill((date.today() + timedelta(days=7)).isoformat())
    form.locator("#reason").fill("Advertising a shop")
    form.locator("button[type=submit]").click()
    expect(page.locator(".flashes")).to_be_visible()
    journey.look("queue-after")
    db.session.expire_all()
    assert db.session.get(Post, advert.id).hidden_at is not None
    assert db.session.get(User, spammer.id).is_suspended
    page.goto("/moderation/audit")
    expect(page.locator("main")).to_contain_text("Advertising a shop")
    journey.look("audit-log")
    page.locator("main a", has_text="spammy_sam").first.click()
    journey.look("person")
    page.goto("/moderation/log")
    journey.look("public-log")
    page.goto(f"/t/{topic.id}")
    journey.look("topic-as-moderator")
    journey.other_language()
    journey.finish()


def test_consumer_in_chinese_downloads_their_data_and_deletes_the_account(browser, live_server, app):
    concept = kettle()
    carol = make_user("carol_c", display_name="Carol")
    feedback.cast_vote(carol, concept.features[0], "up")
    posting.reply(carol, posting.concept_topic(concept), "我想要一个更安静的水壶。" + AWKWARD_POST)

    journey = Journey(browser, live_server, "consumer-zh", lang="zh")
    page = journey.page
    log_in(page, "carol_c")
    assert page.locator("html").get_attribute("lang").lower().startswith("zh")
    assert CJK.search(page.inner_text(".site-header") + page.inner_text("main")), "the page is not in Chinese"
    journey.look("home")
    page.goto(f"/concepts/{concept.slug}")
    journey.look("concept")
    page.goto("/settings")
    assert CJK.search(page.inner_text("main h1"))
    journey.look("settings")
    with page.expect_download() as download:
        page.locator("main a[href='/account/export']").first.click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert any(name.endswith(".json") for name in archive.namelist())
    assert "carol_c" in "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".json"))

    page.goto("/account/delete")
    journey.look("delete")
    page.check("input[name=feedback][value=keep]")
    page.fill("#password", PASSWORD)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    journey.look("deleted", signed_in=False)
    db.session.expire_all()
    assert db.session.get(User, carol.id).deleted_at is not None
    log_in(page, "carol_c")
    assert page.locator(".form-errors").is_visible()  # the old name and password no longer work
    journey.other_language(skip=("home", "concept", "settings", "delete"))
    journey.finish()
