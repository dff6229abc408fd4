/* The search page: Pagefind's own UI over the index `digest build` makes.
   Loaded only by /search/ (no inline script: the page's Content-Security-Policy forbids it).
   The index and the UI live in <base path>pagefind/, found from pagefind-ui.js's own URL,
   so the site works under a sub-path. ?q=words starts a search. */
(function () {
  "use strict";
  function start() {
    var element = document.getElementById("search");
    if (!element) {
      return;
    }
    if (typeof window.PagefindUI !== "function") {
      var notice = document.createElement("p");
      notice.className = "notice";
      notice.textContent = element.getAttribute("data-missing") || "The search index is missing.";
      element.appendChild(notice);
      return;
    }
    var ui = new window.PagefindUI({
      element: "#search",
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
