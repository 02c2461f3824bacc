/* Preview cards: one card for links to briefs, sections, entities and topics, and for
   citations and footnotes.

   - Opens on pointer hover after 300 ms and at once on keyboard focus; stays open while the
     pointer is on the link or the card, or the link has focus; Esc closes it; opening
     another card closes it (WCAG 2.2: 1.4.13 content on hover or focus, 2.1.1 keyboard).
   - Focus never moves: the card is tied to its link with aria-describedby while open.
   - On touch screens a link still navigates on one tap; a citation or footnote opens its
     card on tap, and a tap outside closes it.
   - Works from file://: a page's card data is a script (previews/<page>.js) added to the
     page when first needed, never fetched. Citations and footnotes are read from the page.
   - Everything a card shows is also in the page or on the page it links to.
   Text only ever goes in as text (textContent), never as HTML. */
(function () {
  "use strict";

  var root = new URL(document.documentElement.getAttribute("data-root") || "./", location.href);
  var base = root.href.split("#")[0];
  var here = location.href.split("#")[0];
  var data = {}, waiting = {};

  window.explainerPreview = function (page, value) {
    data[page] = value;
    (waiting[page] || []).forEach(function (done) { done(value); });
    delete waiting[page];
  };

  var card = document.createElement("div");
  card.id = "preview-card";
  card.className = "preview-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  // Inside the main landmark, so that all content is in one (the card is placed by coordinates).
  (document.querySelector("main") || document.body).appendChild(card);

  var current = null;       // the link whose card is open
  var pending = null;       // the link whose card is loading
  var hovered = false;      // the pointer is on the current link or on the card
  var openTimer = 0, closeTimer = 0, lastTouch = 0;
  var TRIGGERS = ".prose a[href], .profile a[href], sup.cite a[href], a.footnote-ref[href]";

  function trigger(node) {
    var link = node && node.closest ? node.closest(TRIGGERS) : null;
    if (link && link.classList.contains("headerlink")) { return null; }     // a heading's own "#" link
    return link && !card.contains(link) && (isNote(link) || pageOf(link) || sameAnchor(link)) ? link : null;
  }

  function isNote(link) {
    return link.classList.contains("citation") || link.classList.contains("footnote-ref") ||
      (link.parentElement && link.parentElement.classList.contains("cite"));
  }

  function pageOf(link) {
    var url = new URL(link.getAttribute("href"), location.href);
    var href = url.href.split("#")[0];
    if (href.indexOf(base) !== 0 || href === here) { return null; }
    var page = decodeURIComponent(href.slice(base.length));
    return /^(briefs|entities|topics)\/[^\/]+\.html$/.test(page) ? page : null;
  }

  function anchorOf(link) {
    var hash = new URL(link.getAttribute("href"), location.href).hash;
    return hash ? decodeURIComponent(hash.slice(1)) : "";
  }

  function sameAnchor(link) {
    var url = new URL(link.getAttribute("href"), location.href);
    return url.href.split("#")[0] === here && url.hash ? document.getElementById(anchorOf(link)) : null;
  }

  function load(page, done) {
    if (data[page]) { return done(data[page]); }
    if (waiting[page]) { waiting[page].push(done); return; }
    waiting[page] = [done];
    var script = document.createElement("script");
    script.src = new URL("previews/" + page.replace(/\.html$/, ".js"), root).href;
    script.onerror = function () { delete waiting[page]; };
    document.head.appendChild(script);
  }

  function add(parent, tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    parent.appendChild(node);
    return node;
  }

  function pageCard(value, anchor) {
    var body = document.createDocumentFragment();
    add(body, "strong", value.title, "preview-title");
    if (value.kind === "brief") {
      add(body, "span", value.date + " \u00b7 " + value.minutes + " min read", "preview-meta");
      var lead = anchor && value.sections ? value.sections[anchor] : "";
      add(body, "p", lead || value.summary);
    } else {
      add(body, "span", value.label + " \u00b7 " + value.count, "preview-meta");
      if (value.description) { add(body, "p", value.description); }
    }
    return body;
  }

  function noteCard(link) {
    var target = document.getElementById(anchorOf(link));
    if (!target) { return null; }
    var body = document.createDocumentFragment();
    var copy = target.cloneNode(true);
    copy.removeAttribute("id");
    Array.prototype.forEach.call(copy.querySelectorAll(".cited-at, .footnote-backref, [id]"), function (node) {
      if (node.classList.contains("cited-at") || node.classList.contains("footnote-backref")) {
        node.remove();
      } else {
        node.removeAttribute("id");
      }
    });
    var text = add(body, "div", "", "preview-note");
    while (copy.firstChild) { text.appendChild(copy.firstChild); }
    var others = target.querySelectorAll(".cited-at a");
    if (others.length > 1) {
      var where = add(body, "p", "Cited here " + others.length + " times: ", "preview-meta");
      Array.prototype.forEach.call(others, function (other, index) {
        var jump = add(where, "a", other.textContent === "\u2191" ? String(index + 1) : other.textContent);
        jump.href = other.getAttribute("href");
        where.appendChild(document.createTextNode(" "));
      });
    }
    return body;
  }

  function sectionCard(heading) {
    var next = heading.nextElementSibling;
    while (next && next.tagName !== "P" && !/^H[1-6]$/.test(next.tagName)) { next = next.nextElementSibling; }
    if (!next || next.tagName !== "P") { return null; }
    var body = document.createDocumentFragment();
    add(body, "strong", heading.textContent.replace(/#\s*$/, "").trim(), "preview-title");
    add(body, "p", next.textContent.split(/(?<=[.!?])\s+/).slice(0, 2).join(" "));
    return body;
  }

  function show(link, content) {
    if (!content) { return; }
    if (current && current !== link) { hide(); }
    card.textContent = "";
    card.appendChild(content);
    card.hidden = false;
    current = link;
    link.setAttribute("aria-describedby", card.id);
    place(link);
  }

  function place(link) {
    var box = link.getBoundingClientRect();
    var width = Math.min(card.offsetWidth, document.documentElement.clientWidth - 16);
    var left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
    var below = box.bottom + 8;
    var top = below + card.offsetHeight > window.innerHeight && box.top - card.offsetHeight - 8 > 0
      ? box.top - card.offsetHeight - 8 : below;
    card.style.left = (left + window.scrollX) + "px";
    card.style.top = (top + window.scrollY) + "px";
  }

  function open(link) {
    clearTimeout(openTimer);
    clearTimeout(closeTimer);
    if (link === current) { return; }
    if (isNote(link) || link.classList.contains("footnote-ref")) { return show(link, noteCard(link)); }
    var page = pageOf(link);
    if (!page) { return show(link, sectionCard(sameAnchor(link))); }
    pending = link;
    load(page, function (value) {
      if (pending === link) { pending = null; show(link, pageCard(value, anchorOf(link))); }
    });
  }

  function hide() {
    if (!current) { return; }
    current.removeAttribute("aria-describedby");
    current = null;
    hovered = false;
    card.hidden = true;
  }

  function close() {          // Esc: the open card, and any still loading
    clearTimeout(openTimer);
    pending = null;
    hide();
  }

  function closeUnlessKept() {
    if (current && !hovered && document.activeElement !== current) { hide(); }
  }

  function touched() { return Date.now() - lastTouch < 800; }

  document.addEventListener("pointerover", function (event) {
    if (event.pointerType === "touch") { lastTouch = Date.now(); return; }
    var link = trigger(event.target);
    if (link === current || card.contains(event.target)) { hovered = true; clearTimeout(closeTimer); return; }
    if (link) {
      clearTimeout(openTimer);
      openTimer = setTimeout(function () { open(link); hovered = true; }, 300);
    }
  });

  document.addEventListener("pointerout", function (event) {
    if (event.pointerType === "touch") { return; }
    var link = trigger(event.target);
    if (link && link !== current) { clearTimeout(openTimer); }
    if (!current || (link !== current && !card.contains(event.target))) { return; }
    var to = event.relatedTarget;
    if (to && (card.contains(to) || current.contains(to))) { return; }
    hovered = false;
    clearTimeout(closeTimer);
    closeTimer = setTimeout(closeUnlessKept, 150);
  });

  document.addEventListener("focusin", function (event) {
    var link = trigger(event.target);
    if (link && !touched()) { open(link); }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === current) { setTimeout(closeUnlessKept, 0); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && (current || pending)) { close(); }
  });

  document.addEventListener("pointerdown", function (event) {
    if (event.pointerType !== "touch") { return; }
    lastTouch = Date.now();
    if (current && !card.contains(event.target) && trigger(event.target) !== current) { close(); }
  });

  document.addEventListener("click", function (event) {
    var link = trigger(event.target);
    if (!link || !isNote(link) || !(event.pointerType === "touch" || touched())) { return; }
    event.preventDefault();           // on touch, a citation or footnote opens its card instead
    if (current === link) { close(); } else { open(link); }
  });

  window.addEventListener("resize", function () { if (current) { place(current); } });
}());
