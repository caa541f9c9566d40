"""The staff, organization and summary pages at 390 px, in English and in Chinese (issue 19: "look
again at every page as a designer would"), on the demo data:

- nothing scrolls sideways;
- no table scrolls sideways: one that stacks on phones shows one card per row, its column headings
  hidden, and no value cut off at the card's edge (the Kano row's six counts, a date with "by someone");
- a button's words stay on one line (Chinese broke between any two characters);
- codes are words in the reader's language (a member's role, a concept's stage);
- the webhooks page keeps the header's bell (its endpoints once hid the header's links).
"""
from __future__ import annotations

import re

import pytest

from forum.demo import DEMO_PASSWORD, seed_demo
from forum.extensions import db
from forum.models import Concept, Organization, User
from forum.services import api_tokens, moderation, posting

pytestmark = pytest.mark.browser

PHONE = 390
CJK = re.compile(r"[\u4e00-\u9fff]")
PAGES = {
    "sofia": ["/flags"],
    "maya_mod": ["/moderation/people", "/moderation/audit", "/moderation/log"],
    "grace": ["/admin/users", "/admin/orgs", "/boards/manage"],
    "ravi_pulse": ["/orgs/pulse-audio", "/orgs/pulse-audio/tokens", "/orgs/pulse-audio/overview",
                   "/orgs/pulse-audio/webhooks", "/orgs/pulse-audio/roadmap",
                   "/concepts/pulse-one-repairable-earbuds/results"],
}

# What a page shows wrong, measured in the browser: every problem as a sentence.
LOOK = """() => {
  // The boxes of what a person sees in an element: its text lines and its form controls (not the
  // text kept for screen readers).
  const seen = element => {
    const boxes = [...element.querySelectorAll('select, input, button')].map(e => e.getBoundingClientRect());
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
      if (!node.textContent.trim() || node.parentElement.closest('.visually-hidden, select, option')) continue;
      const range = document.createRange(); range.selectNodeContents(node);
      boxes.push(...[...range.getClientRects()].filter(r => r.width > 0));
    }
    return boxes;
  };
  const problems = [];
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth) problems.push(`the page is ${width} px wide`);
  for (const box of document.querySelectorAll('main table, main .table-scroll')) {
    if (box.scrollWidth > box.clientWidth + 1) problems.push(`a table scrolls sideways (${box.scrollWidth} px in ${box.clientWidth})`);
  }
  for (const table of document.querySelectorAll('main table.stack-on-phone')) {
    const head = table.querySelector('thead');
    if (head && head.getBoundingClientRect().height > 1) problems.push('a stacked table shows its headings');
    for (const row of table.querySelectorAll('tbody tr')) {
      const edge = row.getBoundingClientRect().right;
      for (const cell of row.querySelectorAll('td[data-label]')) {
        const right = Math.max(0, ...seen(cell).map(r => r.right));
        if (right > edge + 1) problems.push(`"${cell.dataset.label}" runs past its card: ${cell.innerText.trim()}`);
      }
    }
  }
  for (const button of document.querySelectorAll('main .button')) {
    if (!button.getClientRects().length) continue;
    const lines = new Set(seen(button).map(r => Math.round(r.top)));
    if (lines.size > 1) problems.push(`the button "${button.innerText.trim()}" breaks over ${lines.size} lines`);
  }
  return problems;
}"""


def _data() -> None:
    list(seed_demo())
    people = {u.username: u for u in db.session.scalars(db.select(User))}
    topic = posting.concept_topic(db.session.scalars(db.select(Concept).where(
        Concept.slug == "pulse-one-repairable-earbuds")).one())
    post = posting.reply(people["noah_k"], topic, "Buy cheap watches at my shop today!")
    moderation.flag(people["sofia"], "post", post.id, "spam")
    org = db.session.scalars(db.select(Organization).where(Organization.slug == "pulse-audio")).one()
    api_tokens.create(people["ravi_pulse"], org, "Dashboard sync")


def test_staff_and_organization_pages_are_finished_on_a_phone_in_both_languages(browser, live_server, app):
    _data()
    found: list[str] = []
    for lang, accept in (("en", "en-GB,en;q=0.9"), ("zh", "zh-CN,zh;q=0.9")):
        for who, paths in PAGES.items():
            context = browser.new_context(base_url=live_server, viewport={"width": PHONE, "height": 844},
                                          extra_http_headers={"Accept-Language": accept})
            page = context.new_page()
            page.goto("/login")
            page.fill("#login", who)
            page.fill("#password", DEMO_PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_load_state()
            for path in paths:
                response = page.goto(path)
                assert response.status == 200, (lang, who, path, response.status)
                found += [f"{lang} {path}: {problem}" for problem in page.evaluate(LOOK)]
                assert page.locator(".site-header [data-unread-link]").count() == 1, (lang, path, "no bell")
                if lang == "zh" and path == "/orgs/pulse-audio":
                    roles = page.locator(".member-list .tag").all_inner_texts()
                    assert roles and all(CJK.search(role) for role in roles), roles
                if lang == "zh" and path.endswith("/overview"):
                    stages = page.locator(".overview-table .tag").all_inner_texts()
                    assert stages and all(CJK.search(stage) for stage in stages), stages
            context.close()
    assert not found, "\n".join(found)
