#!/usr/bin/env python3
"""How long the timeline's filters take on a page of 1,000 events, in Chromium.

    .venv/bin/python bench/timeline_filter.py [--events 1000] [--runs 15]

Builds a site of 100 briefs with 10 events each into a temporary folder, opens its
timeline.html from disk in Debian's Chromium (Playwright), and times choosing a topic
and then "all topics" again: the list and the drawing are narrowed together. Prints the
median and the slowest run in milliseconds; the target is under 100 ms. Nothing here is
a test: it prints figures and never fails on them.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from explainer.cli import main  # noqa: E402

TIMED = """async (topic) => {
  const select = document.getElementById('filter-topic');
  const times = [];
  for (const value of [topic, '']) {
    const start = performance.now();
    select.value = value;
    select.dispatchEvent(new Event('change'));
    document.body.getBoundingClientRect();      // include the style and layout work it causes
    await new Promise(requestAnimationFrame);
    times.push(performance.now() - start);
  }
  return times;
}"""


def corpus(folder: Path, events: int) -> None:
    start = dt.date(2015, 1, 1)
    per_brief = 10
    for n in range(events // per_brief):
        lines = [f'  - {{date: {start + dt.timedelta(days=n * 30 + k * 3)}, title: "Event {n}-{k} of the bench", '
                 f'entities: [E{k}]}}' for k in range(per_brief)]
        text = f"---\ntitle: Brief {n}\ndate: 2024-09-19\nsummary: S.\ntopics: [t{n % 5}]\nevents:\n" \
               + "\n".join(lines) + "\n---\n\nText.\n"
        (folder / f"b{n}.md").write_text(text, encoding="utf-8")


def run(events: int, runs: int) -> None:
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp:
        content, out = Path(tmp) / "content", Path(tmp) / "site"
        content.mkdir()
        corpus(content, events)
        (Path(tmp) / "site.yml").write_text("title: Bench\n", encoding="utf-8")
        code = main(["build", "--content", str(content), "--config", str(Path(tmp) / "site.yml"), "--out", str(out),
                     "--no-cache"], PROJECT)
        assert code == 0
        size = (out / "timeline.html").stat().st_size
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            page.goto((out / "timeline.html").as_uri())
            times = []
            for number in range(runs):
                times += page.evaluate(TIMED, f"t{number % 5}")
            browser.close()
    print(f"{events} events, timeline.html {size / 1e6:.2f} MB: filter median {statistics.median(times):.1f} ms, "
          f"slowest {max(times):.1f} ms over {len(times)} changes (target: under 100 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    run(arguments.events, arguments.runs)
