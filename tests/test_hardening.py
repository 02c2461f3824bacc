"""Hostile input and faults: random and mutated briefs, XSS payloads, output-folder
safety, builds killed at random moments, two builds at once, and the dev server
under path tricks and a burst of requests."""
from __future__ import annotations

import concurrent.futures
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer import site
from explainer.models import ContentError
from explainer.write import MARKER

from conftest import PROJECT, brief, run_cli, write_files
from servers import Server, fetch, wait_for

# -- random and mutated briefs -----------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=30), st.sampled_from(["2024", "2024-13", "2024-02-30", "2024-06-15", "[[x]]"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
KEYS = st.sampled_from(["title", "date", "summary", "updated", "slug", "topics", "entities", "related", "draft",
                        "lang", "figures", "events", "sources", "other"])
MARKDOWN = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(
    ["[[a]]", "[[b#x|y]]", "[[", "]]", "[@s]", "[@", "[x](b.md)", "[x](../b.md#h)", "<script>alert(1)</script>",
     "## Heading", "| a | b |\n| --- | --- |\n| 1 | 2 |", "[^1]\n\n[^1]: note", "```\ncode\n```", "{: #id }",
     "<img src=x onerror=alert(1)>", "\x00", "\ud7ff", "&amp;"])), max_size=12).map("\n".join)


def yaml_of(data: dict) -> str:
    import yaml
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def check_outcome(tmp: Path, files: dict[str, str | bytes]) -> None:
    """Build; the only acceptable outcomes are a complete site or ContentError with file and line."""
    content, out = tmp / "content", tmp / "out"
    write_files(content, files)
    options = site.Options(project=PROJECT, content=content, out=out, config=tmp / "none.yml", jobs=1,
                           use_cache=False)
    try:
        site.build(options)
    except ContentError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path and isinstance(problem.line, int) and problem.line >= 0
        assert not out.exists()         # it did not exist before: a failed build leaves nothing
        return
    assert (out / "index.html").is_file() and (out / MARKER).is_file()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(front=st.dictionaries(KEYS, VALUES, max_size=8), body=MARKDOWN)
def test_random_front_matter_and_markdown_build_or_fail_cleanly(tmp_path_factory, front, body):
    tmp = tmp_path_factory.mktemp("random")
    files = {"a.md": "---\n" + yaml_of(front) + "---\n" + body, "b.md": brief(title="B", body="## H\n\nx")}
    check_outcome(tmp, files)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_briefs_build_or_fail_cleanly(tmp_path_factory, data):
    original = brief(title="A", topics="[trade]", body="## Part\n\nSee [[b]] [@s].",
                     sources="[{id: s, title: T, url: 'https://e.org'}]",
                     events="[{date: 2024-06, title: E}]").encode("utf-8")
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(mutated)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = data.draw(st.sampled_from(list(b"-:[]{}#@\n\t'\"|>&*!% ") + [0xff, 0x00, 0xe9]))
        if action == "insert":
            mutated.insert(position, byte)
        elif mutated and position < len(mutated):
            if action == "delete":
                del mutated[position]
            else:
                mutated[position] = byte
    tmp = tmp_path_factory.mktemp("mutated")
    check_outcome(tmp, {"a.md": bytes(mutated), "b.md": brief(title="B")})


# -- XSS ---------------------------------------------------------------------------------

PAYLOADS = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>',
            "javascript:alert(1)", "<a href='javascript:alert(1)'>x</a>", "{{ 7*7 }}",
            '<iframe src="https://evil.example"></iframe>', "<style>body{display:none}</style>"]


def live_markup_problems(page: Path) -> list[str]:
    """Anything in the page that could run: scripts other than ours, handlers, javascript: links."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = []
    for script in soup.find_all("script"):
        if script.get("type") == "application/ld+json":
            continue
        if not re.fullmatch(r"(\.\./)*static/(theme|app|timeline|previews)\.js", script.get("src", "")):
            found.append(f"script: {script}")
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on"):
                found.append(f"handler {name} on <{tag.name}>")
            if name in ("href", "src") and text.strip().lower().startswith(("javascript:", "data:text")):
                found.append(f"{name}={text}")
    found += [f"<{t.name}>" for t in soup.find_all(["iframe", "object", "embed", "style"])
              if t.name != "style" or page.name != "404.html"]
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xss_payloads_never_reach_a_page_as_live_markup(make_site, payload):
    quoted = '"' + payload.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # An image in the body must be a file of the content folder with alt text: that payload is
    # refused there (test_images), so here it goes only into the front matter.
    body = "Text [@s]." if "<img" in payload else \
        f"{payload}\n\nText {payload} [@s].\n\n<div onclick=\"x()\">{payload}</div>"
    files = {"a.md": brief(title=quoted, summary=quoted, entities=f"[{quoted}]", topics=f"[{quoted}, trade]",
                           events=f"[{{date: 2024, title: {quoted}, summary: {quoted}}}]",
                           sources=f"[{{id: s, title: {quoted}, publisher: {quoted}}}]", body=body)}
    run = make_site(files)
    assert run.code == 0, run.err
    problems = {p.relative_to(run.site).as_posix(): live_markup_problems(p) for p in run.site.rglob("*.html")}
    assert {k: v for k, v in problems.items() if v} == {}
    assert "49" not in run.text("briefs/a.html").replace("2024", "")
    # The preview cards' data scripts are one call with a JSON argument: the payload stays data.
    for script in run.site.rglob("previews/*/*.js"):
        call = re.fullmatch(r'explainerPreview\(("[^"\\]*(?:\\.[^"\\]*)*"), (\{.*\})\);\n', script.read_text(), re.S)
        assert call is not None, script
        json.loads(call.group(1)), json.loads(call.group(2))
    card = json.loads((run.site / "previews/briefs/a.js").read_text().split(", ", 1)[1][:-3])
    assert card["title"] == payload and card["summary"] == payload      # as text, exactly


def test_an_image_payload_in_the_body_is_refused(make_site):
    run = make_site({"a.md": brief(body="<img src=x onerror=alert(1)>")})
    assert run.code == 1 and "image 'x'" in run.err and not run.site.exists()


def test_unsafe_html_keeps_author_html_as_written(make_site):
    run = make_site({"a.md": brief(body='<div class="embed" onclick="go()">Embedded</div>')}, "--unsafe-html")
    assert run.code == 0, run.err
    assert run.html("briefs/a.html").find("div", class_="embed")["onclick"] == "go()"
    safe = make_site({"a.md": brief(body='<div class="note" onclick="go()">Embedded</div>')})
    assert safe.html("briefs/a.html").find("div", class_="note").get("onclick") is None


def test_pages_carry_a_csp_that_forbids_inline_script(make_site):
    run = make_site({"a.md": brief()})
    for page in run.site.rglob("*.html"):
        csp = BeautifulSoup(page.read_text(), "html.parser").find("meta", attrs={"http-equiv":
                                                                                 "Content-Security-Policy"})
        assert csp and "script-src 'self'" in csp["content"] and "unsafe-inline" not in csp["content"]


# -- the output folder ---------------------------------------------------------------------

def snapshot(folder: Path, skip: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file() and p.relative_to(folder).parts[0] not in skip}


@pytest.mark.parametrize("where", ["/", "home"])
def test_refuses_the_root_and_home_folders(make_site, where):
    target = Path("/") if where == "/" else Path.home()
    run = make_site({"a.md": GOOD_BRIEF}, out=target)
    assert run.code == 2 and "refusing to write the site" in run.err


GOOD_BRIEF = brief(title="Good")


def test_no_file_outside_the_output_folder_and_the_cache_is_written_or_removed(tmp_path):
    """The cache lives with the project (beside site.yml); beside the output folder nothing
    is ever created or left, by a good, a failed or a refused build."""
    project, www = tmp_path / "project", tmp_path / "www"
    content, out = project / "content", www / "site"
    write_files(content, {"a.md": brief(body="v1")})
    (project / "site.yml").write_text("title: Test\n")
    (www / ".site.notours").mkdir(parents=True)
    (www / ".site.notours" / "x").write_text("mine")
    (www / "neighbour.txt").write_text("keep me")
    (www / "taken").mkdir()
    (www / "taken" / "index.html").write_text("someone else's site")
    before_www, before_project = snapshot(www, ("site",)), snapshot(project, (".explainer-cache",))
    for body, expected in (("v2", 0), ("v3 [[missing]]", 1), ("v4", 0)):
        write_files(content, {"a.md": brief(body=body)})
        before_project["content/a.md"] = snapshot(project, (".explainer-cache",))["content/a.md"]
        code, _, err = run_cli("build", "--content", str(content), "--out", str(out), "--config",
                               str(project / "site.yml"))
        assert code == expected, err
        assert snapshot(www, ("site",)) == before_www
        assert snapshot(project, (".explainer-cache",)) == before_project
    code, _, err = run_cli("build", "--content", str(content), "--out", str(www / "taken"), "--config",
                           str(project / "site.yml"))
    assert code == 2 and "refusing" in err
    assert snapshot(www, ("site",)) == before_www
    assert sorted(p.name for p in www.iterdir()) == [".site.notours", "neighbour.txt", "site", "taken"]
    assert (project / ".explainer-cache").is_dir()


def corpus(folder: Path, version: int, n: int = 120) -> None:
    write_files(folder, {f"b{i:03d}.md": brief(title=f"Brief {i}", date=f"2024-01-{1 + i % 28:02d}",
                                                 topics="[trade]", body=f"Version {version}. " * 60 +
                                                 f"See [[b{(i + 1) % n:03d}]].") for i in range(n)})


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build_command(content: Path, out: Path, config: Path) -> list[str]:
    if not config.exists():
        config.write_text("title: Test\n")
    return [sys.executable, str(PROJECT / "build.py"), "build", "--content", str(content), "--out", str(out),
            "--config", str(config), "--no-cache"]


def test_a_build_killed_at_random_moments_leaves_a_whole_site(tmp_path):
    env = dict(os.environ, EXPLAINER_NO_VENV="1")
    content, out, config = tmp_path / "content", tmp_path / "site", tmp_path / "none.yml"
    references = {}
    for version in (1, 2):
        corpus(content, version)
        subprocess.run(build_command(content, tmp_path / f"ref{version}", config), env=env, check=True,
                       capture_output=True)
        references[version] = tree(tmp_path / f"ref{version}")
    corpus(content, 1)
    subprocess.run(build_command(content, out, config), env=env, check=True, capture_output=True)
    started = time.monotonic()
    subprocess.run(build_command(content, tmp_path / "timing", config), env=env, check=True, capture_output=True)
    duration = time.monotonic() - started
    chooser = random.Random(20241129)
    kills = 0
    for attempt in range(16):
        version = 2 if attempt % 2 == 0 else 1
        corpus(content, version)
        process = subprocess.Popen(build_command(content, out, config), env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(chooser.uniform(0.05, duration * 1.1))
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
        assert tree(out) in (references[1], references[2]), f"mixed site after attempt {attempt}"
    assert kills >= 4, "the builds finished before they could be killed; the test proved nothing"


def test_two_builds_at_once_both_finish_with_a_whole_site(tmp_path):
    env = dict(os.environ, EXPLAINER_NO_VENV="1")
    content, out, config = tmp_path / "content", tmp_path / "site", tmp_path / "none.yml"
    corpus(content, 1)
    processes = [subprocess.Popen(build_command(content, out, config), env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], results
    subprocess.run(build_command(content, tmp_path / "clean", config), env=env, check=True, capture_output=True)
    assert tree(out) == tree(tmp_path / "clean")


# -- the dev server ------------------------------------------------------------------------

@pytest.fixture
def server(tmp_path):
    (tmp_path / "site.yml").write_text("title: Served\n")
    (tmp_path / "secret.txt").write_text("top secret")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="First."), "b.md": brief(title="Beta")})
    running = Server(tmp_path)
    yield running
    running.stop()


def test_a_symlink_out_of_the_site_is_not_served(server, tmp_path):
    os.symlink(tmp_path / "secret.txt", server.out / "leak.txt")
    status, body = fetch(server.url + "leak.txt")
    assert 400 <= status < 500 and "top secret" not in body


def test_a_burst_of_requests_during_rebuilds_is_served_without_errors(server):
    # The page being rebuilt over and over is asked for most: its size changes with each edit.
    pages = ["briefs/a.html", "index.html", "briefs/a.html", "briefs/b.html", "briefs/a.html", "timeline.html",
             "briefs/a.html", "static/style.css", "search-index.js"]
    stop = time.monotonic() + 4

    def editor():
        count = 0
        while time.monotonic() < stop:
            count += 1
            (server.content / "a.md").write_text(brief(title="Alpha", body=f"Edit {count}. " * (count % 7 + 1)))
            time.sleep(0.05)
        return count

    def reader(number: int) -> list:
        statuses = []
        while time.monotonic() < stop and len(statuses) < 300:
            try:
                statuses.append(fetch(server.url + pages[(number + len(statuses)) % len(pages)])[0])
            except Exception as error:      # a cut connection, a short body: what must never happen
                statuses.append(repr(error))
        return statuses

    with concurrent.futures.ThreadPoolExecutor(max_workers=9) as pool:
        edits = pool.submit(editor)
        readers = [pool.submit(reader, n) for n in range(8)]
        statuses = [s for r in readers for s in r.result()]
        assert edits.result() >= 10
    assert statuses and set(statuses) == {200}, {s for s in statuses if s != 200}
    wait_for(lambda: "rebuilt in" in server.output())
    assert "Traceback" not in server.output()


def test_server_answers_path_tricks_with_4xx(server):
    for path in ["..%2f..%2fsecret.txt", "%2e%2e/secret.txt", "static/%2e%2e/%2e%2e/secret.txt",
                 "/" + str(server.content / "a.md"), "briefs/../../secret.txt",
                 "".join(random.Random(1).choice(string.ascii_letters) for _ in range(300))]:
        status, body = fetch(server.url + path)        # "/…" makes "//tmp/…": an absolute path
        assert 400 <= status < 500, (path, status)
        assert "top secret" not in body


def test_refuses_an_output_that_is_a_symbolic_link_and_creates_no_parent_folders(tmp_path):
    write_files(tmp_path / "content", {"a.md": brief(body="[[missing]]")})
    (tmp_path / "site.yml").write_text("title: Test\n")
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    code, _, err = run_cli("build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "link"),
                           "--config", str(tmp_path / "site.yml"))
    assert code == 2 and "symbolic link" in err
    code, _, err = run_cli("build", "--content", str(tmp_path / "content"), "--out",
                           str(tmp_path / "www/a/b/site"), "--config", str(tmp_path / "site.yml"))
    assert code == 1 and not (tmp_path / "www").exists()


# -- author HTML cannot impersonate the page (issue 13) ------------------------------------------

@pytest.mark.parametrize("html, message", [
    ('<div id="main">x</div>', "id 'main' is one the page itself uses"),
    ('<p id="site-search-input">x</p>', "id 'site-search-input' is one the page itself uses"),
    ('<span id="src-a">x</span>', "id 'src-a' is one the page itself uses"),
    ('Text\n{: #brief-sources }', "id 'brief-sources' is one the page itself uses"),
])
def test_an_author_id_the_page_uses_is_an_error_with_its_line(make_site, html, message):
    run = make_site({"a.md": brief(body=f"Intro.\n\n{html}\n")})
    assert run.code == 1 and message in run.err, run.err
    assert f"a.md:{9 + html.count(chr(10))}:" in run.err.replace(f"{run.content.as_posix()}/", ""), run.err


def test_author_classes_outside_the_allowlist_are_dropped_with_a_warning(make_site):
    run = make_site({"a.md": brief(body='<div class="explainer-overlay note">Fake error panel</div>\n\n'
                                        "A paragraph\n{: .site-header .lead }\n\n"
                                        "```python\nprint(1)\n```\n")})
    assert run.code == 0, run.err
    page = run.html("briefs/a.html")
    assert not page.select(".prose .explainer-overlay, .prose .site-header")
    assert page.select_one(".prose div.note") is not None and page.select_one(".prose p.lead") is not None
    assert page.select_one(".prose code.language-python") is not None
    assert "warning: class 'explainer-overlay' is dropped" in run.err and "class 'site-header'" in run.err
    assert page.select_one("#main").name == "main"          # the page's own ids are its own


def test_heading_ids_and_the_sites_own_ids_stay(make_site):
    run = make_site({"a.md": brief(sources="[{id: s, title: S}]", body="## Main\n\nText [@s].[^1]\n\n[^1]: Note.\n")})
    assert run.code == 0, run.err
    page = run.html("briefs/a.html")
    assert page.find("h2", id="main") is not None            # toc's id, as the issue allows
    assert page.find(id="cite-s-1") is not None and page.find(id="fn:1") is not None


MARKDOWN_PAYLOADS = [
    "[x](javascript:alert(1))", "[x](data:text/html,<script>alert(1)</script>)", "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))", "[x](&#x6A;avascript:alert(1))", "[x][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>", "![x](javascript:alert(1))", "[x]( javascript:alert(1) )",
    "[x](java\tscript:alert(1))", "[x](vbscript:msgbox(1))", "[x](data:image/svg+xml,<svg onload=alert(1)>)",
]


@pytest.mark.parametrize("payload", MARKDOWN_PAYLOADS)
def test_markdown_level_payloads_never_become_live_links(make_site, payload):
    run = make_site({"a.md": brief(body=f"Before.\n\n{payload}\n\nAfter.\n")})
    if payload.startswith("!["):        # an image must be a file of the content folder: refused outright
        assert run.code == 1 and "image" in run.err and not run.site.exists(), run.err
        return
    assert run.code == 0, run.err
    page = run.html("briefs/a.html")
    for tag in page.select(".prose [href], .prose [src]"):
        value = (tag.get("href") or tag.get("src") or "").strip().lower().replace("\t", "")
        assert not value.startswith(("javascript:", "data:", "vbscript:")), (payload, str(tag))
    assert live_markup_problems(run.site / "briefs/a.html") == []


def test_the_portable_swap_without_renameat2_gives_the_same_site(tmp_path):
    """Where the kernel cannot exchange two folders in one step (not Linux), the swap is three
    renames; forced here on Linux, a rebuild still ends with exactly the clean site."""
    write_files(tmp_path / "content", {"a.md": brief(title="One")})
    (tmp_path / "site.yml").write_text("title: T\n")
    env = dict(os.environ, EXPLAINER_NO_VENV="1", EXPLAINER_NO_RENAMEAT2="1")
    command = [sys.executable, str(PROJECT / "build.py"), "build", "--content", str(tmp_path / "content"),
               "--config", str(tmp_path / "site.yml")]
    for title in ("One", "Two"):
        (tmp_path / "content" / "a.md").write_text(brief(title=title))
        result = subprocess.run([*command, "--out", str(tmp_path / "site")], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    assert subprocess.run([*command, "--out", str(tmp_path / "clean"), "--no-cache"], env=env).returncode == 0
    tree = lambda root: {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert tree(tmp_path / "site") == tree(tmp_path / "clean") and "Two" in (tmp_path / "site/index.html").read_text()
    assert not list(tmp_path.glob("*.old")) and not list((tmp_path / ".explainer-cache").glob("*.old"))
