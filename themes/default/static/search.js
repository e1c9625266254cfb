/* Offline search. The index (assets/search/<lang>/) is a set of scripts loaded with <script>
   elements, because file:// blocks fetch(); nothing is loaded until the reader focuses the box.
   A query loads meta.js, one term shard per query term (s<N>.<hash>.js) and the document chunks
   of the results shown (d<N>.<hash>.js). Normalization and tokenization mirror src/search.rs
   rule for rule: change one, change both. Without this script the search box stays hidden. */
(function () {
  "use strict";
  var root = document.querySelector(".vd-search");
  if (!root || !String.prototype.normalize) { return; }
  /* The box is made here from the page's strings, unless the theme wrote it out itself. */
  function make(tag, attrs, parent) {
    var el = document.createElement(tag);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    parent.appendChild(el);
    return el;
  }
  if (!root.querySelector(".vd-search-input")) {
    make("label", { "class": "vd-visually-hidden", "for": "vd-search-input" }, root).textContent =
      root.getAttribute("data-label") || "";
    make("input", {
      id: "vd-search-input", "class": "vd-search-input", type: "search", autocomplete: "off",
      spellcheck: "false", enterkeyhint: "search", placeholder: root.getAttribute("data-placeholder") || "",
      "aria-controls": "vd-search-results"
    }, root);
    make("p", { id: "vd-search-status", "class": "vd-visually-hidden", role: "status" }, root);
    var box = make("div", { id: "vd-search-results", "class": "vd-search-results", hidden: "" }, root);
    make("p", { "class": "vd-search-count", "aria-hidden": "true" }, box);
    make("ol", { "class": "vd-search-list" }, box);
    make("p", { "class": "vd-search-other" }, box);
  }
  var input = root.querySelector(".vd-search-input");
  var panel = root.querySelector(".vd-search-results");
  var list = root.querySelector(".vd-search-list");
  var countLine = root.querySelector(".vd-search-count");
  var otherLine = root.querySelector(".vd-search-other");
  var live = document.getElementById("vd-search-status");
  var indexUrl = root.getAttribute("data-index");
  var base = root.getAttribute("data-base");
  var LIMIT = 10;
  /* The index format this script reads (meta.js says which it is, src/search/index.rs writes
     it): an index of another format, from a cached copy of the site, is refused, not misread. */
  var FORMAT = 4;
  /* The messages are in meta.js (the page carries only the one shown before it loads, and a theme
     may still put any of them on the page as data-<name>). */
  var text = function (name) {
    var ui = loaded.meta && loaded.meta.ui;
    return (ui && typeof ui[name] === "string" && ui[name]) || root.getAttribute("data-" + name) || "";
  };
  root.hidden = false;

  // ---- Normalization and terms (the rules of src/search.rs) ------------------------------------

  var DROP = /[\u30FC\u30FB\u00B7]/g;
  var CJK = /^[\u3005-\u3007\u3040-\u309F\u30A0-\u30FF\u31F0-\u31FF\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{2FFFF}]$/u;
  var WORD = /^[\p{Alphabetic}\p{N}]$/u;
  var STOP = {};
  ("a an and are as at be by can do does for from how if in into is it its of on or that the then " +
    "this to was were what when which will with you your").split(" ").forEach(function (w) { STOP[w] = true; });

  function normalize(s) { return s.normalize("NFKC").toLowerCase().replace(DROP, ""); }

  function stem(word) {
    if (word.length <= 3 || !/^[a-z]+$/.test(word)) { return word; }
    var w = word;
    if (w.length > 4 && /(ies|ied)$/.test(w)) { return w.slice(0, -3) + "y"; }
    if (/sses$/.test(w)) { w = w.slice(0, -2); }
    else if (/s$/.test(w) && !/(ss|us|is)$/.test(w)) { w = w.slice(0, -1); }
    var suffixes = ["ing", "ed"];
    for (var i = 0; i < suffixes.length; i++) {
      var sfx = suffixes[i];
      if (w.slice(-sfx.length) === sfx && w.length - sfx.length >= 3) {
        w = w.slice(0, -sfx.length);
        var n = w.length;
        if (n >= 4 && w[n - 1] === w[n - 2] && "bdgmnprt".indexOf(w[n - 1]) >= 0) { w = w.slice(0, -1); }
        break;
      }
    }
    if (/e$/.test(w) && w.length > 3) { w = w.slice(0, -1); }
    return w;
  }

  /** The word and Japanese runs of normalized text: [{ text, cjk }]. */
  function runs(s) {
    var out = [];
    var cur = null;
    for (var c of s) {
      var kind = CJK.test(c) ? "c" : WORD.test(c) ? "w" : null;
      if (cur && cur.kind !== kind) { out.push({ text: cur.text, cjk: cur.kind === "c" }); cur = null; }
      if (kind) { if (cur) { cur.text += c; } else { cur = { kind: kind, text: c }; } }
    }
    if (cur) { out.push({ text: cur.text, cjk: cur.kind === "c" }); }
    return out;
  }

  /** The terms to look up: [{ term, prefix }], as src/search.rs `query_terms`. */
  function queryTerms(q) {
    var out = [];
    var push = function (term, prefix) {
      if (!out.some(function (t) { return t.term === term; })) { out.push({ term: term, prefix: prefix }); }
    };
    var rs = runs(normalize(q));
    var lastWord = -1;
    rs.forEach(function (r, i) { if (!r.cjk) { lastWord = i; } });
    rs.forEach(function (r, i) {
      if (r.cjk) {
        var chars = Array.from(r.text);
        if (chars.length === 1) { push(r.text, false); return; }
        for (var at = 0; at + 1 < chars.length; at += 2) { push(chars[at] + chars[at + 1], false); }
        if (chars.length % 2 === 1) { push(chars[chars.length - 2] + chars[chars.length - 1], false); }
      } else if (!STOP[r.text]) {
        push(stem(r.text), i === lastWord && Array.from(r.text).length >= 2);
      }
    });
    return out;
  }

  /** FNV-1a over the UTF-16 units of the first two characters, as src/search.rs `shard_of`. */
  function shardOf(term, shards) {
    var key = Array.from(term).slice(0, 2).join("");
    var h = 0x811c9dc5;
    for (var i = 0; i < key.length; i++) { h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0; }
    return h % Math.max(1, shards);
  }

  // ---- Loading index files with <script> elements ---------------------------------------------

  var loaded = {};
  var pending = {};
  window.__vdSearch = function (name, data) { loaded[name] = data; };

  /* meta.js is asked for anew on every page (a query string no cache has seen; from disk it is
     ignored). Every other file is named by the hash of its content, which meta.js lists: no cache,
     not even one that drops query strings, mixes the files of two builds, whose documents are
     numbered differently. */
  var fresh = "?t=" + Date.now();

  /** The URL of index file `name` ("meta", "s3", "d12"). */
  function fileUrl(name) {
    if (name === "meta") { return indexUrl + "meta.js" + fresh; }
    var meta = loaded.meta || {};
    var hashes = name.charAt(0) === "d" ? meta.chunkHashes : meta.shardHashes;
    var n = Number(name.slice(1));
    return indexUrl + name + "." + String(hashes || "").substr(n * 8, 8) + ".js";
  }
  /* When meta.js came: a page left open across a deploy asks for it again (renew). */
  var metaAt = 0;
  var STALE = 60000;

  function load(name) {
    if (Object.prototype.hasOwnProperty.call(loaded, name)) { return Promise.resolve(loaded[name]); }
    if (!pending[name]) {
      pending[name] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = fileUrl(name);
        s.onload = function () {
          if (name === "meta") { metaAt = Date.now(); }
          if (Object.prototype.hasOwnProperty.call(loaded, name)) { resolve(loaded[name]); }
          else { delete pending[name]; reject(new Error("search index " + name + " is empty")); }
        };
        s.onerror = function () {
          delete pending[name];
          var err = new Error("cannot load " + s.src);
          // Not there: the index was replaced by a deploy since meta.js came (see run).
          err.missing = name !== "meta";
          reject(err);
        };
        document.head.appendChild(s);
      });
    }
    return pending[name];
  }

  /* A page left open across a deploy: once meta.js is a minute old (or at once, `now`, when a
     file it names is not there), meta.js is asked for again, and if the build changed (another
     id) every file loaded of the old one is dropped, so that a query never reads the new build's
     files by the old meta, or the old files by the new. Resolves to whether it changed. */
  function renew(now) {
    if (!loaded.meta || !pending.meta || (!now && Date.now() - metaAt < STALE)) { return Promise.resolve(false); }
    var old = loaded.meta.id;
    delete loaded.meta;
    delete pending.meta;
    fresh = "?t=" + Date.now();
    return load("meta").then(function (meta) {
      if (meta && meta.id === old) { return false; }
      Object.keys(loaded).concat(Object.keys(pending)).forEach(function (k) {
        if (k !== "meta") { delete loaded[k]; delete pending[k]; }
      });
      // The results shown are the old build's: the query is run again on the new one.
      shownQuery = null;
      return true;
    }, function () { return false; });
  }

  // ---- Searching ------------------------------------------------------------------------------

  /* The digits of a term's postings (src/search/index.rs `DIGITS`): each number in five-bit
     groups, the lowest first; a digit worth 32 or more says another group follows. */
  var DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var VALUE = new Int8Array(128).fill(-1);
  for (var d = 0; d < DIGITS.length; d++) { VALUE[DIGITS.charCodeAt(d)] = d; }

  /** doc → weight for one term of the query, from its shard; prefix matches count half. A
      term's postings are pairs of numbers: the distance from the previous document, and the
      weight. A weight of meta.span or more is a page's title match that also finds the steps
      or sections after it (weight / span of them), weakly (meta.pageTitle). */
  function postings(shard, t, meta) {
    var out = {};
    var span = meta.span || 0;
    var put = function (doc, w) {
      if (!(out[doc] >= w)) { out[doc] = w; }
    };
    var add = function (digits, factor) {
      var doc = 0, n = 0, scale = 1, distance = -1;
      for (var i = 0; i < digits.length; i++) {
        var v = VALUE[digits.charCodeAt(i)];
        if (!(v >= 0)) { throw new Error("search index: bad postings"); }
        n += (v & 31) * scale;
        scale *= 32;
        if (v >= 32) { continue; }
        if (distance < 0) {
          distance = n;
        } else {
          doc += distance;
          var after = span > 0 ? Math.floor(n / span) : 0;
          put(doc, (n - after * span) * factor);
          for (var k = 1; k <= after; k++) { put(doc + k, meta.pageTitle * factor); }
          distance = -1;
        }
        n = 0;
        scale = 1;
      }
    };
    if (Object.prototype.hasOwnProperty.call(shard, t.term)) { add(shard[t.term], 1); }
    if (t.prefix) {
      for (var key in shard) {
        if (key !== t.term && key.lastIndexOf(t.term, 0) === 0) { add(shard[key], 0.5); }
      }
    }
    return out;
  }

  /** Every document holding every term, best first: { total, hits: [doc], meta }. */
  function search(q) {
    var terms = queryTerms(q);
    // meta.js even so: it has the message that nothing matched.
    if (terms.length === 0) { return load("meta").then(function () { return { total: 0, hits: [], meta: null }; }); }
    return load("meta").then(function (meta) {
      if (!meta || meta.v !== FORMAT) {
        throw new Error(text("outdated") || "The search index is from another version of this site. Reload the page.");
      }
      return Promise.all(terms.map(function (t) {
        return load("s" + shardOf(t.term, meta.shards)).then(function (shard) { return postings(shard, t, meta); });
      })).then(function (lists) {
        lists.sort(function (a, b) { return Object.keys(a).length - Object.keys(b).length; });
        var scored = [];
        Object.keys(lists[0]).forEach(function (key) {
          var score = 0;
          for (var i = 0; i < lists.length; i++) {
            if (!(key in lists[i])) { return; }
            score += lists[i][key];
          }
          scored.push({ doc: Number(key), score: score });
        });
        scored.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
        return { total: scored.length, hits: scored.slice(0, LIMIT).map(function (s) { return s.doc; }), meta: meta };
      });
    });
  }

  /** The chunk holding `doc`: the last whose first document is not after it. */
  function chunkOf(meta, doc) {
    var lo = 0, hi = meta.chunks.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (meta.chunks[mid] <= doc) { lo = mid; } else { hi = mid - 1; }
    }
    return lo;
  }

  /** Entry `i` of a chunk as [href, page title, step or heading, text]. A document of the same
      page as the full entry before it is written [#anchor, step or heading, text]. */
  function entry(chunk, i) {
    var e = chunk[i];
    if (!e || e.length === 4) { return e; }
    var full = i;
    while (full > 0 && chunk[full].length !== 4) { full--; }
    var page = chunk[full];
    if (!page || page.length !== 4) { throw new Error("search index: bad chunk"); }
    return [page[0].split("#")[0] + e[0], page[1], e[1], e[2]];
  }

  function documents(meta, docs) {
    return Promise.all(docs.map(function (d) {
      var c = chunkOf(meta, d);
      return load("d" + c).then(function (chunk) { return entry(chunk, d - meta.chunks[c]); });
    }));
  }

  // ---- Snippets -------------------------------------------------------------------------------

  /** What to highlight: each Japanese run of the query, and each word's stem. */
  function needles(q) {
    return runs(normalize(q)).filter(function (r) { return r.cjk || !STOP[r.text]; }).map(function (r) {
      return r.cjk ? r.text : stem(r.text);
    });
  }

  /** The text with the query's matches marked, cut around the first one, as DOM nodes. */
  function snippet(original, q) {
    // Normalized text, and for each of its UTF-16 units the original range it came from.
    var norm = "", from = [], to = [];
    for (var i = 0; i < original.length;) {
      var cp = original.codePointAt(i);
      var ch = String.fromCodePoint(cp);
      var n = normalize(ch);
      for (var k = 0; k < n.length; k++) { from.push(i); to.push(i + ch.length); }
      norm += n;
      i += ch.length;
    }
    var ranges = [];
    needles(q).forEach(function (needle) {
      if (!needle) { return; }
      for (var at = norm.indexOf(needle); at >= 0; at = norm.indexOf(needle, at + needle.length)) {
        ranges.push([from[at], to[at + needle.length - 1]]);
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) { last[1] = Math.max(last[1], r[1]); } else { merged.push(r.slice()); }
    });
    var start = merged.length ? Math.max(0, merged[0][0] - 40) : 0;
    var end = Math.min(original.length, start + 180);
    var frag = document.createDocumentFragment();
    var at = start;
    if (start > 0) { frag.appendChild(document.createTextNode("…")); }
    merged.forEach(function (r) {
      if (r[1] <= at || r[0] >= end) { return; }
      var s = Math.max(r[0], at), e = Math.min(r[1], end);
      if (s > at) { frag.appendChild(document.createTextNode(original.slice(at, s))); }
      var mark = document.createElement("mark");
      mark.textContent = original.slice(s, e);
      frag.appendChild(mark);
      at = e;
    });
    if (end > at) { frag.appendChild(document.createTextNode(original.slice(at, end))); }
    if (end < original.length && original.slice(-1) !== "…") { frag.appendChild(document.createTextNode("…")); }
    return frag;
  }

  // ---- The box and its results ------------------------------------------------------------------

  var seq = 0;
  var shownQuery = null;

  function open() { panel.hidden = false; }
  function close() { panel.hidden = true; }

  function otherLanguages(q) {
    otherLine.textContent = "";
    var alts = document.querySelectorAll(".vd-langs a[hreflang]");
    Array.prototype.forEach.call(alts, function (alt, i) {
      if (i > 0) { otherLine.appendChild(document.createTextNode(" · ")); }
      var a = document.createElement("a");
      a.href = alt.getAttribute("href").split("#")[0].split("?")[0] + "?q=" + encodeURIComponent(q);
      a.hreflang = alt.getAttribute("hreflang");
      a.lang = alt.getAttribute("hreflang");
      a.textContent = text("other").replace("{lang}", alt.textContent.trim());
      otherLine.appendChild(a);
    });
  }

  function show(q, result, docs) {
    list.textContent = "";
    docs.forEach(function (d) {
      if (!d) { return; }
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = base + d[0];
      var title = document.createElement("span");
      title.className = "vd-search-title";
      title.textContent = d[1];
      a.appendChild(title);
      if (d[2]) {
        var label = document.createElement("span");
        label.className = "vd-search-label";
        label.textContent = " › " + d[2];
        a.appendChild(label);
      }
      if (d[3]) {
        var snip = document.createElement("span");
        snip.className = "vd-search-snippet";
        snip.appendChild(snippet(d[3], q));
        a.appendChild(snip);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    var message;
    if (result.total === 0) { message = text("none").replace("{q}", q); }
    else if (result.total === 1) { message = text("one"); }
    else { message = text("results").replace("{n}", String(result.total)); }
    if (result.total > LIMIT) { message += " " + text("shown").replace("{n}", String(LIMIT)); }
    countLine.textContent = message;
    live.textContent = message;
    otherLanguages(q);
    shownQuery = q;
    open();
  }

  /** Searches for the box's text and shows the results; `retry` when run again after a deploy. */
  function run(retry) {
    var q = input.value.trim();
    var mine = ++seq;
    if (q === "") {
      list.textContent = "";
      countLine.textContent = "";
      otherLine.textContent = "";
      live.textContent = "";
      shownQuery = null;
      close();
      return;
    }
    if (q === shownQuery) { open(); return; }
    countLine.textContent = text("loading");
    search(q).then(function (result) {
      if (mine !== seq) { return null; }
      return (result.meta ? documents(result.meta, result.hits) : Promise.resolve([])).then(function (docs) {
        if (mine === seq) { show(q, result, docs); }
      });
    }).catch(function (err) {
      if (mine !== seq) { return; }
      var fail = function () {
        if (mine !== seq) { return; }
        countLine.textContent = (err && err.missing && text("outdated")) || String(err && err.message || err);
        live.textContent = countLine.textContent;
        open();
      };
      // A file meta.js names is gone: a deploy replaced the index. Run again on the new one,
      // once; if meta.js did not change (a cache still serves the old one), say so.
      if (err && err.missing && !retry) {
        renew(true).then(function (changed) { if (changed && mine === seq) { run(true); } else { fail(); } });
      } else {
        fail();
      }
    });
  }

  var timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 60);
  });
  input.addEventListener("focus", function () {
    renew(false).then(function (changed) { if (changed && input.value.trim() !== "") { run(); } });
    load("meta").catch(function () {});
    if (input.value.trim() !== "") { run(); }
  });

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }

  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && links().length) {
      e.preventDefault();
      open();
      links()[0].focus();
    } else if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(timer);
      var first = links()[0];
      if (first && shownQuery === input.value.trim()) { first.click(); } else { run(); }
    } else if (e.key === "Escape") {
      if (!panel.hidden) { e.preventDefault(); close(); }
      else if (input.value) { e.preventDefault(); input.value = ""; run(); }
    }
  });

  list.addEventListener("keydown", function (e) {
    var all = links();
    var i = all.indexOf(document.activeElement);
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (i + 1 < all.length) { all[i + 1].focus(); }
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (i > 0) { all[i - 1].focus(); } else { input.focus(); }
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
      input.focus();
    }
  });
  list.addEventListener("click", function () { close(); });

  // Leaving the search (focus or a click elsewhere) folds the results away.
  root.addEventListener("focusout", function (e) {
    if (!e.relatedTarget || !root.contains(e.relatedTarget)) { close(); }
  });
  document.addEventListener("click", function (e) {
    if (!root.contains(e.target)) { close(); }
  });

  // `/` (outside a text field) or Ctrl-K / ⌘-K puts the cursor in the box.
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if ((e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) ||
        ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === "k" || e.key === "K"))) {
      e.preventDefault();
      input.focus();
      input.select();
    }
  });

  // A search handed over from the other language (`?q=`) runs at once.
  var handed = new URLSearchParams(location.search).get("q");
  if (handed) {
    input.value = handed;
    run();
  }
})();
