"""`check --sources`: what an editor needs to see of each brief's sourcing. A report, not a
gate: it writes nothing and always exits 0.

For each brief, from its rendered body (the graph the build makes, never a second parse):
- how many paragraphs cite at least one source, how many are labelled analysis
  (*Analysis:*) and cite none, and how many do neither;
- sources listed in its front matter that its text never cites;
- paragraphs whose claims rest on a single source, so an editor can check that this one
  source supports them.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass

from .inputs import declared_inputs, take_snapshot
from .markup import plain_text
from .models import Body, Brief, ContentError, UsageError
from .options import Options

PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
CITED = re.compile(r'<a\b[^>]*\bhref="#src-([^"]+)"')
ANALYSIS = re.compile(r"<em>Analysis:?</em>|^\s*Analysis:", re.IGNORECASE)


@dataclass(frozen=True)
class Paragraph:
    line: int
    text: str
    sources: tuple[str, ...]     # distinct source ids it cites, in order
    analysis: bool


@dataclass(frozen=True)
class Sourcing:
    brief: Brief
    paragraphs: tuple[Paragraph, ...]
    never_cited: tuple[str, ...]

    @property
    def cited(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if p.sources]

    @property
    def analysis(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if not p.sources and p.analysis]

    @property
    def uncited(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if not p.sources and not p.analysis]

    @property
    def single_source(self) -> list[Paragraph]:
        return [p for p in self.paragraphs if len(p.sources) == 1]


def sourcing_of(brief: Brief, body: Body) -> Sourcing:
    paragraphs = []
    searched_from, line = 0, brief.body_line
    for match in PARAGRAPH.finditer(body.html):
        text = re.sub(r"\s+([.,;:!?])", r"\1", plain_text(match.group(1)))     # where a citation mark was
        if not text:
            continue
        line, searched_from = source_line(brief, text, searched_from, line)
        paragraphs.append(Paragraph(line, text, tuple(dict.fromkeys(CITED.findall(match.group(1)))),
                                    bool(ANALYSIS.search(match.group(1)))))
    cited = set(body.citations)
    return Sourcing(brief, tuple(paragraphs), tuple(s.id for s in brief.sources if s.id not in cited))


def source_line(brief: Brief, text: str, start: int, previous: int) -> tuple[int, int]:
    """The file line where a paragraph starts: its first words, found in the Markdown in order
    (when markup hides them, the line of the paragraph before)."""
    # Each word as its letters and digits with anything between them ("summit's", "full-scale"),
    # and anything between words (Markdown's *, [, ] and the like).
    words = [r"\W*".join(map(re.escape, re.findall(r"\w+", w))) for w in text.split()[:4]]
    pattern = r"\W+".join(w for w in words if w)
    found = re.compile(pattern).search(brief.body, start) if pattern else None
    if found is None:
        return previous, start
    return brief.body_line + brief.body.count("\n", 0, found.start()), found.end()


def report_lines(item: Sourcing) -> list[str]:
    lines = [item.brief.path,
             f"  paragraphs: {len(item.cited)} cited, {len(item.analysis)} labelled analysis, "
             f"{len(item.uncited)} uncited" + (f" (lines {', '.join(str(p.line) for p in item.uncited)})"
                                                if item.uncited else "")]
    if item.never_cited:
        lines.append(f"  listed but never cited: {', '.join(item.never_cited)}")
    for paragraph in item.single_source:
        lines.append(f"  line {paragraph.line}: rests on [@{paragraph.sources[0]}] alone: "
                     f"{shortened(paragraph.text)}")
    return lines


def shortened(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def print_sourcing_report(options: Options) -> None:
    """The report on standard output; never writes a file, not even the build cache."""
    from .site import make_graph  # the engine: this is a command of its own
    from .state import ReuseState
    state = ReuseState.open(None)
    try:
        graph, _ = make_graph(options, state, take_snapshot(declared_inputs(options)))
    except ContentError as error:
        print(f"No sourcing report: the content has {len([p for p in error.problems if not p.warning])} "
              "problem(s); run 'build.py check' to see them.", file=sys.stderr)
        return
    except UsageError as error:
        print(f"No sourcing report: {error}", file=sys.stderr)
        return
    finally:
        state.close()
    items = [sourcing_of(brief, graph.bodies[brief.slug]) for brief in sorted(graph.briefs, key=lambda b: b.path)]
    for item in items:
        print("\n".join(report_lines(item)))
    total = sum(len(i.paragraphs) for i in items)
    print(f"{len(items)} briefs, {total} paragraphs: {sum(len(i.cited) for i in items)} cited, "
          f"{sum(len(i.analysis) for i in items)} labelled analysis, {sum(len(i.uncited) for i in items)} uncited; "
          f"{sum(len(i.never_cited) for i in items)} sources never cited; "
          f"{sum(len(i.single_source) for i in items)} paragraphs resting on one source")
