/* digest's front for Pagefind's search API, put in the site at <base path>pagefind/digest/pagefind.js.
   Pagefind's UI imports <bundlePath>pagefind.js; the search page (search.js) points bundlePath here, so
   the UI gets Pagefind's own API (../pagefind.js) with one change: a search covers only the shards that
   hold every word of the query, and so finds what one index over the whole site would.

   Why: Pagefind looks each query word up in every index on its own, and an index with no word starting
   with it falls back to its longest word the query word starts with ("ushakov" -> "us", from "U.S.").
   Over one index that happens only for a typo; over shards, in every shard that lacks the word
   (digest/search/vocabulary.py).

   How: every shard's pages get the filter _digest_shard = the shard's name (Pagefind's mergeFilter, the
   name being its folder's). ../vocabulary/ is a small Pagefind index with one record per shard (the words
   the shard indexed, filtered by its name): a query word searched there gives the shards that hold it,
   with Pagefind's own tokenising, stemming and fallback, once per word. The search then runs with
   {_digest_shard: {any: those shards}} added to the reader's filters, and the key is taken out of every
   filter count the UI sees; the counts without the reader's filters are those of the same shards. A phrase
   in quotes is searched as it is (Pagefind's exact search never falls back); a word the vocabulary finds
   nowhere is left out, as one index leaves it out. Should the vocabulary fail to load, searches run over
   every shard, as before it existed.

   The vocabulary is opened as this module loads, before any shard: Pagefind 1.5 starts one web worker for
   the page, from <basePath>pagefind-worker.js of the first index opened, and the bundle has that file in
   ../vocabulary/ (digest/search/vocabulary.py, WORKER), not in the shards' folders. So searches run in the
   worker, off the page's thread. Every call waits until the vocabulary has loaded (or failed to) before the
   shards are opened: Pagefind's instances share one WebAssembly module, and two instances loading it at
   once each make their own, the first then reading the second's memory ("memory access out of bounds"). */
import * as pagefind from "../pagefind.js";

const KEY = "_digest_shard"; /* digest/search/vocabulary.py, FILTER */
const VOCABULARY = new URL("../vocabulary/", import.meta.url).href;
const NOWHERE = ""; /* a shard name no page has: the filter that lets nothing through */

let vocabulary = null; /* the vocabulary's Pagefind instance (a promise), opened as the module loads (below) */
let unreadable = false; /* the vocabulary failed to load: search every shard, without asking again */
let holders = new Map(); /* query word -> promise of the names of the shards holding it, or null for none */
let searchID = 0;
/* Opened first, so that Pagefind's web worker is the vocabulary's, and waited for (see the top); a failure
   shows at the first search, which then covers every shard. */
const ready = openVocabulary().then(function () {}, function () {});

function shardName(path) {
  const parts = String(path).split(/[?#]/)[0].split("/").filter(Boolean);
  return parts[parts.length - 1];
}

/* A same-origin URL as a path from the site's root. Pagefind strips the page's origin from an index's URL on
   the page's thread only: in its web worker, an index merged by its whole URL gives its results whole URLs. */
function fromRoot(path) {
  const url = new URL(String(path), window.location.href);
  return url.origin === window.location.origin ? url.pathname + url.search : String(path);
}

function withShard(options, path) {
  const own = Object.assign({}, (options && options.mergeFilter) || {});
  own[KEY] = shardName(path);
  return Object.assign({}, options || {}, { mergeFilter: own });
}

function hidden(counts) {
  if (!counts || !Object.prototype.hasOwnProperty.call(counts, KEY)) {
    return counts;
  }
  const rest = Object.assign({}, counts);
  delete rest[KEY];
  return rest;
}

function shown(response) {
  if (response) {
    response.filters = hidden(response.filters);
    response.totalFilters = hidden(response.totalFilters);
  }
  return response;
}

function openVocabulary() {
  if (!vocabulary) {
    vocabulary = (async function () {
      const instance = pagefind.createInstance({ basePath: VOCABULARY });
      await instance.filters(); /* loads the shard filter: a search's counts of it name the shards found */
      return instance;
    })();
  }
  return vocabulary;
}

function shardsHolding(word) {
  if (!holders.has(word)) {
    holders.set(word, openVocabulary().then(async function (instance) {
      const found = await instance.search(word);
      const counts = (found && found.filters && found.filters[KEY]) || {};
      const names = Object.keys(counts).filter(function (name) { return counts[name] > 0; });
      return names.length ? names : null;
    }));
  }
  return holders.get(word);
}

/* The shards a search of `term` may find pages in; null: every shard. */
async function allowedShards(term) {
  if (unreadable || typeof term !== "string" || /^\s*".+"\s*$/.test(term)) {
    return null;
  }
  const words = Array.from(new Set(term.split(/\s+/).filter(Boolean)));
  let allowed = null;
  try {
    for (const names of await Promise.all(words.map(shardsHolding))) {
      if (names) {
        allowed = allowed ? allowed.filter(function (name) { return names.indexOf(name) >= 0; }) : names;
      }
    }
  } catch (error) {
    if (!unreadable) {
      console.warn("digest: the search vocabulary could not be read; searching every shard", error);
    }
    unreadable = true;
    return null;
  }
  return allowed;
}

export async function search(term, options) {
  await ready;
  const given = options || {};
  const allowed = await allowedShards(term);
  if (!allowed) {
    return shown(await pagefind.search(term, given));
  }
  const only = {};
  only[KEY] = { any: allowed.length ? allowed : [NOWHERE] };
  const response = await pagefind.search(term, Object.assign({}, given, { filters: Object.assign({}, given.filters || {}, only) }));
  if (!response) {
    return response;
  }
  if (Object.keys(given.filters || {}).length) {
    const unfiltered = await pagefind.search(term, Object.assign({}, given, { filters: only }));
    response.totalFilters = unfiltered.filters;
    response.unfilteredResultCount = unfiltered.results.length;
  } else {
    response.totalFilters = response.filters;
    response.unfilteredResultCount = response.results.length;
  }
  return shown(response);
}

export async function debouncedSearch(term, options, debounceTimeoutMs) {
  const id = ++searchID;
  preload(term, options);
  await new Promise(function (resolve) { setTimeout(resolve, debounceTimeoutMs === undefined ? 300 : debounceTimeoutMs); });
  if (id !== searchID) {
    return null;
  }
  const response = await search(term, options);
  return id === searchID ? response : null;
}

export async function preload(term, options) {
  await ready;
  allowedShards(term);
  return pagefind.preload(term, options);
}

export async function options(given) {
  await ready;
  return pagefind.options(given && given.basePath ? withShard(given, given.basePath) : given);
}

export async function mergeIndex(indexPath, given) {
  await ready;
  return pagefind.mergeIndex(fromRoot(indexPath), withShard(given, indexPath));
}

export async function filters() {
  await ready;
  return hidden(await pagefind.filters());
}

export async function init() {
  await ready;
  return pagefind.init();
}

export async function destroy() {
  vocabulary = null;
  unreadable = false;
  holders = new Map();
  return pagefind.destroy();
}

export const createInstance = pagefind.createInstance;
