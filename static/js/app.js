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

// Phones: the header's menu button shows and hides the navigation. Without JavaScript the same link
// opens it through :target (static/css/app.css).
(function () {
  "use strict";
  var toggle = document.querySelector("[data-menu-toggle]");
  var header = document.getElementById("site-header");
  if (!toggle || !header) { return; }
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");
  function setOpen(open) {
    header.classList.toggle("is-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function (event) {
    event.preventDefault();
    setOpen(!header.classList.contains("is-open"));
  });
  toggle.addEventListener("keydown", function (event) {
    if (event.key === " ") { event.preventDefault(); setOpen(!header.classList.contains("is-open")); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && header.classList.contains("is-open")) { setOpen(false); toggle.focus(); }
  });
})();

// A <details data-wide-open> is folded on phones only: browsers without ::details-content open it on
// wider screens (the stylesheet does it for the others).
(function () {
  "use strict";
  var supported = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  if (supported || !window.matchMedia || !window.matchMedia("(min-width: 641px)").matches) { return; }
  document.querySelectorAll("details[data-wide-open]").forEach(function (details) { details.open = true; });
})();

// The account menu closes on a click elsewhere and on Escape, as a menu does.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-account-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details[data-account-menu][open]").forEach(function (menu) {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
})();

// Flagging without leaving the place: the flag is sent in the background and the flagged item says
// "You flagged this". Without JavaScript the form posts and comes back to the same post.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-flag-form")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var token = form.querySelector("input[name=csrf_token]");
    if (button) { button.setAttribute("aria-disabled", "true"); }
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; },
        function () { return { ok: false, json: {} }; });
    }).then(function (result) {
      var box = form.closest("details") || form;
      if (result.ok) {
        var note = document.createElement("p");
        note.className = "flagged-note";
        note.setAttribute("role", "status");
        note.setAttribute("tabindex", "-1");
        note.textContent = "✓ " + form.getAttribute("data-done") + " ";
        var link = document.createElement("a");
        link.href = form.getAttribute("data-your-flags-url");
        link.textContent = form.getAttribute("data-your-flags");
        note.appendChild(link);
        box.parentNode.replaceChild(note, box);
        note.focus({ preventScroll: true });
        return;
      }
      var error = form.querySelector(".errors") || document.createElement("p");
      error.className = "errors";
      error.setAttribute("role", "alert");
      error.textContent = result.json.message || window.sbWords.t("flag_failed", "The flag could not be sent.");
      form.insertBefore(error, form.firstChild);
    }).catch(function () {
      form.submit();  // the ordinary way, if the background one failed
    }).then(function () {
      if (button) { button.removeAttribute("aria-disabled"); }
    });
  });
})();

// A code block or a table in a post scrolls sideways inside its box on a narrow screen: it takes the
// keyboard focus so that it can be scrolled without a mouse (also in posts that arrive live).
(function () {
  "use strict";
  var SELECTOR = ".prose pre, .prose table";
  function enable(root) {
    if (!root.querySelectorAll) { return; }
    var found = Array.prototype.slice.call(root.querySelectorAll(SELECTOR));
    if (root.matches && root.matches(SELECTOR)) { found.push(root); }
    found.forEach(function (el) {
      if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    });
  }
  enable(document);
  if (!window.MutationObserver) { return; }
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      Array.prototype.forEach.call(record.addedNodes, function (node) { if (node.nodeType === 1) { enable(node); } });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();

// Copy buttons: <button data-copy="element-id" data-copied="Copied" hidden> copies that element's
// text. Hidden until this script shows them (the text is selectable either way).
(function () {
  "use strict";
  if (!navigator.clipboard) { return; }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = "✓ " + button.getAttribute("data-copied");
        window.setTimeout(function () { button.textContent = label; }, 2500);
      });
    });
  });
})();
