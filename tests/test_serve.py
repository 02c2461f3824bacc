"""The real dev server on a loopback port: edits show up, errors show an overlay
while the last good site keeps serving, reloads reach the browser socket."""
from __future__ import annotations

import asyncio
import json
import shutil
import socket
import time

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from conftest import PROJECT, brief, run_cli, write_files
from servers import Server, fetch, served, wait_for


@pytest.fixture
def server(tmp_path):
    (tmp_path / "site.yml").write_text("title: Served\n")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="First version."),
                                       "b.md": brief(title="Beta", body="See [[a]].")})
    running = Server(tmp_path)
    yield running
    running.stop()


def test_edit_shows_up_and_bad_front_matter_shows_an_overlay(server):
    status, page = fetch(server.url + "briefs/a.html")
    assert status == 200 and "First version." in page
    assert '<script src="/livereload.js"></script>' in page

    path = server.content / "a.md"
    path.write_text(brief(title="Alpha", body="Second version."))
    wait_for(lambda: "Second version." in fetch(server.url + "briefs/a.html")[1])

    path.write_text("---\ntitle: Alpha\ndate: 2024-02-30\nsummary: S.\n---\nThird version.\n")
    page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "explainer-overlay" in p and p)
    assert "a.md:3: date: &#x27;2024-02-30&#x27; is not a real date" in page
    assert "Second version." in page                   # the last good page keeps being served
    assert fetch(server.url + "briefs/b.html")[0] == 200
    assert server.process.poll() is None               # and the server lives on

    path.write_text(brief(title="Alpha", body="Fourth version."))
    page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "Fourth version." in p and p)
    assert "explainer-overlay" not in page
    assert "rebuilt in" in server.output() and "page written" in server.output()


def test_missing_page_gets_the_sites_404(server):
    status, page = fetch(server.url + "briefs/no-such-brief.html")
    assert status == 404
    assert "Page not found" in page


@pytest.mark.parametrize("path", ["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "..%2f..%2fetc%2fpasswd",
                                  "//etc/passwd", "static/../../site.yml"])
def test_paths_outside_the_site_are_never_served(server, path):
    status, page = fetch(server.url + path)
    assert 400 <= status < 500
    assert "root:" not in page and "title: Served" not in page


def reload_messages(url: str, origin: str, actions) -> list[dict]:
    """Connect like livereload.js, run `actions` (a blocking function), collect reload messages."""
    async def session():
        request = HTTPRequest(url.replace("http", "ws") + "livereload", headers={"Origin": origin})
        socket_ = await websocket_connect(request)
        socket_.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}))
        await socket_.read_message()
        socket_.write_message(json.dumps({"command": "info", "url": url}))
        await asyncio.sleep(0.3)
        messages = []
        task = asyncio.get_running_loop().run_in_executor(None, actions)
        while not task.done() or messages == []:
            try:
                message = await asyncio.wait_for(socket_.read_message(), timeout=3)
            except TimeoutError:
                break
            if message is None:
                break
            messages.append(json.loads(message))
        await task
        socket_.close()
        return [m for m in messages if m.get("command") == "reload"]
    return asyncio.run(session())


def test_two_saves_one_second_apart_both_reload_the_browser(server):
    path = server.content / "a.md"

    def two_saves():
        path.write_text(brief(title="Alpha", body="Save one."))
        time.sleep(1)
        path.write_text(brief(title="Alpha", body="Save two."))
        time.sleep(1.5)

    messages = reload_messages(server.url, server.url.rstrip("/"), two_saves)
    assert len(messages) == 2, messages


def test_reload_socket_refuses_other_origins(server):
    async def attempt():
        request = HTTPRequest(server.url.replace("http", "ws") + "livereload",
                              headers={"Origin": "http://evil.example"})
        await websocket_connect(request)
    with pytest.raises(Exception) as error:
        asyncio.run(attempt())
    assert "403" in str(error.value)


def test_a_busy_port_moves_to_the_next_free_one(tmp_path):
    (tmp_path / "site.yml").write_text("title: Served\n")
    write_files(tmp_path / "content", {"a.md": brief()})
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = blocker.getsockname()[1]
        running = Server(tmp_path, port=busy)
        try:
            assert f"Port {busy} is busy; using" in running.output()
            assert fetch(running.url)[0] == 200
        finally:
            running.stop()


def served_tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_serves_a_clean_build(server, tmp_path, name: str, *extra: str) -> None:
    """What the dev server wrote equals a clean `build` (with `extra` options) of the same content."""
    code, _, err = run_cli("build", "--content", str(server.content), "--out", str(tmp_path / name),
                           "--config", str(tmp_path / "site.yml"), "--no-cache", *extra)
    assert code == 0, err
    clean = served_tree(tmp_path / name)
    # A rebuild that a late file event started may still be swapping in: wait for it to settle.
    wait_for(lambda: served_tree(server.out) == clean, timeout=10)


def test_delete_a_linked_brief_then_edit_another_then_restore(tmp_path):
    """The sequence that used to kill the rebuild thread: the server must keep rebuilding,
    and once the brief is back, serve exactly what a clean build writes."""
    with served(tmp_path, {"a.md": brief(title="Alpha", body="Alpha text."),
                           "b.md": brief(title="Beta", body="See [[a]]."),
                           "c.md": brief(title="Gamma", body="Gamma, first.")}) as server:
        moved = tmp_path / "a.md.away"
        (server.content / "a.md").rename(moved)
        page = wait_for(lambda: (p := fetch(server.url + "briefs/c.html")[1]) and "explainer-overlay" in p and p)
        assert "b.md:" in page and "no brief with slug &#x27;a&#x27;" in page
        (server.content / "c.md").write_text(brief(title="Gamma", body="Gamma, second."))
        wait_for(lambda: server.output().count("still serving the last good site") >= 2)
        assert server.process.poll() is None and "Traceback" not in server.output()
        moved.rename(server.content / "a.md")
        page = wait_for(lambda: (p := fetch(server.url + "briefs/c.html")[1]) and "Gamma, second." in p and p)
        assert "explainer-overlay" not in page
        wait_for(lambda: "fixed: site is up to date again" in server.output())
        assert_serves_a_clean_build(server, tmp_path, "clean")


def test_a_file_system_error_is_shown_and_the_next_save_recovers(tmp_path):
    (tmp_path / "site.yml").write_text("title: Served\n")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="One.")})
    server = Server(tmp_path)
    try:
        cache = tmp_path / ".explainer-cache"
        assert cache.is_dir()           # with the project (beside site.yml), not beside the output
        shutil.rmtree(cache)
        cache.write_text("in the way")
        (server.content / "a.md").write_text(brief(title="Alpha", body="Two."))
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "explainer-overlay" in p and p)
        assert ".explainer-cache" in page and "One." in page
        assert server.process.poll() is None
        cache.unlink()
        (server.content / "a.md").write_text(brief(title="Alpha", body="Three."))
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "Three." in p and p)
        assert "explainer-overlay" not in page
    finally:
        server.stop()


def test_a_bug_in_a_rebuild_is_reported_and_the_next_build_starts_clean(tmp_path, monkeypatch, capsys):
    """A fault injected into one graph function, once: the rebuilder says it is a bug in
    Explainer with its traceback, keeps the last good site, and forgets every re-usable
    result, so that the next build equals a clean one."""
    from explainer import link, site
    from explainer.serve import Rebuilder
    (tmp_path / "site.yml").write_text("title: Served\n")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="One."),
                                       "b.md": brief(title="Beta", body="See [[a]].")})
    options = site.Options(project=PROJECT, content=tmp_path / "content", out=tmp_path / "site",
                           config=tmp_path / "site.yml", jobs=1)
    rebuilder = Rebuilder(options, on_built=lambda *outcome: None)
    assert rebuilder.build_now("Initial build", warm=True) is not None
    good = served_tree(options.out)

    def broken(rows):
        raise RuntimeError("injected fault")
    monkeypatch.setattr(link, "related_briefs", broken)
    (tmp_path / "content/a.md").write_text(brief(title="Alpha", body="Two.", topics="[trade]"))
    assert rebuilder.build_now("a.md changed") is None
    printed = capsys.readouterr()
    assert "this is a bug in Explainer" in printed.out
    assert "Traceback" in printed.err and "RuntimeError: injected fault" in printed.err
    assert "bug in Explainer" in str(rebuilder.problems[0])
    assert served_tree(options.out) == good
    assert rebuilder.state.derived == {} and rebuilder.state.pages == {}

    monkeypatch.undo()
    assert rebuilder.build_now("a.md changed") is not None
    code, _, err = run_cli("build", "--content", str(options.content), "--out", str(tmp_path / "clean"),
                           "--config", str(options.config), "--no-cache")
    assert code == 0, err
    assert served_tree(options.out) == served_tree(tmp_path / "clean")


def test_an_input_folder_replaced_while_serving_is_watched_again(tmp_path):
    (tmp_path / "site.yml").write_text("title: Served\n")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="One.")})
    server = Server(tmp_path)
    try:
        shutil.copytree(server.content, tmp_path / "copy")
        shutil.rmtree(server.content)
        wait_for(lambda: "no content folder" in server.output())
        (tmp_path / "copy").rename(server.content)          # restored from a copy: a new folder
        wait_for(lambda: "fixed: site is up to date again" in server.output())
        (server.content / "a.md").write_text(brief(title="Alpha", body="Two, in the new folder."))
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "new folder" in p and p)
        assert "explainer-overlay" not in page
    finally:
        server.stop()


# -- the author's loop while serving (issue 12) --------------------------------------------

def test_the_overlay_puts_the_root_cause_first_and_hints_a_rename(tmp_path):
    with served(tmp_path, {"x.md": brief(title="Ex", body="Ex text."),
                           "a.md": brief(title="A", body="See [[x]]."),
                           "b.md": brief(title="B", body="See [[x]] again.")}) as server:
        (server.content / "x.md").write_text("---\ntitle: Broken: colon\ndate: 2024-01-01\nsummary: S.\n---\nx\n")
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "explainer-overlay" in p and p)
        items = page.split("<ul>", 1)[1].split("</ul>", 1)[0].split("<li")[1:]
        assert items[0].startswith(">") and "x.md:2: YAML error" in items[0], items
        assert all('class="follows"' in item and "because" in item for item in items[1:]) and len(items) == 3
        assert "1 problem (and 2 that follow from it)" in page
        # Renamed, and only one brief links to the old name: the last good site tells.
        (server.content / "x.md").unlink()
        write_files(server.content, {"b.md": brief(title="B", body="No link now."),
                                     "ex-renamed.md": brief(title="Ex", body="Ex text.")})
        hint = "ex-renamed.md looks like a rename of &#x27;x&#x27;: add `slug: x` to it to keep the links working"
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and hint in p and p)
        assert page.index(hint) < page.index("a.md:7: link")
        wait_for(lambda: "hint: " in server.output() and "looks like a rename of 'x'" in server.output())


def test_warnings_show_in_the_terminal_and_as_a_notice_not_the_error_panel(tmp_path):
    with served(tmp_path, {"a.md": brief(title="Alpha", body="One.")}) as server:
        (server.content / "a.md").write_text(brief(title="Alpha", body="Two.", tags="[trade]"))
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "Two." in p and
                        "explainer-notice" in p and p)
        assert "explainer-overlay" not in page
        assert "unknown key &#x27;tags&#x27; is ignored; did you mean &#x27;topics&#x27;?" in page
        assert '<details class="explainer-notice" open data-warnings=' in page      # folds away without script
        wait_for(lambda: "a.md:5: warning: tags: unknown key 'tags'" in server.output())
        (server.content / "a.md").write_text(brief(title="Alpha", body="Three."))
        page = wait_for(lambda: (p := fetch(server.url + "briefs/a.html")[1]) and "Three." in p and p)
        assert "explainer-notice" not in page


def test_serve_shows_drafts_with_a_banner_as_build_drafts_does(tmp_path):
    """A brief made with `new` while serving appears, with its Draft banner; the served site
    is exactly `build --drafts`, and with --no-drafts exactly `build`."""
    (tmp_path / "site.yml").write_text("title: Served\nurl: https://example.org/site/\n")
    write_files(tmp_path / "content", {"a.md": brief(title="Alpha", body="One.")})
    server = Server(tmp_path)
    try:
        code, _, err = run_cli("new", "SCO summit in Islamabad", "--content", str(server.content),
                                 "--in", "trade", "--slug", "sco-islamabad-2024")
        assert code == 0, err
        page = wait_for(lambda: (r := fetch(server.url + "briefs/sco-islamabad-2024.html"))[0] == 200 and r[1],
                        context=server.output)
        assert '<p class="draft-banner" role="note"><strong>Draft</strong> — not published.' in page
        wait_for(lambda: "content/trade/sco-islamabad-2024.md changed" in server.output())
        status, feed = fetch(server.url + "feed.xml")
        assert status == 200 and "sco-islamabad-2024" not in feed
        assert "sco-islamabad-2024" not in fetch(server.url + "sitemap.xml")[1]
        assert "sco-islamabad-2024" not in fetch(server.url + "briefs.json")[1]
        time.sleep(0.5)
        assert_serves_a_clean_build(server, tmp_path, "clean", "--drafts")
    finally:
        server.stop()
    with served(tmp_path, {}, "--no-drafts", config=(tmp_path / "site.yml").read_text()) as hidden:
        assert fetch(hidden.url + "briefs/sco-islamabad-2024.html")[0] == 404
        assert_serves_a_clean_build(hidden, tmp_path, "plain")


def test_each_rebuild_line_names_the_files_never_a_folder_or_an_editors_temporary_file(tmp_path):
    with served(tmp_path, {"a.md": brief(title="Alpha", body="One.")}) as server:
        scratch = server.content / "sedAb12Cd"           # as `sed -i` does: write a temporary file, rename it
        scratch.write_text(brief(title="Alpha", body="Two."))
        scratch.rename(server.content / "a.md")
        wait_for(lambda: "Two." in fetch(server.url + "briefs/a.html")[1], context=server.output)
        (server.content / "brics").mkdir()
        (server.content / "brics" / "b.md").write_text(brief(title="Beta", body="Three."))
        wait_for(lambda: "Three." in fetch(server.url + "briefs/b.html")[1], context=server.output)
        time.sleep(0.3)
        lines = [line for line in server.output().splitlines() if " changed" in line]
        assert lines and all("sedAb12Cd" not in line for line in lines), lines
        assert any("content/a.md changed" in line for line in lines), lines
        assert any("content/brics/b.md changed" in line for line in lines), lines
        assert not any(line.rstrip().endswith(("content changed", "content/brics changed")) for line in lines), lines
