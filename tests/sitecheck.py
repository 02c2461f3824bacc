"""Follow every link of a built site: the checks a reader's browser would make."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup


def html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def element_ids(page: Path) -> set[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    return {tag["id"] for tag in soup.find_all(id=True)}


def references(page: Path) -> list[str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = [tag.get("href") for tag in soup.find_all(["a", "link"]) if tag.get("href")]
    found += [tag.get("src") for tag in soup.find_all(["script", "img"]) if tag.get("src")]
    return found


def broken_links(site: Path, skip_pages: tuple[str, ...] = ("404.html",)) -> list[str]:
    """Every internal href that is absolute, names a folder, or misses its file or anchor."""
    problems, ids = [], {}
    for page in html_files(site):
        if page.relative_to(site).as_posix() in skip_pages:
            continue
        for href in references(page):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            where = f"{page.relative_to(site)}: {href}"
            if href.startswith("/"):
                problems.append(f"{where}: root-relative")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                problems.append(f"{where}: no such file")
                continue
            if parts.fragment and target.suffix == ".html":
                anchors = ids.setdefault(target, element_ids(target))
                if unquote(parts.fragment) not in anchors:
                    problems.append(f"{where}: no element with that id")
    return problems
