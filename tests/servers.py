"""Servers for the tests: the real dev server in a subprocess, and a plain static
server that publishes a built site under a sub-path, as GitHub Pages does for /repo/."""
from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from conftest import PROJECT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def wait_for(predicate, timeout: float = 15.0, step: float = 0.05, context=None):
    """The predicate's first true result; on timeout, an error with `context()` (say, the server's log)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    raise AssertionError("condition not met in time" + (f"\n{context()}" if context else ""))


class Server:
    def __init__(self, tmp_path: Path, port: int | None = None, *extra: str):
        self.content = tmp_path / "content"
        self.out = tmp_path / "site"
        self.port = port or free_port()
        self.log = tmp_path / "serve.log"
        env = dict(os.environ, EXPLAINER_NO_VENV="1", PYTHONUNBUFFERED="1")
        self.process = subprocess.Popen(
            [sys.executable, str(PROJECT / "build.py"), "serve", "--content", str(self.content),
             "--out", str(self.out), "--port", str(self.port), "--config", str(tmp_path / "site.yml"), *extra],
            cwd=tmp_path, env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT)
        # Edits before the watches are up are found by a later look (tested in test_serve), but a
        # test that edits at once would race them: wait until the server says it is watching.
        wait_for(lambda: "Watching" in self.output() or self.process.poll() is not None)
        self.url = f"http://127.0.0.1:{self.served_port()}/"

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def served_port(self) -> int:
        line = next(text for text in self.output().splitlines() if "Serving" in text)
        return int(line.split("http://127.0.0.1:")[1].split("/")[0])

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder only under /repo/, like a GitHub Pages project site."""

    def translate_path(self, path):
        if not path.startswith("/repo/"):
            return str(Path(self.directory) / "__outside_the_site__")
        return super().translate_path(path[len("/repo"):])

    def log_message(self, *args):
        pass


class CompressingSubPathHandler(SubPathHandler):
    """As GitHub Pages serves a site: text files gzipped when the browser accepts it."""
    TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt")

    def do_GET(self):
        path = self.translate_path(self.path)
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not path.endswith(self.TEXT) \
                or not os.path.isfile(path):
            return super().do_GET()
        body = gzip.compress(Path(path).read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve_under_subpath(folder: Path, compress: bool = False):
    """Yields the address of `folder`, served at http://127.0.0.1:PORT/repo/ (with `compress`,
    text gzipped as GitHub Pages does)."""
    handler = functools.partial(CompressingSubPathHandler if compress else SubPathHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/repo/"
    finally:
        server.shutdown()


@contextlib.contextmanager
def served(tmp_path: Path, files: dict[str, str], *extra: str, config: str = "title: Served\n"):
    """The real dev server on a project of `files` (under content/) and a site.yml; stopped after."""
    from conftest import write_files
    (tmp_path / "site.yml").write_text(config)
    write_files(tmp_path / "content", files)
    server = Server(tmp_path, None, *extra)
    try:
        yield server
    finally:
        server.stop()
