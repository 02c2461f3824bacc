/* The site's search index: the files that hold its documents (loaded as scripts, so search works from file://). */
window.EXPLAINER_SEARCH_FILES = {{ files|tojson }};
