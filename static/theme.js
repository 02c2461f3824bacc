/* Runs in <head> before the page paints: apply the reader's saved colour scheme, and mark
   <html> with .js so controls that scripts drive take their place from the first paint. */
(function () {
  document.documentElement.classList.add("js");
  try {
    var saved = localStorage.getItem("explainer-theme");
    if (saved === "light" || saved === "dark") document.documentElement.setAttribute("data-theme", saved);
  } catch (e) { /* storage unavailable (privacy mode): follow the system setting */ }
})();
