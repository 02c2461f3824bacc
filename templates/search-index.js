/* The site's search index: this manifest says which file holds which terms (see explainer/searchindex.py).
   Every file is a script, so search works from file:// too. */
window.explainerSearchIndex({{ paths|tojson }}, {{ data }});
