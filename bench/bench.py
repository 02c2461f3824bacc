#!/usr/bin/env python3
"""Explainer's benchmark harness: whole-process figures, side by side with the floor.

    .venv/bin/python bench/bench.py [--sizes 100,1000,10000] [--runs 5] [--write bench/RESULTS.md]
    .venv/bin/python bench/bench.py edit --n 1000 [--edits 15]
    .venv/bin/python bench/bench.py profile --n 1000      (cProfile of one cold build, one process)
    .venv/bin/python bench/bench.py search --sizes 1000,10000   (search: bytes per query, index size)

The corpus comes from bench/corpus.py (our front-matter format, and the same briefs
for Hugo) and the baseline from bench/floor.py: the bare floor of our stack (read,
YAML, Python-Markdown, one template, write). Both are in this repository, so the
bench runs from a clone alone. Every build figure is a ratio to the floor and to
Hugo (Debian's `hugo`, if installed) measured in the same run, alternating runs
(floor, Hugo, ours, ...), medians.
Figures (per size):
- cold: full build, empty cache, empty output folder;
- warm: full build again, cache present, nothing changed;
- edit: one brief's body changed, `build` run again in a new process (cache present);
- hugo: Hugo's full build of the same briefs (`corpus.py --format hugo`);
- serve edit-to-page: the dev server running, one brief saved, until its page on disk
  has the new text (watcher latency included);
- peak memory: the largest single process (the build, or the floor), in MB.
Nothing here is a test: it prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
BENCH = PROJECT / "bench"
PYTHON = sys.executable
HUGO = shutil.which("hugo")


def make_corpus(n: int, folder: Path, fmt: str = "generic") -> Path:
    target = folder / (f"corpus-{n}" if fmt == "generic" else f"corpus-{n}-{fmt}")
    if not target.exists():
        subprocess.run([PYTHON, str(BENCH / "corpus.py"), "--n", str(n), "--format", fmt,
                        "--out", str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def user_environment() -> dict[str, str]:
    """As a user's shell has it: Python keeps its compiled modules (some machines turn that
    off for every process), and build.py runs in the environment it was started in."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return dict(env, EXPLAINER_NO_VENV="1")


def timed(command: list[str], cwd: Path = PROJECT) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of the process itself)."""
    env = user_environment()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024


def build_command(corpus: Path, out: Path, *extra: str) -> list[str]:
    # The cache goes with the corpus, not into this project's own .explainer-cache/.
    return [PYTHON, str(PROJECT / "build.py"), "build", "--content", str(corpus), "--out", str(out),
            "--cache", str(out.parent / f"cache-{out.name}"), *extra]


def floor_command(corpus: Path, out: Path) -> list[str]:
    return [PYTHON, str(BENCH / "floor.py"), str(corpus), str(out), "--quiet"]


def hugo_command(corpus: Path, out: Path) -> list[str]:
    return [HUGO, "--source", str(corpus), "--destination", str(out), "--quiet"]


def fresh(*folders: Path) -> None:
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def measure_size(n: int, runs: int, work: Path) -> dict:
    corpus = make_corpus(n, work)
    out, floor_out, hugo_out = work / f"site-{n}", work / f"floor-{n}", work / f"hugo-{n}"
    hugo_corpus = make_corpus(n, work, "hugo") if HUGO else None
    cache = work / f"cache-{out.name}"
    figures: dict[str, list[float]] = {k: [] for k in ("floor", "cold", "warm", "edit", "floor_mb", "cold_mb",
                                                        "hugo")}
    victim = sorted(corpus.glob("*.md"))[n // 2]
    original = victim.read_text(encoding="utf-8")
    for run in range(runs):
        fresh(floor_out)
        floor_out.mkdir()
        wall, mb = timed(floor_command(corpus, floor_out))
        figures["floor"].append(wall)
        figures["floor_mb"].append(mb)
        if hugo_corpus is not None:
            fresh(hugo_out)
            figures["hugo"].append(timed(hugo_command(hugo_corpus, hugo_out))[0])
        fresh(out, cache)
        wall, mb = timed(build_command(corpus, out))
        figures["cold"].append(wall)
        figures["cold_mb"].append(mb)
        figures["warm"].append(timed(build_command(corpus, out))[0])
        victim.write_text(original + f"\nEdited in run {run}.\n", encoding="utf-8")
        figures["edit"].append(timed(build_command(corpus, out))[0])
        victim.write_text(original, encoding="utf-8")
    return {key: statistics.median(values) if values else float("nan") for key, values in figures.items()} | {
        "runs": runs}


def serve_edit_to_page(n: int, edits: int, work: Path) -> list[float]:
    """Seconds from saving one brief to its new page on disk, with the dev server running."""
    corpus = make_corpus(n, work)
    out = work / f"serve-{n}"
    fresh(out)
    log = work / f"serve-{n}.log"
    env = dict(user_environment(), PYTHONUNBUFFERED="1")
    port = 20000 + os.getpid() % 20000
    server = subprocess.Popen([PYTHON, str(PROJECT / "build.py"), "serve", "--content", str(corpus), "--out",
                               str(out), "--port", str(port), "--cache", str(work / f"cache-serve-{n}")],
                              env=env, stdout=log.open("w"),
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 600
        while "Serving" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        victims = sorted(corpus.glob("*.md"))[:edits + 1]
        page = lambda path: out / "briefs" / f"{path.stem}.html"
        delays = []
        for number, victim in enumerate(victims):
            original = victim.read_text(encoding="utf-8")
            token = f"edit-token-{number}-{time.time_ns()}"
            started = time.perf_counter()
            victim.write_text(original + f"\n{token}\n", encoding="utf-8")
            while token not in read_or_empty(page(victim)):
                if time.perf_counter() - started > 30:
                    raise SystemExit(f"no page after 30 s; see {log}")
                time.sleep(0.001)
            delays.append(time.perf_counter() - started)
            time.sleep(0.3)
            victim.write_text(original, encoding="utf-8")
            time.sleep(0.5)
        return delays[1:]          # the first edit also fills the view memo
    finally:
        server.terminate()
        server.wait(timeout=30)


def profile(n: int, work: Path) -> str:
    """The top of a cProfile of one cold build in a single process, by own time."""
    corpus = make_corpus(n, work)
    out, stats = work / f"profile-{n}", work / f"profile-{n}.pstats"
    fresh(out, work / f"cache-{out.name}")
    subprocess.run([PYTHON, "-m", "cProfile", "-o", str(stats), *build_command(corpus, out)[1:], "--jobs", "1"],
                   cwd=PROJECT, check=True,
                   env=dict(os.environ, EXPLAINER_NO_VENV="1"), stdout=subprocess.DEVNULL)
    import io
    import pstats
    text = io.StringIO()
    pstats.Stats(str(stats), stream=text).sort_stats("tottime").print_stats(15)
    return text.getvalue()


SEARCH_QUERIES = ["energy", "pipeline", "kenya", "amara okafor", "world health organization", "inflation tariff",
                  "emb", "sanction", "ceasefire border", "cautious reform"]


def search_figures(n: int, work: Path, reuse: bool = False) -> dict:
    """One cold build of the corpus, the search index's size on disk, then each of
    SEARCH_QUERIES typed into the header box of a fresh page, from file:// and over HTTP:
    the bytes of the scripts it loaded for the search (engine, manifest, term and document
    files; app.js, loaded by every page anyway, apart) and the milliseconds from the last
    of them loaded to the results shown."""
    corpus = make_corpus(n, work)
    out = work / f"search-site-{n}"
    if reuse and (out / "search-index.js").exists():
        build_seconds, build_mb = float("nan"), float("nan")    # the site of an earlier run, queried again
    else:
        fresh(out, work / f"cache-{out.name}")
        build_seconds, build_mb = timed(build_command(corpus, out))
    index_files = [out / "search-index.js", *sorted((out / "search").rglob("*.js"))]
    figures = {"build": build_seconds, "build_mb": build_mb, "index_bytes": sum(p.stat().st_size for p in index_files),
               "index_files": len(index_files),
               "term_bytes": sum(p.stat().st_size for p in (out / "search/terms").glob("*.js")),
               "facets_bytes": (out / "search/facets.js").stat().st_size,
               "engine_bytes": (out / "static/search.js").stat().st_size,
               "app_bytes": (out / "static/app.js").stat().st_size, "queries": {}}
    sys.path[:0] = [str(PROJECT), str(PROJECT / "tests")]     # the test suite's server under /repo/
    from playwright.sync_api import sync_playwright

    from servers import serve_under_subpath
    with serve_under_subpath(out) as http_base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        for label, base in (("file", out.as_uri() + "/"), ("http", http_base)):
            for query in SEARCH_QUERIES:
                figures["queries"].setdefault(query, {})[label] = one_query(browser, base, out, query)
        browser.close()
    return figures


def one_query(browser, base: str, out: Path, query: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    page.goto(base + "index.html")
    page.wait_for_load_state("load")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.evaluate(r"""() => { window.benchShown = 0; window.benchLoaded = 0;
        new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(node => {
          if (node.tagName !== 'SCRIPT') return;
          if (/search\/docs\//.test(node.src) && !window.benchDocsAsked) window.benchDocsAsked = performance.now();
          node.addEventListener('load', () => { window.benchLoaded = performance.now();
            if (/search\/terms\//.test(node.src)) window.benchTermsLoaded = performance.now(); });
        }))).observe(document.head, { childList: true });
        new MutationObserver(() => { if (!window.benchShown && document.querySelector('#site-search-results li,'
          + ' #site-search-results .search-empty')) window.benchShown = performance.now(); })
          .observe(document.getElementById('site-search-results'), { childList: true, subtree: true }); }""")
    page.fill("#site-search-input", query)
    page.wait_for_function("() => window.benchShown > 0", timeout=60000)
    count = page.evaluate("() => document.getElementById('site-search-results').querySelectorAll('li').length")
    # With every file the query needs loaded, the same query again: the time from the input
    # to the results drawn is all the page's own work (ranking and drawing), none of it loading.
    ms = page.evaluate("""() => new Promise(resolve => {
        const box = document.getElementById('site-search-input');
        const panel = document.getElementById('site-search-results');
        const start = performance.now();
        const seen = new MutationObserver(() => { seen.disconnect(); resolve(performance.now() - start); });
        seen.observe(panel, { childList: true, subtree: true });
        box.dispatchEvent(new Event('input'));
    })""")
    page.wait_for_function("() => /\\d+ results?|No results/.test("
                           "document.getElementById('site-search-status').textContent)", timeout=60000)
    timing = {"count": page.evaluate("() => document.getElementById('site-search-status').textContent") or count}
    context.close()
    root = base.rstrip("/")
    scripts = [u for u in dict.fromkeys(requested) if u.endswith(".js")]
    paths = [out / urllib.parse.unquote(u[len(root) + 1:]) for u in scripts if u.startswith(root)]
    return {"bytes": sum(p.stat().st_size for p in paths), "files": len(paths),
            "ms_after_load": ms, "results": timing["count"]}


def search_report(results: dict[int, dict]) -> str:
    lines = ["| briefs | cold build (s) | peak MB (largest process) | index on disk (MB) | files "
             "| of which term files (MB) | facets file (KB) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, r in results.items():
        lines.append(f"| {n:,} | {r['build']:.1f} | {r['build_mb']:.0f} | {r['index_bytes'] / 1e6:.2f} | "
                     f"{r['index_files']:,} | "
                     f"{r['term_bytes'] / 1e6:.2f} | {r['facets_bytes'] / 1e3:.0f} |")
    sizes = list(results)
    lines += ["", "Scripts loaded by one query typed into the header box, before its first results (KB; "
              "`static/search.js` included, app.js not), and ms from typing the query again, every file it "
              "needs loaded, to its results drawn (ranking and drawing, no loading):",
              "", "| query | " + " | ".join(f"{n:,} file:// KB | {n:,} HTTP KB | {n:,} ms (file / HTTP)"
                                           for n in sizes) + " | results at " + f"{sizes[-1]:,} |",
              "| --- | " + " | ".join("---: | ---: | ---:" for _ in sizes) + " | ---: |"]
    for query in SEARCH_QUERIES:
        cells = []
        for n in sizes:
            q = results[n]["queries"][query]
            cells.append(f"{q['file']['bytes'] / 1e3:.1f} | {q['http']['bytes'] / 1e3:.1f} | "
                         f"{q['file']['ms_after_load']:.0f} / {q['http']['ms_after_load']:.0f}")
        found = results[sizes[-1]]["queries"][query]["file"]["results"]
        lines.append(f"| {query} | " + " | ".join(cells) + f" | {found} |")
    return "\n".join(lines)


def read_or_empty(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def machine() -> str:
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, "
            f"Python {platform.python_version()}")


def report(results: dict[int, dict], serve: dict[int, list[float]]) -> str:
    lines = ["| briefs | floor (s) | Hugo (s) | cold build (s) | cold / floor | warm build (s) |"
             " one edit, `build` (s) | one edit / Hugo | edit-to-page, `serve` (ms) | peak MB (ours / floor) |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for n, r in results.items():
        edit_ms = f"{1000 * statistics.median(serve[n]):.0f}" if serve.get(n) else "–"
        lines.append(f"| {n:,} | {r['floor']:.2f} | {r['hugo']:.2f} | {r['cold']:.2f} | {r['cold'] / r['floor']:.2f} | "
                     f"{r['warm']:.2f} | {r['edit']:.2f} | {r['edit'] / r['hugo']:.2f} | {edit_ms} | "
                     f"{r['cold_mb']:.0f} / {r['floor_mb']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", nargs="?", default="all", choices=("all", "edit", "profile", "search"))
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--n", type=int, default=1000, help="size for 'edit'")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="search: query the site an earlier run built")
    parser.add_argument("--write", type=Path, default=None, help="also write the table to this Markdown file")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="explainer-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# {machine()}\n# scratch: {work}", flush=True)
    if args.what == "profile":
        print(profile(args.n, work))
        return 0
    if args.what == "search":
        results = {}
        for n in (int(s) for s in args.sizes.split(",")):
            results[n] = search_figures(n, work, args.reuse)
            print(f"# {n}: built in {results[n]['build']:.1f} s", flush=True)
        table = search_report(results)
        print(table)
        if args.write:
            args.write.write_text(table + "\n", encoding="utf-8")
        return 0
    if args.what == "edit":
        delays = serve_edit_to_page(args.n, args.edits, work)
        print(f"serve edit-to-page at {args.n} briefs over {len(delays)} edits: median "
              f"{1000 * statistics.median(delays):.0f} ms, min {1000 * min(delays):.0f}, max {1000 * max(delays):.0f}")
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    results, serve = {}, {}
    for n in sizes:
        runs = args.runs if n <= 1000 else max(1, min(args.runs, 3))
        results[n] = measure_size(n, runs, work)
        serve[n] = serve_edit_to_page(n, args.edits, work) if n <= 1000 else []
        print(report({n: results[n]}, serve).splitlines()[-1], flush=True)
    table = report(results, serve)
    print(table)
    if args.write:
        args.write.write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
