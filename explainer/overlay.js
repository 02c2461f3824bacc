/* The dev server's notices stay folded once folded: the same warnings, after a reload,
   come back closed (this tab only). New warnings open again. */
(function () {
  "use strict";
  var notice = document.querySelector("details.explainer-notice");
  if (!notice) { return; }
  var key = "explainer-notice-closed";
  var id = notice.getAttribute("data-warnings");
  try {
    if (sessionStorage.getItem(key) === id) { notice.open = false; }
    notice.addEventListener("toggle", function () {
      if (notice.open) { sessionStorage.removeItem(key); } else { sessionStorage.setItem(key, id); }
    });
  } catch (error) { /* storage refused: the notice just opens each time */ }
}());
