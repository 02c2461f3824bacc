"""The benchmark's own tools: bench/corpus.py (the corpus) and bench/floor.py (the baseline).

The corpus must stay byte for byte what the workspace's shared generator writes, or our
figures could no longer be set beside figures measured with it; it must also be a corpus
our builder accepts, and the floor must do its whole job on it.
"""
from __future__ import annotations

import html
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
BENCH = PROJECT / "bench"
SHARED_BENCH = PROJECT.parent / "shared" / "bench"
SHARED_GENERATOR = SHARED_BENCH / "make_corpus.py"


def load_corpus_module():
    """bench/ is a folder of scripts, not a package: load corpus.py from its path."""
    spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


corpus = load_corpus_module()


def tree(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path, so two corpora compare in one assertion."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file()}


def run_script(script: Path, *args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                          check=True, timeout=120)


@pytest.mark.skipif(not SHARED_GENERATOR.is_file(),
                    reason=f"no shared generator at {SHARED_GENERATOR} (only in the full workspace)")
@pytest.mark.parametrize("fmt", ["generic", "hugo"])
@pytest.mark.parametrize(("n", "seed"), [(1, None), (7, None), (60, None), (7, 5)])
def test_corpus_is_byte_identical_to_the_shared_generator(tmp_path: Path, fmt: str, n: int, seed: int | None):
    arguments = ["--n", str(n), "--format", fmt] + (["--seed", str(seed)] if seed is not None else [])
    run_script(SHARED_GENERATOR, *arguments, "--out", tmp_path / "shared")
    run_script(BENCH / "corpus.py", *arguments, "--out", tmp_path / "ours")
    shared, ours = tree(tmp_path / "shared"), tree(tmp_path / "ours")
    assert sorted(ours) == sorted(shared)
    differing = [name for name in shared if ours[name] != shared[name]]
    assert not differing, f"{len(differing)} files differ, first {differing[0]}"
    assert sum(name.endswith(".md") for name in ours) == n


def test_corpus_is_deterministic_and_seeded(tmp_path: Path):
    first = tree(corpus.write_corpus(12, tmp_path / "first"))
    second = tree(corpus.write_corpus(12, tmp_path / "second"))
    other_seed = tree(corpus.write_corpus(12, tmp_path / "other", seed=corpus.DEFAULT_SEED + 1))
    assert len(first) == 12
    assert first == second
    assert first != other_seed


def test_corpus_refuses_a_folder_that_is_not_empty(tmp_path: Path):
    (tmp_path / "old.md").write_text("stale", encoding="utf-8")
    with pytest.raises(FileExistsError):
        corpus.write_corpus(2, tmp_path)
    with pytest.raises(ValueError, match="unknown corpus format"):
        corpus.write_corpus(2, tmp_path / "new", fmt="pelican")


def test_generic_corpus_builds_with_our_builder(tmp_path: Path):
    content = corpus.write_corpus(30, tmp_path / "content")
    config = tmp_path / "site.yml"   # its folder also takes the build cache, away from the project
    config.write_text("title: Benchmark corpus\n", encoding="utf-8")
    out = tmp_path / "site"
    result = subprocess.run([sys.executable, str(PROJECT / "build.py"), "build", "--content", str(content),
                             "--out", str(out), "--config", str(config)], cwd=PROJECT, capture_output=True,
                            text=True, env=dict(os.environ, EXPLAINER_NO_VENV="1"), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "problem" not in result.stderr
    briefs = {path.stem for path in content.glob("*.md")}
    assert {path.stem for path in (out / "briefs").glob("*.html")} == briefs


@pytest.mark.parametrize("workers", ["1", "2"])
def test_floor_writes_one_page_per_brief(tmp_path: Path, workers: str):
    n = 6
    content = corpus.write_corpus(n, tmp_path / "content")
    out = tmp_path / "floor"
    run_script(BENCH / "floor.py", content, out, "--quiet", "--workers", workers)
    pages = {path.stem: path.read_text(encoding="utf-8") for path in out.glob("*.html")}
    titles = {brief.slug: brief.title for brief in corpus.draw_briefs(n, corpus.DEFAULT_SEED)}
    assert sorted(pages) == sorted(titles)
    for slug, title in titles.items():
        assert f"<h1>{html.escape(title)}</h1>" in pages[slug]
        assert "<table>" in pages[slug]           # Markdown extra ran (tables), not just the template


def test_floor_splits_front_matter_like_the_corpus_writes_it():
    floor = importlib.util.spec_from_file_location("bench_floor", BENCH / "floor.py")
    module = importlib.util.module_from_spec(floor)
    floor.loader.exec_module(module)
    assert module.split_front_matter("---\ntitle: A\n---\n\nBody\n") == ("title: A\n", "\nBody\n")
    assert module.split_front_matter("---\ntitle: never closed\n") == ("", "---\ntitle: never closed\n")
    assert module.split_front_matter("No front matter\n") == ("", "No front matter\n")
