// digest dev server: reload after a good build that rewrote this page, show errors after a bad one.
// Served only by `digest serve`; never written into the built site.
(function () {
  "use strict";
  var script = document.currentScript;
  var loadedBuild = script ? Number(script.getAttribute("data-build")) : -1;
  var overlayId = "digest-error-overlay";

  function showErrors(errors, site) {
    var box = document.getElementById(overlayId);
    if (!box) {
      box = document.createElement("div");
      box.id = overlayId;
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#1b1b1f;color:#ffb4ab;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;" +
        "padding:16px 20px;border-top:4px solid #ff5449;white-space:pre-wrap;box-shadow:0 -4px 24px rgba(0,0,0,.4)";
      document.body.appendChild(box);
    }
    var what = site ? "digest: the last build failed; showing the last good site."
      : "digest: no site yet: the first build failed. Fix the errors below and save; this page reloads when a build succeeds.";
    box.textContent = what + "\n\n" + errors.join("\n");
  }

  function clearErrors() {
    var box = document.getElementById(overlayId);
    if (box) box.remove();
  }

  function swapStylesheets(build) {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      var url = new URL(links[i].href);
      url.searchParams.set("digest-build", build);
      links[i].href = url.toString();
    }
  }

  // From the build this page was served at: every event since comes, none is skipped. The page's path tells
  // the server which pages are open: a build makes them before the others, and this one reloads sooner.
  var source = new EventSource("/__digest__/events?after=" + loadedBuild + "&page=" + encodeURIComponent(location.pathname));
  source.addEventListener("build", function (message) {
    var state = JSON.parse(message.data);
    if (state.errors.length) {
      showErrors(state.errors, state.site);
      return;
    }
    if (state.build === loadedBuild) {
      clearErrors();
      return;
    }
    if (state.pages && state.pages.indexOf(decodeURIComponent(location.pathname)) === -1 &&
        state.build === loadedBuild + 1 && document.getElementById(overlayId) === null) {
      loadedBuild = state.build;  // the build after this page's did not rewrite it
      return;
    }
    if (state.css_only && state.build === loadedBuild + 1 && document.getElementById(overlayId) === null) {
      loadedBuild = state.build;
      swapStylesheets(state.build);
      return;
    }
    window.location.reload();
  });
})();
