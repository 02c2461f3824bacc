"""Shared fixtures: write a content folder, build it for real, read the HTML back."""
from __future__ import annotations

import contextlib
import io
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from explainer.cli import main

PROJECT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    code: int
    out: str
    err: str
    site: Path
    content: Path

    def html(self, page: str) -> BeautifulSoup:
        return BeautifulSoup((self.site / page).read_text(encoding="utf-8"), "html.parser")

    def text(self, page: str) -> str:
        return " ".join(self.html(page).get_text(" ").split())


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def copy_project(root: Path) -> Path:
    """A project folder with copies of our templates and static files, for a test to edit."""
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "static", root / "static")
    return root


def run_cli(*argv: str, project: Path = PROJECT) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv), project)
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def cli_in_new_process(argv: list[str], project: Path, errors: str) -> None:
    """`build.py ARGV` as a process of its own would run it (its stderr to the file `errors`),
    for a forkserver child: forked from a server that has imported Explainer and built nothing,
    so the build starts with nothing in memory, as a new process does, without paying for
    Python's start-up and the imports each time."""
    import os
    import sys
    with open(errors, "w", encoding="utf-8") as stream, contextlib.redirect_stderr(stream), \
            contextlib.redirect_stdout(io.StringIO()):
        code = main(argv, project)
    sys.stderr.flush()
    os._exit(code)       # no atexit handlers, no flushing of the server's inherited buffers


@pytest.fixture
def make_site(tmp_path):
    """make_site({"a.md": "..."}, "--site-url", URL) builds into tmp_path/site and returns a Run."""
    def build(files: dict[str, str | bytes], *extra: str, command: str = "build", out: Path | None = None) -> Run:
        content = tmp_path / "content"
        content.mkdir(exist_ok=True)
        write_files(content, files)
        site = out or tmp_path / "site"
        config = tmp_path / "site.yml"
        if not config.exists():
            config.write_text("title: Test site\n", encoding="utf-8")
        argv = [command, "--content", str(content), "--config", str(config)]
        if command == "build":
            argv += ["--out", str(site)]
        code, stdout, stderr = run_cli(*argv, *extra)
        return Run(code, stdout, stderr, site, content)
    return build


def brief(title: str = "A brief", date: str = "2024-09-19", summary: str = "A summary.",
          body: str = "Some text.", **fields: str) -> str:
    """A brief's text; extra front-matter lines come from keyword arguments as raw YAML."""
    lines = ["---", f"title: {title}", f"date: {date}", f"summary: {summary}"]
    lines += [f"{key}: {value}" for key, value in fields.items()]
    return "\n".join(lines + ["---", "", body, ""])
