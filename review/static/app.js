// storyloom review: the only script besides htmx. No inline script anywhere (CSP forbids it).
(function () {
  "use strict";

  // Show why an htmx request failed (403 CSRF, 409 busy...) instead of silently doing nothing.
  document.addEventListener("htmx:responseError", function (ev) {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var xhr = ev.detail.xhr;
    var msg = xhr.status + " " + xhr.statusText;
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.detail) msg = String(body.detail);
    } catch (e) { /* HTML error page: keep the status line */ }
    flash.textContent = msg;
    flash.hidden = false;
    setTimeout(function () { flash.hidden = true; }, 6000);
  });

  // Labelling: one keypress per lens (1..9) or "s" to skip, on the label card.
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    var card = document.getElementById("label-card");
    if (!card) return;
    var key = ev.key.toLowerCase();
    var button = card.querySelector('button[data-key="' + (/^[1-9s]$/.test(key) ? key : "") + '"]');
    if (button) {
      ev.preventDefault();
      button.click();
    }
  });
})();
