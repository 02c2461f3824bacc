/* One file of the site's search index (see explainer/searchindex.py). */
window.explainerSearchFile({{ kind|tojson }}, {{ key|tojson }}, {{ data }});
