// Sounding Board: small progressive enhancements. Every action also works without JavaScript.

// The words the scripts say, in the reader's language: forum/web/words.py puts them in
// <body data-i18n> as JSON. "%(name)s" is a value filled in here, "[...]" a link; plurals are [one, other].
window.sbWords = (function () {
  "use strict";
  var words = {};
  try { words = JSON.parse(document.body.getAttribute("data-i18n") || "{}"); } catch (e) { words = {}; }
  function fill(text, values) {
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(values[name]));
    });
    return text;
  }
  return {
    t: function (key, fallback, values) { return fill(typeof words[key] === "string" ? words[key] : fallback, values); },
    n: function (key, count, one, other, values) {
      var forms = words[key] || [one, other];
      var all = values || {};
      all.num = count;
      return fill(count === 1 ? forms[0] : forms[1], all);
    },
    stage: function (code) { return (words.stages && words.stages[code]) || code; },
    parts: function (text, href) {  // "before [link] after" -> ["before ", {href, text}, " after"]
      var m = /^([\s\S]*?)\[([\s\S]*?)\]([\s\S]*)$/.exec(text);
      return m ? [m[1], { href: href, text: m[2] }, m[3]] : [text];
    }
  };
})();
(function () {
  "use strict";
  // Ask before destructive actions: <button data-confirm="Really?">
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();

// Board: Markdown preview in place. A <button data-preview="/preview"> inside a form with a
// textarea[name=body] and a [data-preview-box] shows the server's rendering without leaving the
// page. Without JavaScript the same button submits the form, which re-renders with the preview.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  function csrfToken(form) {
    var input = form.querySelector("input[name=csrf_token]");
    if (input) { return input.value; }
    var meta = document.querySelector("meta[name=csrf-token]");
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button[data-preview]") : null;
    if (!button || !button.form) { return; }
    var form = button.form;
    var textarea = form.querySelector("textarea[name=body]");
    var box = form.querySelector("[data-preview-box]");
    var content = box ? box.querySelector("[data-preview-content]") : null;
    if (!textarea || !content) { return; }
    event.preventDefault();
    var token = csrfToken(form);
    var data = new FormData();
    data.append("body", textarea.value);
    if (token) { data.append("csrf_token", token); }
    button.disabled = true;
    content.setAttribute("aria-busy", "true");
    fetch(button.getAttribute("data-preview"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      box.hidden = false;
      if (result.ok) {
        content.innerHTML = result.json.html;  // sanitized by the server (forum/markup.py)
      } else {
        content.textContent = result.json.message || window.sbWords.t("preview_failed", "The preview could not be made.");
      }
    }).catch(function () {
      box.hidden = false;
      content.textContent = window.sbWords.t("preview_offline", "The preview could not be loaded. Check your connection and try again.");
    }).then(function () {
      button.disabled = false;
      content.removeAttribute("aria-busy");
    });
  });
})();
