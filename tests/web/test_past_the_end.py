"""A page number past the end of a list (?page=99999, an old link, a list that shrank) says so and links
to the last page, on every paginated list: never "N items" above "No items yet", never a broken pager
("Page 99,999 of 1" with a link to page 99,998), never a 500. In both languages."""
from __future__ import annotations

import re

import pytest

from forum.services import moderation, notifications, posting
from tests.conftest import login
from tests.web.test_concepts import make_concept

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
# path -> who reads it, and the words of the list's own "nothing here" line that must not show.
LISTS = {
    "/concepts/": ("visitor", "No concepts yet"),
    "/boards/general": ("visitor", "No topics yet"),
    "/orgs/": ("visitor", "No organizations yet"),
    "/search?q=kettle": ("visitor", "Try fewer or different words"),
    "/notifications": ("consumer", "No notifications yet"),
    "/flags": ("member", "You have not flagged anything"),
    "/moderation/": ("moderator", "Nothing is waiting for review"),
    "/moderation/people?q=carol": ("moderator", "No one matches"),
    "/moderation/audit": ("admin", "No entries yet"),
    "/admin/users": ("admin", "No one has joined yet"),
    "/admin/orgs": ("admin", "No organization has been created yet"),
}


@pytest.fixture
def lists(people, topic):
    """At least one item on every list: a concept, a topic about kettles, a flag in the queue (by the
    member), a notification for the consumer, an audit entry (a hidden post)."""
    make_concept(people, title="Kettle that whistles")
    post = posting.reply(people["owner"], topic, "Our kettle answers @carol here.")
    moderation.flag(people["member"], "post", post.id, "spam")
    moderation.act_on_post(people["admin"], posting.reply(people["member"], topic, "Buy cheap kettles"),
                           "hide", "Advertising")
    assert notifications.unread_count_of(people["consumer"].id) >= 1
    return people


def _words(html: str) -> str:
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _last_page_link(html: str, path: str) -> str:
    base = path.split("?", 1)[0]
    links = re.findall(r'<a href="([^"]*)">(?:Go to the last page|前往最后一页)</a>', html)
    assert links, "no link to the last page"
    assert all(link.split("?", 1)[0] == base for link in links)
    return links[0].replace("&amp;", "&")


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_page_past_the_end_says_so_and_links_to_the_last_page(app, lists, path):
    reader, empty_line = LISTS[path]
    client = app.test_client()
    if reader != "visitor":
        login(client, lists[reader])
    joiner = "&" if "?" in path else "?"
    response = client.get(f"{path}{joiner}page=99999")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    words = _words(html)
    assert "There is no page 99,999: the list ends at page 1." in words
    assert empty_line is None or empty_line not in words
    assert "Page 99,999" not in words and 'rel="prev"' not in html
    last = client.get(_last_page_link(html, path))
    assert last.status_code == 200 and "There is no page" not in _words(last.get_data(as_text=True))
    chinese = _words(client.get(f"{path}{joiner}page=99999", headers=ZH).get_data(as_text=True))
    assert "没有第 99,999 页" in chinese and "There is no page" not in chinese


def test_a_list_with_nothing_in_it_still_says_nothing_yet(app, people):
    page = _words(app.test_client().get("/concepts/?page=99999").get_data(as_text=True))
    assert "No concepts yet" in page and "There is no page" not in page


def test_an_admin_search_that_finds_no_one_says_so(app, people):
    client = app.test_client()
    login(client, people["admin"])
    page = _words(client.get("/admin/users?q=nobody-by-this-name").get_data(as_text=True))
    assert "No username matches “nobody-by-this-name”." in page and "Username Name Joined" not in page
    found = _words(client.get("/admin/users?q=carol").get_data(as_text=True))
    assert "carol" in found and "No username matches" not in found
