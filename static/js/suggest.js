// Sounding Board: while a suggestion's title is typed, show similar features and suggestions of the
// concept (the server's full-text search), so that people support one instead of writing a duplicate.
(function () {
  "use strict";
  if (!window.fetch) { return; }
  var form = document.querySelector("form[data-similar]");
  if (!form) { return; }
  var input = form.querySelector("input[name=title]");
  var box = form.querySelector("[data-similar-box]");
  var list = form.querySelector("[data-similar-list]");
  if (!input || !box || !list) { return; }
  var timer = null;
  var asked = "";

  function show(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      li.appendChild(a);
      var kind = document.createElement("span");
      kind.className = "tag";
      kind.textContent = item.kind === "feature" ? (box.getAttribute("data-feature") || "feature")
                                                 : (box.getAttribute("data-suggestion") || "suggestion");
      li.appendChild(document.createTextNode(" "));
      li.appendChild(kind);
      list.appendChild(li);
    });
    box.hidden = results.length === 0;
  }

  function ask() {
    var q = input.value.trim();
    if (q === asked) { return; }
    asked = q;
    if (q.length < 3) { show([]); return; }
    var url = form.getAttribute("data-similar") + "?q=" + encodeURIComponent(q);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (json) { if (asked === q) { show(json.results || []); } })
      .catch(function () { /* the form works without the hints */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 250);
  });
})();
