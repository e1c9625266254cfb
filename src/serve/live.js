/* vlsc-docs serve: live reload and the error overlay. Injected by `serve` only. */
(function () {
  "use strict";
  var key = "vlsc-docs-scroll:" + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    var y = parseInt(saved, 10);
    var restore = function () { window.scrollTo(0, y); };
    if (document.readyState === "complete") { restore(); } else { window.addEventListener("load", restore); }
  }
  var generation = null;
  var overlay = null;

  function showErrors(errors) {
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "vlsc-docs-errors";
      overlay.setAttribute("role", "alert");
      // Long lists of errors scroll: keyboard users must be able to reach and scroll them too.
      overlay.tabIndex = 0;
      overlay.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#2b0b0b;color:#ffe4e4;font:14px/1.45 ui-monospace,Menlo,Consolas,monospace;padding:12px 16px;" +
        "border-top:4px solid #ff5c5c;white-space:pre-wrap;";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var h = document.createElement("strong");
    h.textContent = "Build failed — still showing the last good version. " + errors.length + " error(s):";
    overlay.appendChild(h);
    errors.forEach(function (e) {
      var pre = document.createElement("pre");
      pre.className = "vlsc-docs-error";
      pre.style.cssText = "margin:10px 0 0;padding:0;white-space:pre-wrap;background:transparent;color:inherit;" +
        "border:0;font:inherit;overflow:visible;";
      pre.textContent = e.text;
      pre.setAttribute("data-file", e.file);
      overlay.appendChild(pre);
    });
  }

  function hideErrors() {
    if (overlay) { overlay.remove(); overlay = null; }
  }

  var source = new EventSource("/__vlsc-docs/events");
  source.addEventListener("state", function (ev) {
    var state = JSON.parse(ev.data);
    if (generation !== null && state.generation > generation && state.errors.length === 0) {
      sessionStorage.setItem(key, String(window.scrollY));
      location.reload();
      return;
    }
    generation = state.generation;
    // Lets tests (and the curious) see that this page is connected.
    document.documentElement.setAttribute("data-vlsc-docs-generation", String(generation));
    if (state.errors.length > 0) { showErrors(state.errors); } else { hideErrors(); }
  });
}());
