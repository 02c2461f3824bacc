window.EXPLAINER_SEARCH_CHUNKS = window.EXPLAINER_SEARCH_CHUNKS || [];
window.EXPLAINER_SEARCH_CHUNKS.push({{ documents|tojson }});
