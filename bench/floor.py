#!/usr/bin/env python3
"""The floor of our stack: the least work any Markdown + YAML + Jinja2 site build must do.

    python bench/floor.py SRC_DIR OUT_DIR [--loader c|py] [--both-loaders] [--workers K] [--quiet]

SRC_DIR holds generic briefs (bench/corpus.py --format generic). For each brief: read
the file, split off the front matter, parse it with PyYAML, convert the body with
Python-Markdown (extensions extra and toc, one converter reset between briefs), render
one small Jinja2 template and write OUT_DIR/<name>.html. No cross-links, listings,
feeds or search: a real build can only add to this, so its time divided by the floor's
says how much the features cost.

It does the same work as the workspace's shared floor.py, so figures from either can be
compared. Alone, each phase runs as one loop over all briefs so it can be timed apart.
With --workers K (K > 1) the briefs are dealt into K chunks, each taken through the
whole pipeline by a worker process.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# The imports are timed: starting the libraries is part of what every build pays.
_IMPORTS_STARTED = time.perf_counter()
import jinja2  # noqa: E402
import markdown  # noqa: E402
import yaml  # noqa: E402
from markupsafe import Markup  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _IMPORTS_STARTED

# Small, but it exercises what a real page template does: escaping, loops, a condition.
TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ meta.title }}</title></head>
<body>
<article>
<h1>{{ meta.title }}</h1>
<p><time>{{ meta.date }}</time></p>
<p>{{ meta.summary }}</p>
<p>Topics: {% for t in meta.topics %}<a href="topics/{{ t }}.html">{{ t }}</a> {% endfor %}</p>
<p>Entities: {% for e in meta.entities %}{{ e }}{% if not loop.last %}, {% endif %}{% endfor %}</p>
{% if meta.events %}<ul class="events">{% for ev in meta.events %}<li>{{ ev.date }}: {{ ev.title }}</li>{% endfor %}</ul>{% endif %}
{{ body }}
</article>
</body>
</html>
"""  # noqa: E501 (the shared floor's template, line for line, so both do the same work)

MARKDOWN_EXTENSIONS = ["extra", "toc"]
PHASES = ("read", "split", "yaml", "markdown", "jinja", "write")
FENCE = "---\n"


def yaml_loader(name: str) -> type:
    """'c' is libyaml's loader, when PyYAML was built with it; 'py' the pure-Python one."""
    if name == "c":
        return getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.SafeLoader


def loader_name(name: str) -> str:
    return yaml_loader(name).__name__


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter, body). Text without a closed front matter block is all body."""
    if text.startswith(FENCE):
        close = text.find("\n" + FENCE, len(FENCE))
        if close != -1:
            return text[len(FENCE):close + 1], text[close + 1 + len(FENCE):]
    return "", text


class PhaseClock:
    """Seconds per named phase; each phase is one pass over all the briefs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def time(self, phase: str, work, *args):
        started = time.perf_counter()
        result = work(*args)
        self.seconds[phase] = time.perf_counter() - started
        return result


def read_all(paths: list[Path]) -> list[str]:
    return [path.read_text(encoding="utf-8") for path in paths]


def parse_all(front_matters: list[str], loader: type) -> list[dict]:
    return [yaml.load(text, Loader=loader) for text in front_matters]


def convert_all(bodies: list[str]) -> list[str]:
    # One converter for all briefs, reset in between: what a build that cares about speed does.
    converter = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS)
    html = []
    for body in bodies:
        converter.reset()
        html.append(converter.convert(body))
    return html


def render_all(metas: list[dict], bodies: list[str]) -> list[str]:
    # Compiling the template is counted too: every build compiles its templates once.
    template = jinja2.Environment(autoescape=True).from_string(TEMPLATE)
    return [template.render(meta=meta, body=Markup(body)) for meta, body in zip(metas, bodies)]


def write_all(paths: list[Path], pages: list[str], out: Path) -> None:
    for path, page in zip(paths, pages):
        (out / f"{path.stem}.html").write_text(page, encoding="utf-8")


def split_all(texts: list[str]) -> tuple[list[str], list[str]]:
    pairs = [split_front_matter(text) for text in texts]
    return [front for front, _ in pairs], [body for _, body in pairs]


def pipeline(paths: list[Path], out: Path, loader: str, both_loaders: bool = False) -> dict[str, float]:
    """Take `paths` through every phase; return the seconds each phase took."""
    clock = PhaseClock()
    texts = clock.time("read", read_all, paths)
    front_matters, bodies = clock.time("split", split_all, texts)
    metas = clock.time("yaml", parse_all, front_matters, yaml_loader(loader))
    if both_loaders:
        # Timed only, for comparison: the other loader's result is thrown away.
        other = "py" if loader == "c" else "c"
        clock.time(f"yaml_{other} (extra)", parse_all, front_matters, yaml_loader(other))
    html = clock.time("markdown", convert_all, bodies)
    pages = clock.time("jinja", render_all, metas, html)
    clock.time("write", write_all, paths, pages, out)
    return clock.seconds


def is_extra(phase: str) -> bool:
    return phase.endswith("(extra)")


def worker(job: tuple[list[Path], Path, str]) -> tuple[int, dict[str, float]]:
    paths, out, loader = job
    started = time.perf_counter()
    seconds = pipeline(paths, out, loader)
    seconds["total"] = time.perf_counter() - started
    return os.getpid(), seconds


def run_in_pool(paths: list[Path], out: Path, loader: str, workers: int) -> list[tuple[int, dict[str, float]]]:
    import multiprocessing

    # Every other brief to the next worker, so the chunks are alike in size and in kind.
    chunks = [paths[start::workers] for start in range(workers)]
    # Fork, where there is one: workers inherit the imported libraries instead of paying
    # for the imports again, as the shared floor's workers do.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers) as pool:
        return pool.map(worker, [(chunk, out, loader) for chunk in chunks])


def report_serial(count: int, loader: str, seconds: dict[str, float], wall: float) -> None:
    counted = sum(value for phase, value in seconds.items() if not is_extra(phase))
    print(f"floor serial: {count} briefs, yaml loader {loader_name(loader)}, imports {IMPORT_SECONDS:.3f}s")
    for phase, value in seconds.items():
        share = float("nan") if is_extra(phase) else 100 * value / (counted or 1)
        print(f"  {phase:<18} {value:8.3f} s  {share:6.1f}%  {1e6 * value / max(count, 1):8.1f} us/brief")
    print(f"  {'wall in main()':<18} {wall:8.3f} s  (sum of counted phases {counted:.3f} s)")


def report_pool(count: int, loader: str, workers: int, results, wall: float) -> None:
    print(f"floor multiprocessing: {count} briefs, {workers} workers, yaml loader {loader_name(loader)}, "
          f"imports {IMPORT_SECONDS:.3f}s")
    for pid, seconds in results:
        print(f"  worker {pid}: " + "  ".join(f"{phase} {seconds[phase]:.3f}" for phase in (*PHASES, "total")))
    print(f"  wall in main(): {wall:.3f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", type=Path, help="folder of generic briefs (*.md)")
    parser.add_argument("out", type=Path, help="folder for the HTML pages (created if need be)")
    parser.add_argument("--loader", choices=("c", "py"), default="c", help="YAML loader (default: c, libyaml)")
    parser.add_argument("--both-loaders", action="store_true",
                        help="also time the other YAML loader (an extra pass, not used for the pages)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: 1, no pool)")
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    paths = sorted(path for path in args.src.iterdir() if path.name.endswith(".md"))
    args.out.mkdir(parents=True, exist_ok=True)
    if args.workers <= 1:
        seconds = pipeline(paths, args.out, args.loader, args.both_loaders)
        if not args.quiet:
            report_serial(len(paths), args.loader, seconds, time.perf_counter() - started)
    else:
        results = run_in_pool(paths, args.out, args.loader, args.workers)
        if not args.quiet:
            report_pool(len(paths), args.loader, args.workers, results, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
