/* Runs in <head> before the page paints: apply the reader's saved colour scheme. */
(function () {
  try {
    var saved = localStorage.getItem("explainer-theme");
    if (saved === "light" || saved === "dark") document.documentElement.setAttribute("data-theme", saved);
  } catch (e) { /* storage unavailable (privacy mode): follow the system setting */ }
})();
