"""The command line as outside tools call it: exit codes, reproducibility, `new`."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

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


def test_new_takes_a_folder_and_a_slug_and_says_how_to_preview(tmp_path):
    content = tmp_path / "content"
    code, out, err = run_cli("new", "SCO summit in Islamabad", "--content", str(content), "--in", "trade",
                             "--slug", "sco-islamabad-2024")
    assert code == 0, err
    path = content / "trade" / "sco-islamabad-2024.md"
    assert path.is_file() and f"Wrote {path.as_posix()}" in out
    assert "build.py serve" in out and "briefs/sco-islamabad-2024.html" in out
    (tmp_path / "site.yml").write_text("title: T\n")
    code, _, err = run_cli("check", "--content", str(content), "--strict", "--config", str(tmp_path / "site.yml"))
    assert code == 0, err               # a draft may keep the skeleton's placeholders


@pytest.mark.parametrize("args, message", [
    (("--slug", "Not A Slug"), "is not lowercase letters, digits and hyphens; try 'not-a-slug'"),
    (("--in", "../outside"), "must be a folder inside the content folder"),
    (("--in", "/tmp"), "must be a folder inside the content folder"),
    (("--in", "_entities"), "must be a folder inside the content folder"),
])
def test_new_refuses_a_bad_folder_or_slug(tmp_path, args, message):
    code, _, err = run_cli("new", "A title", "--content", str(tmp_path / "content"), *args)
    assert code == 2 and message in err, err
    assert not any(tmp_path.rglob("*.md"))


def test_a_published_brief_with_the_skeletons_placeholders_is_flagged(tmp_path):
    content = tmp_path / "content"
    assert run_cli("new", "Half done", "--content", str(content))[0] == 0
    path = content / "half-done.md"
    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    code, _, err = run_cli("check", "--content", str(content))
    assert code == 0
    shown = err.replace(f"{content.as_posix()}/", "")
    assert "half-done.md:4: warning: summary: is still the placeholder of 'build.py new'" in shown, err
    assert "warning: the body still holds the placeholder 'Write the brief here.'" in shown, err
    assert "warning: the body still holds the placeholder '## A first heading'" in shown, err
    code, out, err = run_cli("check", "--content", str(content), "--strict")
    assert code == 1 and "OK" not in out and "summary: is still the placeholder" in err


def test_new_refuses_a_slug_another_brief_has_and_accepts_the_content_folder_in_in(tmp_path):
    content = tmp_path / "content"
    (content / "brics").mkdir(parents=True)
    (content / "brics" / "bid.md").write_text("---\ntitle: Bid\nslug: pakistan-brics-bid\n---\n")
    code, _, err = run_cli("new", "Another", "--content", str(content), "--slug", "pakistan-brics-bid")
    assert code == 2 and "already has the slug 'pakistan-brics-bid'" in err, err
    code, _, err = run_cli("new", "Another", "--content", str(content), "--in", str(content / "trade"))
    assert code == 0, err
    assert (content / "trade" / "another.md").is_file() and not (content / "content").exists()
