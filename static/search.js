/* The site search's engine in the browser (the page's controls are in app.js).

   The build made the index (explainer/searchindex.py) and cut it into scripts: a manifest
   (search-index.js) that says which file holds which term prefixes, the term files, one
   small file per document and one of facets. A query loads only the files of its terms,
   then the files of the results it shows. They are scripts, not fetched JSON, so search
   works from file:// too. Scores were computed at build time; here they are only added.

   normalize() and terms() must agree with normalize() and terms() in explainer/searchindex.py:
   lower case, NFD, combining marks (Mn) dropped; a term is a run of letters and digits.
   tests/test_search.py runs both on the same strings. */
(function () {
  "use strict";
  var MIN_PREFIX = 3;         /* shorter words match whole words only: "ka" would load half the index */
  var PREFIX_WEIGHT = 0.5;    /* "kaz" finding "kazan" counts less than the word itself */
  var SNIPPET_CHARS = 200;
  var root = document.documentElement.getAttribute("data-root") || "";
  var paths = null, manifest = null, prefixes = null, fileOf = null;
  var files = {}, loading = {}, ready = null;

  function normalize(text) {
    return text.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "");
  }
  function terms(text) {
    var min = manifest ? manifest.min_term : 2;
    return (normalize(text).match(/[\p{L}\p{N}]+/gu) || []).filter(function (t) { return t.length >= min; });
  }

  window.explainerSearchIndex = function (where, data) {
    paths = where;
    manifest = data;
    fileOf = {};
    Object.keys(data.files).forEach(function (name) {
      data.files[name].forEach(function (prefix) { fileOf[prefix] = name; });
    });
    prefixes = Object.keys(fileOf).sort();
  };
  window.explainerSearchFile = function (kind, key, data) { files[kind + ":" + key] = data; };

  function loadScript(src) {
    if (!loading[src]) {
      loading[src] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = function () { delete loading[src]; reject(new Error("could not load " + src)); };
        document.head.appendChild(script);
      });
    }
    return loading[src];
  }
  function pathOf(pattern, key) { return root + pattern.replace("{}", key); }

  function start() {
    if (!ready) ready = loadScript(root + "search-index.js").then(function () { return manifest; });
    return ready;
  }

  /* The term files a word needs: the one of its longest listed prefix, and, for a prefix
     search, every file of a listed prefix that starts with the word. */
  function filesFor(word) {
    var needed = {};
    for (var end = word.length; end > 0; end--) {
      if (fileOf[word.slice(0, end)]) { needed[fileOf[word.slice(0, end)]] = true; break; }
    }
    if (word.length >= MIN_PREFIX) {
      var low = 0, high = prefixes.length;
      while (low < high) { var mid = (low + high) >> 1; if (prefixes[mid] < word) low = mid + 1; else high = mid; }
      for (var i = low; i < prefixes.length && prefixes[i].indexOf(word) === 0; i++) needed[fileOf[prefixes[i]]] = true;
    }
    return Object.keys(needed);
  }

  /* A member set (searchindex.member_set): a base64 bitmap or a list of gaps. */
  function eachMember(set, visit) {
    if (typeof set === "string") {
      var bytes = atob(set);
      for (var i = 0; i < bytes.length; i++) {
        var byte = bytes.charCodeAt(i);
        for (var bit = 0; byte; bit++, byte >>= 1) if (byte & 1) visit(i * 8 + bit);
      }
    } else {
      for (var j = 0, n = -1; j < set.length; j++) { n += set[j]; visit(n); }
    }
  }
  function maskOf(set) {
    var mask = new Uint8Array(manifest.documents);
    eachMember(set, function (n) { mask[n] = 1; });
    return mask;
  }

  /* Each document's score for one query word: its best over the terms the word matches. */
  function wordScores(word) {
    var scores = new Float64Array(manifest.documents), prefix = word.length >= MIN_PREFIX, found = false;
    filesFor(word).forEach(function (name) {
      var table = files["terms:" + name] || {};
      Object.keys(table).forEach(function (term) {
        if (term !== word && !(prefix && term.indexOf(word) === 0)) return;
        found = true;
        var weight = term === word ? 1 : PREFIX_WEIGHT, entry = table[term], best = entry[0];
        if (entry[2]) eachMember(entry[2], function (n) { scores[n] = Math.max(scores[n], weight * entry[1]); });
        for (var i = 0, n = -1; i < best.length; i += 2) {
          n += best[i];
          scores[n] = Math.max(scores[n], weight * best[i + 1]);
        }
      });
    });
    return found ? scores : null;
  }

  function loadAll(srcs) { return Promise.all(srcs.map(loadScript)); }

  /* {total, results: [document details], matched: Uint8Array, words} for a query, every
     word required, narrowed to the documents of every chosen facet ([["topic", "energy"]]). */
  function search(query, options) {
    options = options || {};
    var limit = options.limit || 10, chosen = options.facets || [];
    return start().then(function () {
      var words = terms(query).filter(function (w, i, all) { return all.indexOf(w) === i; });
      if (!words.length) return { total: 0, results: [], matched: null, words: words };
      var needed = {};
      words.forEach(function (w) { filesFor(w).forEach(function (name) { needed[pathOf(paths.terms, name)] = true; }); });
      var waits = [loadAll(Object.keys(needed))];
      if (chosen.length) waits.push(loadFacets());
      return Promise.all(waits).then(function () {
        var total = null;
        for (var i = 0; i < words.length; i++) {
          var scores = wordScores(words[i]);
          if (!scores) { total = null; break; }
          if (!total) { total = scores; continue; }
          for (var n = 0; n < total.length; n++) total[n] = total[n] && scores[n] ? total[n] + scores[n] : 0;
        }
        var matched = new Uint8Array(manifest.documents), hits = [];
        if (total) {
          var masks = chosen.map(function (facet) { return facetMask(facet[0], facet[1]); });
          for (var d = 0; d < total.length; d++) {
            if (!total[d] || !masks.every(function (m) { return m && m[d]; })) continue;
            matched[d] = 1;
            hits.push(d);
          }
        }
        hits.sort(function (a, b) { return total[b] - total[a] || b - a; });
        var shown = hits.slice(0, limit);
        return loadAll(shown.map(function (d) { return pathOf(paths.docs, d); })).then(function () {
          return { total: hits.length, matched: matched, words: words,
                   results: shown.map(function (d) { return files["doc:" + d]; }) };
        });
      });
    });
  }

  function loadFacets() { return start().then(function () { return loadScript(root + paths.facets); }); }
  var masks = {};
  function facetMask(kind, value) {
    var key = kind + ":" + value, table = files["facets:"] || {}, entry = (table[kind] || {})[value];
    if (!entry) return null;
    if (!masks[key]) masks[key] = maskOf(entry[1]);
    return masks[key];
  }

  /* For each facet kind, [{value, label, count}] of every value (count 0 where no matched
     document has it: the page shows those only when chosen, under their own label). */
  function facetCounts(matched) {
    return loadFacets().then(function () {
      var table = files["facets:"] || {}, counts = {};
      Object.keys(table).forEach(function (kind) {
        counts[kind] = Object.keys(table[kind]).map(function (value) {
          var count = 0;
          eachMember(table[kind][value][1], function (n) { if (matched && matched[n]) count++; });
          return { value: value, label: table[kind][value][0], count: count };
        });
      });
      return counts;
    });
  }

  /* The sentence of a document that holds most of the query's words, cut around the first
     of them when long: [{text, match}] pieces, for the page to turn into text and <mark> nodes. */
  function snippet(doc, words) {
    var best = null, bestFound = 0;
    (doc.sentences || []).forEach(function (sentence) {
      var spans = matchSpans(sentence, words), distinct = {};
      spans.forEach(function (s) { distinct[s.word] = true; });
      var found = Object.keys(distinct).length;
      if (found > bestFound) { best = { text: sentence, spans: spans }; bestFound = found; }
    });
    if (!best) return [];
    var text = best.text, from = 0, to = text.length;
    if (text.length > SNIPPET_CHARS) {
      from = Math.max(0, best.spans[0].start - 60);
      if (from > 0) from = text.indexOf(" ", from) + 1 || from;
      to = Math.min(text.length, from + SNIPPET_CHARS);
      if (to < text.length) to = Math.max(text.lastIndexOf(" ", to), best.spans[0].end);
    }
    var pieces = [], at = from;
    best.spans.forEach(function (s) {
      if (s.start < at || s.end > to) return;
      if (s.start > at) pieces.push({ text: text.slice(at, s.start), match: false });
      pieces.push({ text: text.slice(s.start, s.end), match: true });
      at = s.end;
    });
    var tail = text.slice(at, to);
    if (to < text.length) tail = tail.replace(/[\s,;:.!?]+$/, "") + "…";   /* never "chair …." */
    if (tail) pieces.push({ text: tail, match: false });
    if (from > 0) pieces.unshift({ text: "…", match: false });
    return pieces;
  }
  function matchSpans(text, words) {
    var spans = [], pattern = /[\p{L}\p{N}\p{M}]+/gu, found;
    while ((found = pattern.exec(text))) {
      var word = normalize(found[0]);
      for (var i = 0; i < words.length; i++) {
        if (word === words[i] || (words[i].length >= MIN_PREFIX && word.indexOf(words[i]) === 0)) {
          spans.push({ start: found.index, end: found.index + found[0].length, word: words[i] });
          break;
        }
      }
    }
    return spans;
  }

  window.ExplainerSearch = { start: start, search: search, facetCounts: facetCounts, snippet: snippet,
                             normalize: normalize, terms: terms, minPrefix: MIN_PREFIX };
})();
