"""Follow every link of a built site: the checks a reader's browser would make."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def parsed(page: Path) -> BeautifulSoup:
    return BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")


def ids_in(soup: BeautifulSoup) -> set[str]:
    return {tag["id"] for tag in soup.find_all(id=True)}


def references_in(soup: BeautifulSoup) -> list[str]:
    found = [tag.get("href") for tag in soup.find_all(["a", "link"]) if tag.get("href")]
    found += [tag.get("src") for tag in soup.find_all(["script", "img"]) if tag.get("src")]
    return found


def element_ids(page: Path) -> set[str]:
    return ids_in(parsed(page))


def references(page: Path) -> list[str]:
    return references_in(parsed(page))


def broken_links(site: Path, skip_pages: tuple[str, ...] = ("404.html",)) -> list[str]:
    """Every internal href that is absolute, names a folder, or misses its file or anchor."""
    soups = {page: parsed(page) for page in html_files(site)}       # each page parsed once
    ids = {page: ids_in(soup) for page, soup in soups.items()}
    problems = []
    for page, soup in soups.items():
        if page.relative_to(site).as_posix() in skip_pages:
            continue
        for href in references_in(soup):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            where = f"{page.relative_to(site)}: {href}"
            if href.startswith("/"):
                problems.append(f"{where}: root-relative")
                continue
            target = Path(os.path.normpath(page.parent / unquote(parts.path))) if parts.path else page
            if not target.is_file():
                problems.append(f"{where}: no such file")
                continue
            if parts.fragment and target.suffix == ".html":
                anchors = ids[target] if target in ids else element_ids(target)
                if unquote(parts.fragment) not in anchors:
                    problems.append(f"{where}: no element with that id")
    return problems
