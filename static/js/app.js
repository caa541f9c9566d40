// Sounding Board: small progressive enhancements. Every action also works without JavaScript.
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
