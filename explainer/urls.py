"""The only place that knows where pages live and how one page links to another.

Every href in the site is relative to the page it sits on and names a file,
never a folder: the site then works opened from disk (file://) and under any
sub-path, such as a GitHub Pages project site at /repo/.
"""
from __future__ import annotations

import functools
from urllib.parse import quote

from slugify import slugify

FOLDERS = {"brief": "briefs", "topic": "topics", "entity": "entities"}
PAGES = {"index": "index.html", "timeline": "timeline.html", "404": "404.html",
         "search": "search.html", "search-index": "search-index.js", "search-facets": "search/facets.js",
         "feed": "feed.xml", "sitemap": "sitemap.xml",
         "robots": "robots.txt", "timeline-json": "timeline.json", "timeline-ics": "timeline.ics",
         "briefs-json": "briefs.json", "corrections": "corrections.html"}


def output_path(kind: str, slug: str = "") -> str:
    """Where a page is written, relative to the output folder (POSIX)."""
    if kind in FOLDERS:
        return f"{FOLDERS[kind]}/{slug}.html"
    return PAGES[kind]


def preview_path(kind: str, slug: str) -> str:
    """The script that holds what a link's preview card shows of a brief, entity or topic:
    its page's path under previews/, ending in .js (loaded as a script: it works on file://)."""
    return f"previews/{FOLDERS[kind]}/{slug}.js"


def search_terms_path(name: str) -> str:
    """A file of the search index's terms (searchindex.py names them)."""
    return f"search/terms/{name}.js"


def search_doc_path(number: int | str) -> str:
    """What a search result shows of document `number`."""
    return f"search/docs/{number}.js"


def image_path(rel_path: str) -> str:
    """Where an image of the content folder is copied: images/ and its path inside content/."""
    return f"images/{rel_path}"


def static_path(name: str) -> str:
    return f"static/{name}"


def relative_url(from_page: str, to_page: str, anchor: str = "") -> str:
    """A percent-encoded href from one output file to another (or to an anchor on it)."""
    if to_page == from_page and anchor:
        return "#" + quoted_anchor(anchor)
    from_dirs = from_page.split("/")[:-1]
    to_parts = to_page.split("/")
    common = 0
    while common < len(from_dirs) and common < len(to_parts) - 1 and from_dirs[common] == to_parts[common]:
        common += 1
    href = "../" * (len(from_dirs) - common) + quoted_path("/".join(to_parts[common:]))
    return f"{href}#{quoted_anchor(anchor)}" if anchor else href


@functools.lru_cache(maxsize=1 << 16)
def quoted_path(path: str) -> str:
    return quote(path, safe="/-._~")


@functools.lru_cache(maxsize=1 << 16)
def quoted_anchor(anchor: str) -> str:
    return quote(anchor, safe="-._~:")


def absolute_url(site_url: str, page: str) -> str:
    return site_url.rstrip("/") + "/" + quote(page, safe="/-._~")


@functools.cache
def name_slug(name: str) -> str:
    """ASCII file name for a topic or entity: 'Bürgenstock' -> 'burgenstock', 'Россия' -> 'rossiia'."""
    return slugify(name) or "-".join(f"u{ord(c):x}" for c in name.strip())[:80] or "unnamed"
