/* Progressive enhancements for every page: theme toggle and site search.
   Everything here is optional: without JavaScript the site reads and navigates fully. */
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "";

  /* -- theme toggle ------------------------------------------------------ */
  function currentTheme() {
    var set = document.documentElement.getAttribute("data-theme");
    if (set) return set;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  function setupThemeToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    function label() {
      var dark = currentTheme() === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.textContent = dark ? "Light theme" : "Dark theme";
    }
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { localStorage.setItem("explainer-theme", next); } catch (e) { /* not saved; still applied */ }
      label();
    });
  }

  /* -- search ---------------------------------------------------------------- */
  var engine = null, documents = null, loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  /* The index is made of scripts, not fetched JSON, so search works from file:// too. */
  function ensureIndex() {
    if (engine) return Promise.resolve(engine);
    if (!loading) {
      loading = Promise.all([loadScript(root + "static/vendor/minisearch.js"), loadScript(root + "search-index.js")])
        .then(function () {
          return Promise.all(window.EXPLAINER_SEARCH_FILES.map(function (file) { return loadScript(root + file); }));
        })
        .then(function () {
          documents = {};
          var all = [];
          (window.EXPLAINER_SEARCH_CHUNKS || []).forEach(function (chunk) {
            chunk.forEach(function (doc) { documents[doc.id] = doc; all.push(doc); });
          });
          engine = new window.MiniSearch({
            fields: ["title", "summary", "topics", "entities", "body"],
            storeFields: ["title", "summary", "url"],
            searchOptions: { boost: { title: 3, topics: 2, entities: 2, summary: 1.5 }, prefix: true, fuzzy: 0.15,
                             combineWith: "AND" }
          });
          engine.addAll(all);
          return engine;
        });
    }
    return loading;
  }

  function terms(query) {
    return query.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(function (t) { return t.length > 1; });
  }

  /* A short piece of the body around the first matched word, with the word marked. */
  function snippetNode(doc, query) {
    var text = doc.body || "", lower = text.toLowerCase(), words = terms(query), at = -1, word = "";
    for (var i = 0; i < words.length && at < 0; i++) { at = lower.indexOf(words[i]); word = words[i]; }
    var p = document.createElement("p");
    p.className = "search-snippet";
    if (at < 0) { p.textContent = doc.summary; return p; }
    var start = Math.max(0, at - 60), end = Math.min(text.length, at + word.length + 90);
    if (start > 0) start = text.indexOf(" ", start) + 1 || start;   /* begin and end on whole words */
    if (end < text.length) end = Math.max(text.lastIndexOf(" ", end), at + word.length);
    p.appendChild(document.createTextNode((start > 0 ? "…" : "") + text.slice(start, at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + word.length);
    p.appendChild(mark);
    p.appendChild(document.createTextNode(text.slice(at + word.length, end) + (end < text.length ? "…" : "")));
    return p;
  }

  function search(query) {
    return ensureIndex().then(function (index) {
      if (!query.trim()) return [];
      return index.search(query).slice(0, 12).map(function (hit) { return documents[hit.id]; });
    });
  }

  /* In the header's list box an option is not a link (options hold no controls);
     on the search page each result is a plain link. */
  function resultItem(doc, query, id, asOption) {
    var li = document.createElement("li");
    li.className = "search-result";
    li.id = id;
    var title = document.createElement(asOption ? "span" : "a");
    title.className = "search-result-title";
    title.textContent = doc.title;
    if (asOption) {
      li.setAttribute("role", "option");
      li.setAttribute("data-href", root + doc.url);
      li.addEventListener("click", function () { window.location.href = li.getAttribute("data-href"); });
    } else {
      title.href = root + doc.url;
    }
    li.appendChild(title);
    var summary = document.createElement("p");
    summary.className = "search-summary";
    summary.textContent = doc.summary;
    li.appendChild(summary);
    li.appendChild(snippetNode(doc, query));
    return li;
  }

  function setupSearchBox() {
    var input = document.getElementById("site-search-input");
    var panel = document.getElementById("site-search-results");
    if (!input || !panel) return;
    var active = -1, latest = 0;
    // "press /" means nothing without a keyboard.
    if (window.matchMedia && window.matchMedia("(hover: none) and (pointer: coarse)").matches) {
      input.placeholder = "Search";
    }

    function items() { return panel.querySelectorAll(".search-result"); }
    function highlight(index) {
      var all = items();
      active = all.length ? (index + all.length) % all.length : -1;
      for (var i = 0; i < all.length; i++) all[i].setAttribute("aria-selected", i === active ? "true" : "false");
      if (active >= 0) { input.setAttribute("aria-activedescendant", all[active].id); all[active].scrollIntoView({ block: "nearest" }); }
      else input.removeAttribute("aria-activedescendant");
    }
    function close() { panel.hidden = true; input.setAttribute("aria-expanded", "false"); highlight(-1); }
    function show(results, query) {
      panel.innerHTML = "";
      var list = document.createElement("ul");
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Search results");
      list.id = "site-search-listbox";
      results.slice(0, 8).forEach(function (doc, i) {
        list.appendChild(resultItem(doc, query, "site-search-result-" + i, true));
      });
      if (!results.length) {
        var none = document.createElement("p");
        none.className = "search-empty";
        none.textContent = "No brief matches “" + query + "”.";
        panel.appendChild(none);
      } else {
        panel.appendChild(list);
      }
      panel.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    input.addEventListener("focus", function () { ensureIndex().catch(function () {}); });
    input.addEventListener("input", function () {
      var query = input.value, ticket = ++latest;
      if (!query.trim()) { close(); return; }
      search(query).then(function (results) { if (ticket === latest) show(results, query); });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (!panel.hidden) highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); if (!panel.hidden) highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter") {
        var all = items();
        if (!panel.hidden && all.length) {
          event.preventDefault();
          window.location.href = all[active >= 0 ? active : 0].getAttribute("data-href");
        }
      }
    });
    document.addEventListener("click", function (event) {
      if (!panel.contains(event.target) && event.target !== input) close();
    });
    document.addEventListener("keydown", function (event) {
      var target = event.target, typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  /* search.html: the full list of results for ?q= */
  function setupSearchPage() {
    var list = document.getElementById("search-page-results");
    if (!list) return;
    var query = new URLSearchParams(window.location.search).get("q") || "";
    var field = document.getElementById("search-page-input");
    var status = document.getElementById("search-page-status");
    field.value = query;
    function run(q) {
      search(q).then(function (results) {
        list.innerHTML = "";
        results.forEach(function (doc, i) { list.appendChild(resultItem(doc, q, "search-page-result-" + i, false)); });
        status.textContent = q.trim() ? (results.length + (results.length === 1 ? " brief matches" : " briefs match") +
          " “" + q + "”.") : "Type a word to search every brief.";
      });
    }
    field.addEventListener("input", function () { run(field.value); });
    run(query);
  }

  setupThemeToggle();
  setupSearchBox();
  setupSearchPage();
})();
