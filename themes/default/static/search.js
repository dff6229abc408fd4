/* The search page: Pagefind's own UI over the index `digest build` makes.
   Loaded only by /search/ (no inline script: the page's Content-Security-Policy forbids it).
   The index is in shards, one folder each under <base path>pagefind/, named by
   pagefind/shards.json: the first is the UI's own index, the others are merged into it
   (Pagefind's mergeIndex), so one search covers them all. Everything is found from
   pagefind-ui.js's own URL, so the site works under a sub-path. ?q=words starts a search. */
(function () {
  "use strict";
  function notice(element, text) {
    var paragraph = document.createElement("p");
    paragraph.className = "notice";
    paragraph.textContent = text;
    element.appendChild(paragraph);
  }
  function bundleURL() {
    var script = document.querySelector("script[src*='pagefind-ui.js']");
    return script ? new URL(".", script.src).href : null;
  }
  function open(element, bundle, shards) {
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      basePath: bundle + shards[0] + "/",
      mergeIndex: shards.slice(1).map(function (name) { return { bundlePath: bundle + name + "/" }; }),
      showSubResults: false,
      showImages: false,
      autofocus: true,
      translations: { placeholder: element.getAttribute("data-placeholder") || "Search" }
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  }
  function start() {
    var element = document.getElementById("search");
    if (!element) {
      return;
    }
    var missing = element.getAttribute("data-missing") || "The search index is missing.";
    var bundle = bundleURL();
    if (typeof window.PagefindUI !== "function" || !bundle) {
      notice(element, missing);
      return;
    }
    fetch(bundle + "shards.json")
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (manifest) {
        var shards = (manifest && manifest.shards) || [];
        if (!shards.length) {
          throw new Error("no shards");
        }
        open(element, bundle, shards);
      })
      .catch(function () { notice(element, missing); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
