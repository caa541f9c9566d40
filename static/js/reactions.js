// Sounding Board: reactions on posts (helpful, agree, insightful) without leaving the page. The page
// is shared by many readers, so which buttons are one's own is asked once (GET .../reactions/mine);
// counts of everyone's reactions arrive live (static/js/live.js). Without JavaScript the buttons
// are plain forms.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  var list = document.querySelector("[data-live-topic]");
  if (!list || !document.querySelector("[data-reaction-form]")) { return; }
  var topicId = list.getAttribute("data-live-topic");

  function button(postId, kind) {
    return document.querySelector('[data-reactions="' + postId + '"] button[data-reaction="' + kind + '"]');
  }

  function setCounts(postId, counts) {
    Object.keys(counts || {}).forEach(function (kind) {
      var b = button(postId, kind);
      var count = b && b.querySelector(".reaction-count");
      if (count) { count.textContent = String(counts[kind]); }
    });
  }

  fetch("/t/" + topicId + "/reactions/mine", { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.ok ? response.json() : { reactions: [] }; })
    .then(function (json) {
      (json.reactions || []).forEach(function (r) {
        var b = button(r.post_id, r.kind);
        if (b) { b.setAttribute("aria-pressed", "true"); }
      });
    }).catch(function () { /* the buttons still work */ });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-reaction-form") || event.defaultPrevented) { return; }
    event.preventDefault();
    var b = form.querySelector("button");
    var token = form.querySelector("input[name=csrf_token]");
    b.disabled = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (json) {
        if (!json) { return; }
        b.setAttribute("aria-pressed", json.on ? "true" : "false");
        setCounts(json.post_id, json.counts);
      })
      .catch(function () { /* nothing changed; the next reload shows the truth */ })
      .then(function () { b.disabled = false; });
  });
})();
