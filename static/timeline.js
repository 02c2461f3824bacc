/* Timeline filters: narrow the events by topic, entity and story, in the list and in the
   drawing together; zoom the drawing to a span (#from=2024-06&to=2024-10). The view is
   kept in the address (#topic=…&entity=…&story=…&from=…&to=…) so it can be shared.
   Without JavaScript the full timeline and the whole drawing stay readable. */
(function () {
  "use strict";
  var bar = document.getElementById("timeline-filters");
  var timeline = document.getElementById("timeline");
  if (!bar || !timeline) return;
  var topic = document.getElementById("filter-topic");
  var entity = document.getElementById("filter-entity");
  var story = document.getElementById("filter-story");
  var selects = [topic, entity, story].filter(Boolean);
  var svg = document.getElementById("tl-svg");
  var marks = svg ? Array.prototype.slice.call(svg.querySelectorAll(".tl-mark")) : [];
  var zoom = { from: "", to: "" };
  var clear = document.getElementById("filter-clear");
  var status = document.getElementById("filter-status");
  var events = Array.prototype.slice.call(timeline.querySelectorAll(".event"));
  var years = Array.prototype.slice.call(timeline.querySelectorAll(".year"));
  var yearLinks = Array.prototype.slice.call(document.querySelectorAll(".year-bar a"));

  function readHash() {
    var state = { topic: "", entity: "", story: "", from: "", to: "" };
    window.location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2 && state.hasOwnProperty(parts[0])) state[parts[0]] = decodeURIComponent(parts[1]);
    });
    return state;
  }

  function writeHash() {
    var parts = [];
    selects.forEach(function (select) {
      var name = select.id.replace("filter-", "");
      if (select.value) parts.push(name + "=" + encodeURIComponent(select.value));
    });
    if (zoom.from) parts.push("from=" + encodeURIComponent(zoom.from));
    if (zoom.to) parts.push("to=" + encodeURIComponent(zoom.to));
    var hash = parts.length ? "#" + parts.join("&") : "";
    var url = window.location.href.split("#")[0] + hash;
    try { history.replaceState(null, "", url || "#"); } catch (e) { window.location.hash = hash; }
  }


  /* Each entry's and mark's names are read once; a change then writes only what changes. */
  function described(element) {
    return { el: element, topics: " " + element.getAttribute("data-topics") + " ",
             entities: " " + element.getAttribute("data-entities") + " ",
             story: " " + (element.getAttribute("data-story") || "") + " ", off: false };
  }
  var entries = events.map(described);
  var drawn = marks.map(described);

  function wanted(item) {
    return (!topic.value || item.topics.indexOf(" " + topic.value + " ") >= 0) &&
      (!entity.value || item.entities.indexOf(" " + entity.value + " ") >= 0) &&
      (!story || !story.value || item.story.indexOf(" " + story.value + " ") >= 0);
  }

  function apply() {
    var shown = 0;
    entries.forEach(function (item) {
      var off = !wanted(item);
      if (off !== item.off) { item.el.hidden = off; item.off = off; }
      if (!off) shown++;
    });
    drawn.forEach(function (item) {
      var off = !wanted(item);
      if (off !== item.off) { item.el.classList.toggle("tl-off", off); item.off = off; }
    });
    years.forEach(function (section) {
      var visible = section.querySelector(".event:not([hidden])") !== null;
      section.hidden = !visible;
      yearLinks.forEach(function (a) { if (a.getAttribute("href") === "#" + section.id) a.parentNode.hidden = !visible; });
    });
    var filtered = selects.some(function (select) { return select.value; });
    clear.hidden = !filtered;
    status.textContent = filtered ? "Showing " + shown + " of " + events.length + " events." : "Showing all " + events.length + " events.";
  }

  function restore() {
    var state = readHash();
    selects.forEach(function (select) {
      var name = select.id.replace("filter-", "");
      select.value = hasOption(select, state[name]) ? state[name] : "";
    });
    zoomTo(state.from, state.to);
    apply();
  }

  /* Zoom: the drawing's knots say where days fall (days since 1970 : x); a span maps to
     the plot's width by one affine change of x, applied to every positioned element, so
     dots stay round, text keeps its size and the labels, which never overlapped, only
     move further apart. */
  var knots = svg ? svg.getAttribute("data-knots").split(" ").map(function (k) { return k.split(":").map(Number); }) : [];
  var plotX = svg ? Number(svg.getAttribute("data-plot-x")) : 0;
  var plotW = svg ? Number(svg.getAttribute("data-plot-w")) : 0;
  /* What the zoom moves, read on its first use: a page that is never zoomed pays nothing. */
  var placed = null;
  function placedElements() {
    if (placed === null) placed = readPlaced();
    return placed;
  }
  function readPlaced() {
    return svg ? Array.prototype.slice.call(svg.querySelectorAll(".tl-plot [x], .tl-plot [cx], .tl-plot [x1], .tl-plot [data-x]"))
    .filter(function (el) { return !el.closest("clipPath"); })
    .map(function (el) {
      return { el: el, x: Number(el.getAttribute("x")), x1: Number(el.getAttribute("x1")), x2: Number(el.getAttribute("x2")), cx: Number(el.getAttribute("cx")), w: Number(el.getAttribute("width")),
               dataX: Number(el.getAttribute("data-x")), has: { x: el.hasAttribute("x"), cx: el.hasAttribute("cx"),
               w: el.hasAttribute("width"), x1: el.hasAttribute("x1"), dataX: el.hasAttribute("data-x") }, y: el.getAttribute("transform") };
    }) : [];
  }
  var zoomBar = document.getElementById("tl-zoom");
  var zoomStatus = document.getElementById("tl-zoom-status");
  var zoomOut = document.getElementById("tl-zoom-out");

  function dayOf(text, end) {
    var m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(text || "");
    if (!m) return null;
    var year = Number(m[1]), month = m[2] ? Number(m[2]) - 1 : (end ? 11 : 0);
    var day = m[3] ? Number(m[3]) : 1;
    var time = end ? (m[3] ? Date.UTC(year, month, day + 1) : Date.UTC(year, month + 1, 1)) : Date.UTC(year, month, day);
    return Math.round(time / 86400000);
  }

  function xOf(day) {
    if (day <= knots[0][0]) return knots[0][1];
    for (var i = 1; i < knots.length; i++) {
      if (day <= knots[i][0]) {
        var a = knots[i - 1], b = knots[i];
        return a[1] + (b[1] - a[1]) * (day - a[0]) / Math.max(b[0] - a[0], 1);
      }
    }
    return knots[knots.length - 1][1];
  }

  function place(k, shift) {
    placedElements().forEach(function (p) {
      var bar = p.has.w && p.el.classList.contains("tl-shape") && p.el.closest("a.tl-mark");
      if (bar) {
        /* From the true days, not the drawn box: a short bar is widened to stay visible,
           and scaling the widened box would stretch it over days it does not cover. */
        var x0 = shift + k * xOf(dayOf(bar.getAttribute("data-first"))), x1 = shift + k * xOf(dayOf(bar.getAttribute("data-last"), true));
        if (x1 - x0 < 4) { var middle = (x0 + x1) / 2; x0 = middle - 2; x1 = middle + 2; }
        p.el.setAttribute("x", x0.toFixed(1));
        p.el.setAttribute("width", (x1 - x0).toFixed(1));
        return;
      }
      if (p.has.x) p.el.setAttribute("x", (shift + k * p.x).toFixed(1));
      if (p.has.cx) p.el.setAttribute("cx", (shift + k * p.cx).toFixed(1));
      if (p.has.x1) { p.el.setAttribute("x1", (shift + k * p.x1).toFixed(1)); p.el.setAttribute("x2", (shift + k * p.x2).toFixed(1)); }
      if (p.has.w && !p.el.classList.contains("tl-hit")) p.el.setAttribute("width", Math.max(k * p.w, 1).toFixed(1));
      if (p.has.dataX) p.el.setAttribute("transform", p.y.replace(/translate\(([-\d.]+)/, "translate(" + (shift + k * p.dataX).toFixed(1)));
    });
    svg.classList.toggle("tl-zoomed", k > 1);
  }

  /* Zoomed in, finer ticks may fit: show the finest level whose labels do not touch. */
  /* Ticks for the span shown when zoomed, made here (the build drew those of the whole span):
     the finest of days, weeks, months, quarters and years whose ticks are 64 px apart. */
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var UNITS = [["day", 1], ["week", 7], ["month", 30.4], ["quarter", 91.3], ["year", 365.2], ["years", 1826]];
  var SVG_NS = "http://www.w3.org/2000/svg";

  function tickDays(unit, start, stop) {
    var found = [], date = new Date(start * 86400000);
    var y = date.getUTCFullYear(), m = date.getUTCMonth();
    if (unit === "day") for (var d = start; d < stop; d++) found.push(d);
    else if (unit === "week") {
      for (var w = start; w < stop; w++) { var day = new Date(w * 86400000).getUTCDate(); if (day % 7 === 1 && day < 29) found.push(w); }
    } else {
      var months = unit === "month" ? 1 : unit === "quarter" ? 3 : unit === "year" ? 12 : 60;
      for (var mm = m - (m % months); ; mm += months) {
        var t = Math.round(Date.UTC(y, mm, 1) / 86400000);
        if (t >= stop) break;
        if (t >= start && (months < 60 || new Date(t * 86400000).getUTCFullYear() % 5 === 0)) found.push(t);
      }
    }
    return found;
  }

  function tickLabel(unit, day, first) {
    var date = new Date(day * 86400000), y = date.getUTCFullYear(), m = date.getUTCMonth();
    if (unit === "year" || unit === "years") return String(y);
    var month = MONTHS[m] + (first || m === 0 ? " " + y : "");
    return unit === "day" || unit === "week" ? date.getUTCDate() + " " + month : month;
  }

  function zoomTicks(start, stop, k, shift) {
    Array.prototype.forEach.call(svg.querySelectorAll(".tl-zoom-tick"), function (t) { t.remove(); });
    if (k <= 1) return;
    var perDay = plotW / Math.max(stop - start, 1);
    var unit = UNITS.filter(function (u) { return u[1] * perDay >= 64; })[0] || UNITS[UNITS.length - 1];
    var sample = svg.querySelector(".tl-tick-line"), label = svg.querySelector(".tl-tick text");
    var parent = (svg.querySelector(".tl-tick") || {}).parentNode;
    if (!sample || !label || !parent) return;
    var shown = 0;
    tickDays(unit[0], start, stop).forEach(function (day) {
      var x = shift + k * xOf(day);
      if (x < plotX || x > plotX + plotW) return;
      var g = document.createElementNS(SVG_NS, "g");
      g.setAttribute("class", "tl-tick tl-zoom-tick");
      g.setAttribute("transform", "translate(" + x.toFixed(1) + " 0)");
      var line = document.createElementNS(SVG_NS, "line");
      line.setAttribute("class", "tl-tick-line");
      line.setAttribute("y1", sample.getAttribute("y1"));
      line.setAttribute("y2", sample.getAttribute("y2"));
      var text = document.createElementNS(SVG_NS, "text");
      text.setAttribute("y", label.getAttribute("y"));
      text.setAttribute("dy", label.getAttribute("dy"));
      text.textContent = tickLabel(unit[0], day, shown === 0);
      g.appendChild(line);
      g.appendChild(text);
      parent.appendChild(g);
      shown++;
    });
  }

  /* Marks a zoom leaves outside the drawing are out of the tab order and hidden from
     screen readers; the list still has them. null, null: every mark again. */
  function reachable(start, stop) {
    marks.forEach(function (mark) {
      var first = dayOf(mark.getAttribute("data-first")), last = dayOf(mark.getAttribute("data-last"), true);
      var outside = start !== null && (last <= start || first >= stop);
      if (outside) { mark.setAttribute("tabindex", "-1"); mark.setAttribute("aria-hidden", "true"); }
      else { mark.removeAttribute("tabindex"); mark.removeAttribute("aria-hidden"); }
    });
  }

  function zoomTo(from, to) {
    if (!svg) return;
    var start = dayOf(from, false), stop = dayOf(to, true);
    if (start === null || stop === null || stop <= start) {
      var wasZoomed = !!zoom.from;
      zoom = { from: "", to: "" };
      if (wasZoomed) { place(1, 0); zoomTicks(0, 0, 1, 0); reachable(null, null); }     /* as drawn at build time */
      if (zoomBar) zoomBar.hidden = true;
      return;
    }
    zoom = { from: from, to: to };
    reachable(start, stop);
    var x0 = xOf(start), x1 = xOf(stop);
    var k = Math.max(plotW / Math.max(x1 - x0, 1), 1);
    place(k, plotX - k * x0);
    zoomTicks(start, stop, k, plotX - k * x0);
    if (zoomBar) {
      zoomBar.hidden = false;
      zoomStatus.textContent = "The drawing shows " + from + " to " + to + ".";
    }
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  selects.forEach(function (select) {
    select.addEventListener("change", function () { writeHash(); apply(); });
  });
  clear.addEventListener("click", function () {
    selects.forEach(function (select) { select.value = ""; });
    writeHash(); apply(); topic.focus();
  });
  if (zoomOut) zoomOut.addEventListener("click", function () { zoomTo("", ""); writeHash(); });
  /* Year links scroll without replacing the filter in the address. */
  yearLinks.forEach(function (a) {
    a.addEventListener("click", function (event) {
      var target = document.getElementById(a.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      target.scrollIntoView();
      var heading = target.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
    });
  });
  /* A mark goes to its entry without replacing the view in the address. */
  marks.forEach(function (mark) {
    mark.addEventListener("click", function (event) {
      var target = document.getElementById(mark.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      target.setAttribute("tabindex", "-1");
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    });
  });
  window.addEventListener("hashchange", restore);
  restore();
  /* On a narrow screen the drawing scrolls sideways: open it on its latest events. */
  var frame = svg && svg.closest(".tl-scroll");
  if (frame && frame.scrollWidth > frame.clientWidth && !zoom.from) frame.scrollLeft = frame.scrollWidth;
})();
