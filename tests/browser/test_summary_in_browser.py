"""The demand summary in Chromium at 1280 px and on a 390 px phone, with the CSP on: no table is
clipped, no chart label box overlaps another (and the price points sit above the curves), chart text
is readable, and nothing violates the Content-Security-Policy."""
from __future__ import annotations

import pytest

from forum.extensions import db
from forum.models import Concept, Feature
from forum.services import feedback, posting
from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser

CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""

CHECKS = """
() => {
  const out = {tables: [], overlaps: [], above: [], small: [], pageOverflow: 0, labels: 0};
  const vw = document.documentElement.clientWidth;
  out.pageOverflow = document.documentElement.scrollWidth - vw;
  for (const table of document.querySelectorAll('main table')) {
    const r = table.getBoundingClientRect();
    if (r.width === 0) continue;
    const wrap = table.closest('.table-scroll');
    const hidden = wrap ? wrap.scrollWidth - wrap.clientWidth : 0;
    if (r.left < -1 || r.right > vw + 1 || hidden > 1) out.tables.push([table.className, r.left, r.right, hidden]);
  }
  for (const svg of document.querySelectorAll('svg.chart-svg')) {
    if (svg.getBoundingClientRect().width === 0) continue;  // the other width's drawing
    const boxes = [...svg.querySelectorAll('text.chart-label')].map(t => [t.textContent, t.getBoundingClientRect(), t]);
    out.labels += boxes.length;
    for (let i = 0; i < boxes.length; i++) {
      const [ta, a] = boxes[i];
      if (a.height < 9) out.small.push([ta, a.height]);
      for (let j = i + 1; j < boxes.length; j++) {
        const [tb, b] = boxes[j];
        if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
          out.overlaps.push([ta, tb]);
      }
    }
    const plot = svg.querySelector('.chart-plot');
    if (plot) {
      const p = plot.getBoundingClientRect();
      for (const [text, box, el] of boxes) {
        if (el.classList.contains('chart-point') && box.bottom > p.top + 0.5) out.above.push(text);
      }
    }
  }
  return out;
}
"""


def _fill(owner, member) -> Concept:
    org = make_org(owner, name="Crumb Works", members=(member,))
    concept = Concept(organization_id=org.id, slug="bread-box", title="Bread box", currency="EUR",
                      feedback_open=True, kano_enabled=True, price_question_enabled=True)
    titles = ["Keeps bread fresh for a week", "App alerts", "Bamboo lid", "Slicing guide", "Crumb tray"]
    db.session.add(concept)
    db.session.add_all([Feature(concept=concept, title=t, position=i) for i, t in enumerate(titles)])
    db.session.commit()
    posting.concept_topic(concept)
    kano_pairs = [("like", "dislike"), ("expect", "dislike"), ("like", "neutral"), ("neutral", "neutral"),
                  ("like", "live_with")]
    for i in range(36):
        person = make_user(f"voter{i}")
        feedback.answer_price(person, concept, {
            "too_cheap": 8 + i % 5, "cheap": 14 + i % 7, "expensive": 24 + i % 9, "too_expensive": 34 + i % 11,
            "intent_cheap": str(2 + i % 4), "intent_expensive": str(1 + i % 4)})
        for j, feature in enumerate(concept.features):
            feedback.cast_vote(person, feature, "up" if (i + j) % (j + 2) else "down")
        feedback.answer_kano(person, concept, {f.id: kano_pairs[(i + k) % 5]
                                               for k, f in enumerate(concept.features)})
    topic = posting.concept_topic(concept)
    question = posting.reply(make_user("asker"), topic, "Will it fit a sourdough loaf of 1.5 kg?")
    posting.reply(member, topic, "Yes, up to 38 cm.", reply_to_id=question.id)
    return concept


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_summary_reads_at_a_glance_without_clipping_or_overlaps(browser, live_server, app, width, height):
    owner = make_user(f"owner{width}")
    member = make_user(f"member{width}")
    concept = _fill(owner, member)
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": height})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    console = []
    page.on("console", lambda msg: console.append(msg.text) if msg.type in ("error", "warning") else None)
    requests = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto("/login")
    page.fill("#login", member.username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    response = page.goto(f"/concepts/{concept.slug}/results")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert page.locator("h1").inner_text().startswith("Demand summary")
    assert "acceptable" in page.locator(".headline").inner_text()
    found = page.evaluate(CHECKS)
    screenshot(page, f"summary-{width}")
    assert found["labels"] > 20  # the charts are there, with their labels
    assert found["tables"] == [], f"clipped tables at {width}px: {found['tables']}"
    assert found["pageOverflow"] <= 1, "the page scrolls sideways"
    assert found["overlaps"] == [], f"overlapping chart labels at {width}px: {found['overlaps']}"
    assert found["above"] == [], f"price point labels on the plot at {width}px: {found['above']}"
    assert found["small"] == [], f"chart text under 9 px at {width}px: {found['small'][:5]}"
    assert page.evaluate("window.__csp") == []
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m]
    assert all(url.startswith(live_server) for url in requests), "a request left the site"
    context.close()
