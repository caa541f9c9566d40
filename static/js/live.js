// Sounding Board: live pages over Socket.IO (static/vendor/socket.io, served by forum/realtime).
// Progressive enhancement: without JavaScript every page works by reload, as it always did.
//
// The page names what it shows (data-live-topic / data-live-concept) and the room's event number
// it was rendered at (data-live-seq). On every (re)connection the script subscribes "after" the
// last number it applied; the server sends what was missed from the database, then live events.
// Events are applied strictly in number order, once: a later number waits for the gap to fill, a
// number already applied is dropped. Applying means "make the page show the state the server has
// now", so a replay changes nothing.
(function () {
  "use strict";
  if (!window.fetch || !window.io || !window.FormData || !window.Promise) { return; }

  var W = window.sbWords;  // the words, in the reader's language (static/js/app.js)
  var announceBox = document.querySelector("[data-live-announce]");
  var topicList = document.querySelector("[data-live-topic]");
  var conceptEl = document.querySelector("[data-live-concept]");
  var unreadLink = document.querySelector("[data-unread-link]");
  var target = null;
  var lastSeq = 0;
  var isStaff = false;
  if (topicList) {
    target = { topic: parseInt(topicList.getAttribute("data-live-topic"), 10) };
    lastSeq = parseInt(topicList.getAttribute("data-live-seq"), 10) || 0;
  } else if (conceptEl) {
    target = { concept: conceptEl.getAttribute("data-live-concept") };
    lastSeq = parseInt(conceptEl.getAttribute("data-live-seq"), 10) || 0;
  }

  // --- small helpers ---------------------------------------------------------------------------

  function announce(text) {
    // A short polite announcement ("New post by Sofia"), never the post itself.
    if (!announceBox) { return; }
    announceBox.textContent = "";
    window.setTimeout(function () { announceBox.textContent = text; }, 60);
  }

  function csrfToken(form) {
    var input = form && form.querySelector("input[name=csrf_token]");
    if (input) { return input.value; }
    var any = document.querySelector("input[name=csrf_token]");
    return any ? any.value : "";
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 404 || response.status === 403) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  function postForm(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    return fetch(form.action || window.location.href, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken(form) }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, status: response.status, json: json }; },
        function () { return { ok: false, status: response.status, json: {} }; });
    });
  }

  function fromHTML(html) {
    var holder = document.createElement("template");
    holder.innerHTML = String(html).trim();  // sanitized by the server (forum/markup.py)
    return holder.content.firstElementChild;
  }

  // The path from `root` to `node` as child indexes, to put focus back after a swap.
  function pathTo(root, node) {
    var path = [];
    while (node && node !== root) {
      var parent = node.parentNode;
      if (!parent) { return null; }
      path.unshift(Array.prototype.indexOf.call(parent.children, node));
      node = parent;
    }
    return node === root ? path : null;
  }

  function follow(root, path) {
    var node = root;
    for (var i = 0; node && i < path.length; i++) { node = node.children[path[i]]; }
    return node;
  }

  // Replace an element with a new rendering; the focus stays where it was (never jumps).
  function swap(oldEl, newEl) {
    var active = document.activeElement;
    var path = active && oldEl.contains(active) ? pathTo(oldEl, active) : null;
    oldEl.parentNode.replaceChild(newEl, oldEl);
    if (path) {
      var again = follow(newEl, path);
      if (again && typeof again.focus === "function") { again.focus({ preventScroll: true }); }
    }
  }

  function showNote(el, parts) {
    if (!el) { return; }
    el.textContent = "";
    parts.forEach(function (part) {
      if (typeof part === "string") {
        el.appendChild(document.createTextNode(part));
      } else {
        var a = document.createElement("a");
        a.href = part.href;
        a.textContent = part.text;
        el.appendChild(a);
      }
    });
    el.hidden = false;
  }

  function reloadNote() {
    var note = document.querySelector("[data-live-note]");
    if (!note) {
      note = document.createElement("p");
      note.className = "live-note";
      note.setAttribute("data-live-note", "");
      var main = document.getElementById("main");
      if (!main) { return; }
      main.insertBefore(note, main.firstChild);
    }
    showNote(note, W.parts(W.t("away", "This page was away too long to catch up. [Reload it] to see the latest."),
                           window.location.href));
  }

  // --- the header: presence and the unread count ------------------------------------------------

  function showPresence(count) {
    var el = document.querySelector("[data-presence]");
    if (!el || typeof count !== "number") { return; }
    el.textContent = W.n("here_now", count, "%(num)s here now", "%(num)s here now");
    el.hidden = false;
  }

  function setUnread(count) {
    if (!unreadLink || typeof count !== "number") { return; }
    var badge = unreadLink.querySelector("[data-unread-count]");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        badge.setAttribute("data-unread-count", "");
        unreadLink.appendChild(badge);
      }
      badge.textContent = String(count);
      badge.hidden = false;
    } else if (badge) {
      badge.hidden = true;
    }
    unreadLink.setAttribute("aria-label", W.t("unread", "Notifications, %(num)s unread", { num: count }));
  }

  // --- the topic page ---------------------------------------------------------------------------

  var newElsewhere = 0;

  function postEl(id) { return document.getElementById("p" + id); }

  function pageInfo() {
    var page = parseInt(topicList.getAttribute("data-page"), 10) || 1;
    var pages = parseInt(topicList.getAttribute("data-pages"), 10) || 1;
    var perPage = parseInt(topicList.getAttribute("data-per-page"), 10) || 25;
    var shown = topicList.querySelectorAll("article.post").length;
    return { page: page, pages: pages, full: shown >= perPage, last: page >= pages };
  }

  function noteNewPostsElsewhere() {
    newElsewhere += 1;
    var note = document.querySelector("[data-live-note]");
    showNote(note, W.parts(W.n("new_elsewhere", newElsewhere, "%(num)s new post on a later page. [Go to the last page]",
                                "%(num)s new posts on a later page. [Go to the last page]"),
                           topicList.getAttribute("data-last-url")));
  }

  function insertPost(html) {
    var el = fromHTML(html);
    if (!el || postEl(el.id.slice(1))) { return null; }
    var empty = topicList.querySelector(".empty");
    if (empty) { empty.parentNode.removeChild(empty); }
    var id = parseInt(el.id.slice(1), 10);
    var after = null;
    Array.prototype.forEach.call(topicList.querySelectorAll("article.post"), function (other) {
      if (parseInt(other.id.slice(1), 10) > id && !after) { after = other; }
    });
    topicList.insertBefore(el, after);
    return el;
  }

  // Show the post as the server renders it for this person now (or take it away).
  function refreshPost(id, mayInsert) {
    return getJSON("/p/" + id).then(function (post) {
      var el = postEl(id);
      if (!post || (post.hidden && !isStaff)) {
        if (el) { el.parentNode.removeChild(el); }
        return null;
      }
      if (el) {
        swap(el, fromHTML(post.html));
        return post;
      }
      if (mayInsert && post.page === pageInfo().page) { insertPost(post.html); }
      return post;
    });
  }

  // The topic's "N posts" follows the posts people see.
  var countedPosts = {};  // post id -> already counted here (the socket and the form both tell of one)
  function countPosts(change, id) {
    var el = document.querySelector("[data-post-count]");
    if (!el || countedPosts[id + ":" + change]) { return; }
    countedPosts[id + ":" + change] = true;
    var n = Math.max(0, (parseInt(el.getAttribute("data-post-count"), 10) || 0) + change);
    el.setAttribute("data-post-count", String(n));
    var label = el.getAttribute(n === 1 ? "data-one" : "data-many");
    el.textContent = label ? label.replace("{n}", String(n)) : String(n);
  }

  function applyTopicEvent(message) {
    var data = message.data || {};
    var id = data.post_id;
    switch (message.kind) {
      case "post.added": {
        if (postEl(id)) { return null; }
        countPosts(1, id);
        var info = pageInfo();
        if (!info.last || info.full) {
          noteNewPostsElsewhere();
          return null;
        }
        return refreshPost(id, true).then(function (post) {
          if (!post) { return; }
          if (post.page !== pageInfo().page) { noteNewPostsElsewhere(); return; }
          announce(W.t("new_post_by", "New post by %(name)s", { name: data.author || W.t("someone", "someone") }));
        });
      }
      case "post.hidden": {
        var hidden = postEl(id);
        if (!hidden) { return null; }
        countPosts(-1, id);
        if (!isStaff) { hidden.parentNode.removeChild(hidden); return null; }
        return refreshPost(id, false).then(function () {
          var el = postEl(id);
          if (el && data.reason) {
            var reason = el.querySelector(".live-hidden-reason") || document.createElement("p");
            reason.className = "post-notice live-hidden-reason";
            reason.textContent = W.t("reason", "Reason: %(reason)s", { reason: data.reason });
            var body = el.querySelector(".post-body");
            if (body && !reason.parentNode) { body.parentNode.insertBefore(reason, body); }
          }
        });
      }
      case "post.restored":
        return refreshPost(id, true);
      case "post.edited":
      case "post.deleted":
      case "post.answered":
        if (!postEl(id)) { return null; }
        return refreshPost(id, false);
      case "post.reactions": {
        var box = document.querySelector('[data-reactions="' + data.post_id + '"]');
        if (box && data.counts) {
          Object.keys(data.counts).forEach(function (kind) {
            var shown = box.querySelector('[data-reaction="' + kind + '"]');
            var count = shown && shown.querySelector(".reaction-count");
            if (count) { count.textContent = String(data.counts[kind]); }
            if (shown && shown.tagName === "SPAN") { shown.hidden = !data.counts[kind]; }
          });
        }
        return null;
      }
      case "topic.updated": {
        if (typeof data.title === "string") {
          var h1 = document.querySelector(".topic-head h1");
          if (h1 && h1.firstChild && h1.firstChild.nodeType === 3) { h1.firstChild.nodeValue = data.title + " "; }
        }
        if (data.locked === true) { announce(W.t("locked_now", "This topic is now locked.")); }
        return null;
      }
      default:
        return null;
    }
  }

  // --- the concept page -------------------------------------------------------------------------

  var anchorRow = null;  // the row the person voted on: it keeps its place on the screen

  function voteRow(id) { return document.getElementById("fb-feature-" + id); }

  function setTally(id, up, down) {
    var row = voteRow(id);
    if (!row) { return; }
    var total = up + down;
    var upEl = row.querySelector("[data-count=up]");
    var downEl = row.querySelector("[data-count=down]");
    var shareEl = row.querySelector("[data-count=share]");
    if (upEl) { upEl.textContent = W.t("n_for", "%(num)s for", { num: up }); }
    if (downEl) { downEl.textContent = W.t("n_against", "%(num)s against", { num: down }); }
    if (shareEl) {
      shareEl.textContent = total ? W.t("share", "%(share)s in favour", { share: Math.round(100 * up / total) + "%" })
                                  : W.t("no_votes", "No votes yet");
    }
    var bar = row.querySelector(".vote-bar");
    if (total && !bar) {
      var ns = "http://www.w3.org/2000/svg";
      bar = document.createElementNS(ns, "svg");
      bar.setAttribute("class", "vote-bar");
      bar.setAttribute("viewBox", "0 0 100 6");
      bar.setAttribute("preserveAspectRatio", "none");
      bar.setAttribute("aria-hidden", "true");
      bar.setAttribute("focusable", "false");
      [["vote-bar-against", "#f3c9c5"], ["vote-bar-for", "#0f7b4f"]].forEach(function (spec) {
        var rect = document.createElementNS(ns, "rect");
        rect.setAttribute("class", spec[0]);
        rect.setAttribute("x", "0");
        rect.setAttribute("y", "0");
        rect.setAttribute("width", "100");
        rect.setAttribute("height", "6");
        rect.setAttribute("fill", spec[1]);
        bar.appendChild(rect);
      });
      row.querySelector(".vote-body").appendChild(bar);
    } else if (!total && bar) {
      bar.parentNode.removeChild(bar);
      bar = null;
    }
    if (bar) {
      bar.querySelector(".vote-bar-for").setAttribute("width", String(Math.round(1000 * up / total) / 10));
    }
  }

  // Put the rows in the ranking's order. The focused (or just voted) row keeps its place on the
  // screen and its focus.
  function reorder(order) {
    var list = document.querySelector("[data-live-votes]");
    if (!list || !order || !order.length) { return; }
    var active = document.activeElement;
    var anchor = (active && active.closest && active.closest(".vote-row")) || anchorRow;
    if (anchor && !list.contains(anchor)) { anchor = null; }
    var before = anchor ? anchor.getBoundingClientRect().top : 0;
    var position = 0;
    order.forEach(function (id) {
      var row = voteRow(id);
      if (!row || row.parentNode !== list) { return; }
      if (list.children[position] !== row) { list.insertBefore(row, list.children[position]); }
      var place = row.querySelector(".vote-place");
      if (place) { place.textContent = String(position + 1); }
      position += 1;
    });
    if (active && active !== document.activeElement && document.contains(active)) {
      active.focus({ preventScroll: true });
    }
    if (anchor) {
      var moved = anchor.getBoundingClientRect().top - before;
      if (moved) { window.scrollBy(0, moved); }
    }
  }

  function setMyVote(row, value) {
    row.classList.toggle("voted-up", value === 1);
    row.classList.toggle("voted-down", value === -1);
    Array.prototype.forEach.call(row.querySelectorAll(".vote-actions form"), function (form) {
      var button = form.querySelector("button");
      var input = form.querySelector("input[name=value]");
      var up = button.classList.contains("vote-up");
      var mine = up ? value === 1 : value === -1;
      input.value = mine ? "clear" : (up ? "up" : "down");
      button.setAttribute("aria-pressed", mine ? "true" : "false");
      var hint = button.querySelector(".visually-hidden");
      if (mine && !hint) {
        hint = document.createElement("span");
        hint.className = "visually-hidden";
        hint.textContent = " " + W.t("your_vote", "(your vote; press to withdraw it)");
        button.appendChild(hint);
      } else if (!mine && hint) {
        button.removeChild(hint);
      }
    });
  }

  function confirmRow(row, text, isError) {
    var box = row.querySelector(".vote-confirm");
    if (!box) {
      box = document.createElement("p");
      box.className = "vote-confirm";
      box.setAttribute("role", "status");
      row.querySelector(".vote-body").appendChild(box);
    }
    box.classList.toggle("is-error", !!isError);
    box.textContent = text;
  }

  // A form (or a vote row) waiting for its answer: further presses are ignored, and the pressed
  // button keeps the keyboard focus.
  function setBusy(box, on) {
    if (on) { box.setAttribute("data-busy", ""); } else { box.removeAttribute("data-busy"); }
    Array.prototype.forEach.call(box.querySelectorAll("button"), function (b) {
      if (on) { b.setAttribute("aria-disabled", "true"); } else { b.removeAttribute("aria-disabled"); }
    });
  }

  function keepFocus(button) {
    if (button && document.contains(button) && (!document.activeElement || document.activeElement === document.body)) {
      button.focus({ preventScroll: true });
    }
  }

  function sendVote(form, submitter) {
    var row = form.closest(".vote-row");
    anchorRow = row;
    // Busy, not disabled: disabling the pressed button would move focus to <body>.
    setBusy(row, true);
    postForm(form, submitter).then(function (result) {
      if (!result.ok) {
        confirmRow(row, result.json.message || W.t("vote_failed", "Your vote could not be saved. Reload the page and try again."), true);
        return;
      }
      var json = result.json;
      setTally(json.feature_id, json.up, json.down);
      setMyVote(row, json.value);
      confirmRow(row, json.message);
      reorder(json.order);
    }).catch(function () {
      confirmRow(row, W.t("vote_offline", "Your vote could not be sent. Check your connection and try again."), true);
    }).then(function () {
      setBusy(row, false);
      keepFocus(submitter);
    });
  }

  // Swap the parts of the page that a fresh rendering shows differently (stage, timeline, prices).
  function refreshParts() {
    return fetch(window.location.pathname, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(document.querySelectorAll("[data-live-part]"), function (part) {
          var name = part.getAttribute("data-live-part");
          var next = fresh.querySelector('[data-live-part="' + name + '"]');
          if (next && next.innerHTML !== part.innerHTML) { swap(part, document.importNode(next, true)); }
        });
      });
  }

  function applyConceptEvent(message) {
    var data = message.data || {};
    switch (message.kind) {
      case "tally.changed":
        setTally(data.feature_id, data.up, data.down);
        reorder(data.order);
        return null;
      case "concept.stage":
        return refreshParts().then(function () { if (data.to) { announce(W.t("stage_changed", "Stage changed to %(stage)s.", { stage: W.stage(data.to) })); } });
      case "price.changed":
      case "kano.changed":
      case "research.changed":
        return refreshParts();
      case "decision.added":
        return refreshParts().then(function () { announce(W.t("decision_posted", "A decision was posted: %(title)s.", { title: data.title || "" })); });
      case "suggestion.added":
      case "suggestion.support":
      case "suggestion.declined":
      case "suggestion.merged":
      case "suggestion.changed":
      case "summary.changed":
        return refreshParts();
      case "suggestion.adopted":
        return refreshParts().then(function () { announce(W.t("suggestion_adopted", "A suggestion became a feature: %(title)s.", { title: data.title || "" })); });
      default:
        return null;
    }
  }

  // --- forms sent with fetch --------------------------------------------------------------------

  function showFormErrors(form, json) {
    Array.prototype.forEach.call(form.querySelectorAll(".live-errors"), function (el) { el.parentNode.removeChild(el); });
    var box = document.createElement("div");
    box.className = "form-errors live-errors";
    box.setAttribute("role", "alert");
    var lines = [];
    var errors = json.errors || {};
    Object.keys(errors).forEach(function (name) { (errors[name] || []).forEach(function (e) { lines.push(e); }); });
    if (!lines.length) { lines.push(json.message || W.t("did_not_work", "That did not work. Reload the page and try again.")); }
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      box.appendChild(p);
    });
    form.insertBefore(box, form.firstChild);
  }

  function clearFormErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".live-errors"), function (el) { el.parentNode.removeChild(el); });
  }

  function sendReply(form, submitter) {
    var button = submitter || form.querySelector("button[name=submit]");
    if (button) { button.disabled = true; }
    postForm(form, button).then(function (result) {
      if (!result.ok) { showFormErrors(form, result.json); return; }
      clearFormErrors(form);
      var post = result.json;
      if (post.page !== pageInfo().page) { window.location.assign(post.url); return; }
      // Once: the socket's copy of it is dropped by its id (and counted once, whichever comes first).
      insertPost(post.html);
      countPosts(1, post.id);
      var textarea = form.querySelector("textarea[name=body]");
      if (textarea) { textarea.value = ""; }
      var target = form.querySelector("input[name=reply_to_id]");
      if (target) { target.value = ""; }
      var preview = form.querySelector("[data-preview-box]");
      if (preview) { preview.hidden = true; }
      announce(W.t("post_up", "Your post is up."));
    }).catch(function () {
      showFormErrors(form, { message: W.t("post_offline", "Your post could not be sent. Check your connection and try again.") });
    }).then(function () {
      if (button) { button.disabled = false; }
    });
  }

  function sendLiveForm(form, submitter) {
    var status = document.querySelector("[data-live-status]");
    var button = submitter || form.querySelector("button[type=submit]");
    setBusy(form, true);
    postForm(form, submitter).then(function (result) {
      if (!result.ok) { showFormErrors(form, result.json); return; }
      clearFormErrors(form);
      if (status) { status.textContent = result.json.message || W.t("saved", "Saved."); status.hidden = false; }
      // The button says it is done, until the answer changes again ("Update my prices").
      if (button && button.hasAttribute("data-saved-label")) {
        button.textContent = button.getAttribute("data-saved-label");
        button.classList.add("is-saved");
        form.addEventListener("input", function again() {
          form.removeEventListener("input", again);
          button.classList.remove("is-saved");
          button.textContent = button.getAttribute("data-again-label") || button.textContent;
        });
      }
      return refreshParts();
    }).catch(function () {
      showFormErrors(form, { message: W.t("answer_offline", "Your answer could not be sent. Check your connection and try again.") });
    }).then(function () {
      setBusy(form, false);
      keepFocus(button);
    });
  }

  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }  // e.g. a cancelled confirmation
    var form = event.target;
    var submitter = event.submitter || null;
    var busy = form.closest && form.closest("[data-busy]");
    if (busy) { event.preventDefault(); return; }  // the last press is still on its way
    if (form.closest && form.closest(".vote-actions")) {
      event.preventDefault();
      sendVote(form, submitter);
    } else if (form.hasAttribute("data-live-reply")) {
      if (submitter && submitter.name === "preview") { return; }  // app.js previews in place
      event.preventDefault();
      sendReply(form, submitter);
    } else if (form.hasAttribute("data-live-form")) {
      event.preventDefault();
      sendLiveForm(form, submitter);
    }
  });

  // --- the socket -------------------------------------------------------------------------------

  if (!target && !unreadLink) { return; }
  var socket = window.io({ reconnectionDelayMax: 4000 });
  var pending = {};
  var chain = Promise.resolve();
  var gapTimer = null;
  var apply = topicList ? applyTopicEvent : applyConceptEvent;

  function subscribe() {
    if (!target) { return; }
    var message = { after: lastSeq };
    Object.keys(target).forEach(function (key) { message[key] = target[key]; });
    socket.emit("subscribe", message, function (answer) {
      if (!answer || !answer.ok) { return; }
      isStaff = !!answer.staff;
      if (answer.reload) { reloadNote(); return; }
      showPresence(answer.here);
    });
  }

  function drain() {
    while (pending[lastSeq + 1]) {
      var message = pending[lastSeq + 1];
      delete pending[lastSeq + 1];
      lastSeq = message.seq;
      chain = chain.then(apply.bind(null, message)).catch(function () { /* the next reload shows it */ });
    }
    // A later number arrived but an earlier one did not: ask again from the last one applied.
    if (Object.keys(pending).length && !gapTimer) {
      gapTimer = window.setTimeout(function () {
        gapTimer = null;
        if (Object.keys(pending).length) { subscribe(); }
      }, 1500);
    }
  }

  socket.on("connect", subscribe);
  // The server ended the connection (a logout, a change of rights, a concept hidden): Socket.IO does
  // not reconnect by itself then, so connect again as who the person is now and subscribe again.
  socket.on("disconnect", function (reason) {
    if (reason === "io server disconnect") { window.setTimeout(function () { socket.connect(); }, 1000); }
  });
  socket.on("event", function (message) {
    if (!target || !message || typeof message.seq !== "number") { return; }
    if (message.seq <= lastSeq || pending[message.seq]) { return; }  // already applied or waiting
    pending[message.seq] = message;
    drain();
  });
  socket.on("presence", function (message) { if (message) { showPresence(message.here); } });
  socket.on("reload", reloadNote);
  socket.on("unread", function (message) { if (message) { setUnread(message.count); } });

  // Tests and curious people can read where the page is.
  window.soundingBoardLive = { seq: function () { return lastSeq; }, socket: socket };
})();
