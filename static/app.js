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
  /* The engine (static/search.js) and the index files it needs load on first use. */
  var engine = null;
  function loadEngine() {
    if (!engine) {
      engine = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = root + "static/search.js";
        script.onload = function () { resolve(window.ExplainerSearch); };
        script.onerror = function () { engine = null; reject(new Error("could not load the search engine")); };
        document.head.appendChild(script);
      }).then(function (search) { return search.start().then(function () { return search; }); });
    }
    return engine;
  }

  function search(query, options) {
    return loadEngine().then(function (s) { return s.search(query, options); });
  }

  /* A snippet as text and <mark> nodes: content never goes through innerHTML. */
  function snippetNode(search, doc, words) {
    var p = document.createElement("p");
    p.className = "search-snippet";
    search.snippet(doc, words).forEach(function (piece) {
      if (piece.match) {
        var mark = document.createElement("mark");
        mark.textContent = piece.text;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(piece.text));
      }
    });
    return p;
  }

  function countText(count) { return count === 1 ? "1 result" : count + " results"; }

  /* In the header's list box an option is not a link (options hold no controls);
     on the search page each result is a plain link. */
  function resultItem(search, doc, words, id, asOption) {
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
    if (doc.kind !== "Brief" || doc.date) {
      var meta = document.createElement("span");
      meta.className = "search-result-meta";
      meta.textContent = doc.kind === "Brief" ? doc.date : doc.kind;
      li.appendChild(meta);
    }
    if (doc.summary) {
      var summary = document.createElement("p");
      summary.className = "search-summary";
      summary.textContent = doc.summary;
      li.appendChild(summary);
    }
    var snippet = snippetNode(search, doc, words);
    if (snippet.childNodes.length) li.appendChild(snippet);
    return li;
  }

  var ANNOUNCE_AFTER_MS = 400;

  function setupSearchBox() {
    var input = document.getElementById("site-search-input");
    var panel = document.getElementById("site-search-results");
    var status = document.getElementById("site-search-status");
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
    /* aria-controls names the list box while one is shown, else the (always present) panel. */
    function controls(id) { input.setAttribute("aria-controls", id); }
    function close() {
      latest++;       /* a search still on its way must not open the list again */
      panel.hidden = true; input.setAttribute("aria-expanded", "false"); controls(panel.id); highlight(-1);
    }
    function show(found, query, s) {
      panel.innerHTML = "";
      var list = document.createElement("ul");
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Search results");
      list.id = "site-search-listbox";
      found.results.slice(0, 8).forEach(function (doc, i) {
        list.appendChild(resultItem(s, doc, found.words, "site-search-result-" + i, true));
      });
      if (!found.total) {
        controls(panel.id);
        var none = document.createElement("p");
        none.className = "search-empty";
        none.textContent = "No page matches “" + query + "”.";
        panel.appendChild(none);
      } else {
        panel.appendChild(list);
        controls(list.id);
        if (found.total > 8) {
          var more = document.createElement("a");
          more.className = "search-more";
          more.href = root + "search.html?q=" + encodeURIComponent(query);
          more.textContent = "All " + countText(found.total);
          more.tabIndex = -1;     /* the list box is the way by keyboard; Enter in the box opens the page */
          panel.appendChild(more);
        }
      }
      announce(found.total ? countText(found.total) : "No results");
      panel.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    }

    input.addEventListener("focus", function () { loadEngine().catch(function () {}); });
    /* The count is announced once typing pauses, not after every letter. */
    var announcing = null;
    function announce(text) {
      clearTimeout(announcing);
      if (!status) return;
      if (!text) { status.textContent = ""; return; }
      announcing = setTimeout(function () { status.textContent = text; }, ANNOUNCE_AFTER_MS);
    }
    function keepTyping() {
      panel.innerHTML = "";
      var hint = document.createElement("p");
      hint.className = "search-empty";
      hint.textContent = "Keep typing: a word needs at least three letters.";
      panel.appendChild(hint);
      panel.hidden = false;
      input.setAttribute("aria-expanded", "false");      /* no list box to point into */
      controls(panel.id);
      highlight(-1);
      announce("");
    }
    input.addEventListener("input", function () {
      var query = input.value, ticket = ++latest;
      if (!query.trim()) { close(); announce(""); return; }
      loadEngine().then(function (s) {
        /* A last word still being typed and too short to match as a prefix ("kazan su")
           is left out until it is long enough, so the results do not blink to none. */
        var words = s.terms(query), last = words[words.length - 1] || "";
        var typing = !/\s$/.test(query) && last.length < s.minPrefix;
        var asked = typing ? query.replace(/\S+$/, "") : query;
        if (!asked.trim()) { if (ticket === latest) keepTyping(); return; }
        return s.search(asked, { limit: 8 }).then(function (found) { if (ticket === latest) show(found, asked.trim(), s); });
      });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") { event.preventDefault(); if (!panel.hidden) highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); if (!panel.hidden) highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Tab") { close(); }          /* focus moves on; the list does not stay open behind it */
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

  /* search.html: the results for ?q=, narrowed by the facets chosen (?topic=energy&year=2024),
     all kept in the address so a search can be shared or reloaded. */
  var FACETS = [["topic", "Topic"], ["entity", "Entity"], ["year", "Year"]];
  var PAGE_SIZE = 20, FACET_VALUES = 12;

  function setupSearchPage() {
    var list = document.getElementById("search-page-results");
    if (!list) return;
    var form = document.querySelector(".search-page-form");
    var field = document.getElementById("search-page-input");
    var status = document.getElementById("search-page-status");
    var facetsBox = document.getElementById("search-page-facets");
    var params = new URLSearchParams(window.location.search);
    var chosen = [];
    FACETS.forEach(function (f) { params.getAll(f[0]).forEach(function (v) { chosen.push([f[0], v]); }); });
    field.value = params.get("q") || "";
    var latest = 0, limit = PAGE_SIZE;

    function address() {
      var next = new URLSearchParams();
      if (field.value) next.set("q", field.value);
      chosen.forEach(function (c) { next.append(c[0], c[1]); });
      var text = next.toString();
      return window.location.pathname + (text ? "?" + text : "");
    }
    function isChosen(kind, value) {
      return chosen.some(function (c) { return c[0] === kind && c[1] === value; });
    }
    function toggle(kind, value) {
      if (isChosen(kind, value)) chosen = chosen.filter(function (c) { return !(c[0] === kind && c[1] === value); });
      else chosen.push([kind, value]);
      limit = PAGE_SIZE;
      run(true);
    }

    function showFacets(counts) {
      facetsBox.innerHTML = "";
      FACETS.forEach(function (f) {
        /* A chosen value stays on show with (0) when nothing matches, so it can be unticked. */
        var values = (counts[f[0]] || []).filter(function (v) { return v.count > 0 || isChosen(f[0], v.value); });
        chosen.forEach(function (c) {     /* a value the site does not have (an old address) */
          if (c[0] === f[0] && !values.some(function (v) { return v.value === c[1]; })) {
            values.push({ value: c[1], label: c[1], count: 0 });
          }
        });
        if (f[0] === "year") values.sort(function (a, b) { return b.value.localeCompare(a.value); });
        else values.sort(function (a, b) { return b.count - a.count || a.label.localeCompare(b.label); });
        var shown = values.filter(function (v, i) { return i < FACET_VALUES || isChosen(f[0], v.value); });
        if (!shown.length) return;
        var group = document.createElement("fieldset");
        group.className = "search-facet";
        var legend = document.createElement("legend");
        legend.textContent = f[1];
        group.appendChild(legend);
        shown.forEach(function (v) {
          var label = document.createElement("label");
          var box = document.createElement("input");
          box.type = "checkbox";
          box.name = f[0];
          box.value = v.value;
          box.checked = isChosen(f[0], v.value);
          box.addEventListener("change", function () { toggle(f[0], v.value); });
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + v.label + " "));
          var count = document.createElement("span");
          count.className = "search-facet-count";
          count.textContent = "(" + v.count + ")";
          label.appendChild(count);
          group.appendChild(label);
        });
        facetsBox.appendChild(group);
      });
      if (chosen.length) {
        var clear = document.createElement("button");
        clear.type = "button";
        clear.className = "search-facets-clear";
        clear.textContent = "Clear the facets";
        clear.addEventListener("click", function () { chosen = []; limit = PAGE_SIZE; run(true); field.focus(); });
        facetsBox.appendChild(clear);
      }
      facetsBox.hidden = !facetsBox.childNodes.length;
    }

    /* The status is a live region: while the reader types, it speaks once typing pauses. */
    var speaking = null;
    function say(text, typing) {
      clearTimeout(speaking);
      if (typing) speaking = setTimeout(function () { status.textContent = text; }, ANNOUNCE_AFTER_MS);
      else status.textContent = text;
    }

    function run(remember, typing) {
      var q = field.value, ticket = ++latest;
      if (remember && window.history.replaceState) window.history.replaceState(null, "", address());
      if (!q.trim()) {
        list.innerHTML = "";
        facetsBox.innerHTML = "";
        facetsBox.hidden = true;
        say("Type a word to search every brief, topic and entity.", typing);
        return;
      }
      loadEngine().then(function (s) {
        return s.search(q, { limit: limit, facets: chosen }).then(function (found) {
          if (ticket !== latest) return;
          list.innerHTML = "";
          found.results.forEach(function (doc, i) {
            list.appendChild(resultItem(s, doc, found.words, "search-page-result-" + i, false));
          });
          say(found.total ? countText(found.total) + " for “" + q + "”" +
            (chosen.length ? ", narrowed by " + chosen.length + (chosen.length === 1 ? " facet" : " facets") : "") +
            (found.total > found.results.length ? "; showing the first " + found.results.length + "." : ".")
            : "No page matches “" + q + "”" + (chosen.length ? " with the facets chosen." : "."), typing);
          more.hidden = found.total <= found.results.length;
          /* Facets come after the first results: their file is only needed here. */
          return s.facetCounts(found.matched).then(function (counts) { if (ticket === latest) showFacets(counts); });
        });
      }).catch(function () {
        if (ticket === latest) say("Search could not load its files; reload the page to try again.", false);
      });
    }
    var more = document.createElement("button");
    more.type = "button";
    more.className = "search-more";
    more.textContent = "Show more results";
    more.hidden = true;
    more.addEventListener("click", function () { limit += PAGE_SIZE; run(false); });
    list.parentNode.insertBefore(more, list.nextSibling);
    form.addEventListener("submit", function (event) { event.preventDefault(); limit = PAGE_SIZE; run(true); });
    field.addEventListener("input", function () { limit = PAGE_SIZE; run(true, true); });
    run(false);
  }

  setupThemeToggle();
  setupSearchBox();
  setupSearchPage();
})();
