"""The command line as outside tools call it: exit codes, reproducibility, `new`."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import PROJECT, brief, run_cli


def tree(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_build_py(*args, cwd=PROJECT):
    env = dict(os.environ, EXPLAINER_NO_VENV="1")
    return subprocess.run([sys.executable, str(PROJECT / "build.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_help_documents_commands_and_exit_codes():
    result = run_build_py("--help")
    assert result.returncode == 0
    for word in ("build", "check", "new", "Exit status"):
        assert word in result.stdout
    assert "--site-url" in run_build_py("build", "--help").stdout


def test_bad_option_is_a_usage_error():
    result = run_build_py("build", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_bad_site_url_is_a_usage_error(tmp_path):
    code, _, err = run_cli("build", "--out", str(tmp_path / "o"), "--site-url", "user.github.io")
    assert code == 2 and "not an absolute http(s) address" in err


def test_two_builds_are_byte_identical(make_site, tmp_path):
    files = {"a.md": brief(body="See [[b]].", events="[{date: 2023, title: E}]"), "b.md": brief(title="B")}
    first = make_site(files, "--site-url", "https://example.org/x/")
    copy = tree(first.site)
    second = make_site(files, "--site-url", "https://example.org/x/")
    assert second.code == 0 and tree(second.site) == copy


def test_default_build_from_build_py_writes_site(tmp_path):
    out = tmp_path / "out"
    result = run_build_py("--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "index.html").is_file() and (out / ".nojekyll").is_file()


def test_new_writes_a_draft_skeleton_and_refuses_to_overwrite(tmp_path):
    content = tmp_path / "content"
    code, _, _ = run_cli("new", "Pakistan's BRICS bid: what next?", "--content", str(content))
    assert code == 0
    path = content / "pakistan-s-brics-bid-what-next.md"
    text = path.read_text()
    assert 'title: "Pakistan\'s BRICS bid: what next?"' in text and "draft: true" in text
    code, _, _ = run_cli("check", "--content", str(content), "--drafts")
    assert code == 0
    code, _, err = run_cli("new", "Pakistan's BRICS bid: what next?", "--content", str(content))
    assert code == 2 and "already exists" in err
    assert path.read_text() == text
