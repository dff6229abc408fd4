/* The search page: Pagefind's own UI over the index `digest build` makes.
   Loaded only by /search/ (no inline script: the page's Content-Security-Policy forbids it).
   The index is in shards, one folder each under <base path>pagefind/, named by
   pagefind/shards.json: the first is the UI's own index, the others are merged into it
   (Pagefind's mergeIndex), so one search covers them all. The UI gets Pagefind's API through digest's
   facade (pagefind/digest/pagefind.js, digest/search/facade.js), which searches only the shards that hold
   every query word, so the shards find what one index would. Everything is found from
   pagefind-ui.js's own URL, so the site works under a sub-path. ?q=words starts a search.
   shards.json also gives each shard's ranking options: the people's shards weigh a match in a
   person's names so that their own page comes first (digest/search/index.py, names_weights).
   Each result is labelled with its kind (and a claim with its status), in the site's language:
   the index's filters are named in it (digest/render/templates.py, search_words), and the
   #search element's data-labels gives the same words, so this script can find them. */
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
  function readLabels(element) {
    try {
      return JSON.parse(element.getAttribute("data-labels") || "{}") || {};
    } catch (error) {
      return {};
    }
  }
  /* Pagefind's UI lists a result's metadata as "Key: value" tags: keep only the kind (and a
     claim's status), with the site's words for both; the names are for ranking only. */
  function labelled(labels) {
    return function (result) {
      var filters = result.filters || {};
      var meta = {};
      Object.keys(result.meta || {}).forEach(function (key) {
        if (key === "title" || key === "url" || key === "image" || key === "image_alt") {
          meta[key] = result.meta[key];
        }
      });
      /* The index names its filters and kinds in the site's language (the same words as data-labels). */
      var kindName = labels.kind || "Kind";
      var statusName = labels.status || "Status";
      var kind = (filters[kindName] || [])[0];
      if (kind) {
        meta[kindName] = kind;
      }
      var status = (filters[statusName] || [])[0];
      if (kind === (labels.claim || "Claim") && status) {
        meta[statusName] = status;
      }
      result.meta = meta;
      return result;
    };
  }
  function open(element, bundle, manifest) {
    var shards = manifest.shards;
    var ranking = manifest.ranking || {};
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle + "digest/",
      basePath: bundle + shards[0] + "/",
      ranking: ranking[shards[0]],
      mergeIndex: shards.slice(1).map(function (name) {
        return ranking[name] ? { bundlePath: bundle + name + "/", ranking: ranking[name] } : { bundlePath: bundle + name + "/" };
      }),
      showSubResults: false,
      showImages: false,
      autofocus: true,
      processResult: labelled(readLabels(element)),
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
        open(element, bundle, { shards: shards, ranking: manifest.ranking });
      })
      .catch(function () { notice(element, missing); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
