/* Timeline filters: narrow the events by topic and entity; the view is kept in the
   address (#topic=…&entity=…) so a filtered timeline can be shared. Without
   JavaScript the full timeline stays readable. */
(function () {
  "use strict";
  var bar = document.getElementById("timeline-filters");
  var timeline = document.getElementById("timeline");
  if (!bar || !timeline) return;
  var topic = document.getElementById("filter-topic");
  var entity = document.getElementById("filter-entity");
  var clear = document.getElementById("filter-clear");
  var status = document.getElementById("filter-status");
  var events = Array.prototype.slice.call(timeline.querySelectorAll(".event"));
  var years = Array.prototype.slice.call(timeline.querySelectorAll(".year"));
  var yearLinks = Array.prototype.slice.call(document.querySelectorAll(".year-bar a"));

  function readHash() {
    var state = { topic: "", entity: "" };
    window.location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var parts = pair.split("=");
      if (parts.length === 2 && (parts[0] === "topic" || parts[0] === "entity")) state[parts[0]] = decodeURIComponent(parts[1]);
    });
    return state;
  }

  function writeHash() {
    var parts = [];
    if (topic.value) parts.push("topic=" + encodeURIComponent(topic.value));
    if (entity.value) parts.push("entity=" + encodeURIComponent(entity.value));
    var hash = parts.length ? "#" + parts.join("&") : "";
    var url = window.location.href.split("#")[0] + hash;
    try { history.replaceState(null, "", url || "#"); } catch (e) { window.location.hash = hash; }
  }

  function has(list, value) { return !value || (" " + list + " ").indexOf(" " + value + " ") >= 0; }

  function apply() {
    var shown = 0;
    events.forEach(function (li) {
      var visible = has(li.getAttribute("data-topics"), topic.value) && has(li.getAttribute("data-entities"), entity.value);
      li.hidden = !visible;
      if (visible) shown++;
    });
    years.forEach(function (section) {
      var visible = section.querySelector(".event:not([hidden])") !== null;
      section.hidden = !visible;
      yearLinks.forEach(function (a) { if (a.getAttribute("href") === "#" + section.id) a.parentNode.hidden = !visible; });
    });
    var filtered = topic.value || entity.value;
    clear.hidden = !filtered;
    status.textContent = filtered ? "Showing " + shown + " of " + events.length + " events." : "Showing all " + events.length + " events.";
  }

  function restore() {
    var state = readHash();
    topic.value = hasOption(topic, state.topic) ? state.topic : "";
    entity.value = hasOption(entity, state.entity) ? state.entity : "";
    apply();
  }

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  [topic, entity].forEach(function (select) {
    select.addEventListener("change", function () { writeHash(); apply(); });
  });
  clear.addEventListener("click", function () { topic.value = ""; entity.value = ""; writeHash(); apply(); topic.focus(); });
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
  window.addEventListener("hashchange", restore);
  restore();
})();
