"""The one pipeline: load -> (markup) -> link -> render -> write, called in a fixed order."""
from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .config import load_config
from .link import SiteGraph, build_graph, duplicate_slugs, link_index
from .load import display_path, load_content
from .markup import Body, LinkIndex, Renderer
from .models import Brief, ContentError, Problem, SiteConfig, UsageError
from .render import Page, make_environment, render_site
from .write import MARKER, output_lock, refuse_output, write_site


@dataclass(frozen=True)
class Options:
    project: Path               # folder of build.py: templates/, static/, site.yml
    content: Path
    out: Path
    config: Path | None = None
    site_url: str | None = None
    drafts: bool = False

    @property
    def templates(self) -> Path:
        return self.project / "templates"

    @property
    def static(self) -> Path:
        return self.project / "static"

    def config_file(self) -> Path | None:
        return self.config if self.config is not None else self.project / "site.yml"


@dataclass(frozen=True)
class Report:
    briefs: int
    pages: int
    files: int
    seconds: float
    warnings: tuple[Problem, ...]


def render_bodies(briefs: tuple[Brief, ...], index: LinkIndex) -> dict[str, Body]:
    renderer = Renderer()
    return {brief.slug: renderer.render(brief, index) for brief in briefs}


def make_graph(options: Options) -> tuple[SiteGraph, list[Problem]]:
    """Load and link; raise ContentError listing every problem if there is one."""
    if not options.content.is_dir():
        raise UsageError(f"no content folder at {options.content}")
    config, problems = load_config(options.config_file(), options.site_url)
    loaded = load_content(options.content)
    problems += list(loaded.problems)
    problems += duplicate_slugs(loaded.briefs)
    briefs = unique_briefs(loaded.briefs)
    bodies = render_bodies(briefs, link_index(briefs))
    problems += [p for body in bodies.values() for p in body.problems]
    graph, link_found = build_graph(briefs, bodies, config, options.drafts)
    problems += link_found + start_here_problems(config, graph, options)
    raise_errors(problems)
    return graph, [p for p in problems if p.warning]


def unique_briefs(briefs: tuple[Brief, ...]) -> tuple[Brief, ...]:
    """The first brief of each slug, so linking can still run and report more."""
    seen: dict[str, Brief] = {}
    for brief in briefs:
        seen.setdefault(brief.slug, brief)
    return tuple(seen.values())


def start_here_problems(config: SiteConfig, graph: SiteGraph, options: Options) -> list[Problem]:
    path = display_path(options.config_file()) if options.config_file() else "site.yml"
    return [Problem(path, 0, f"start_here: no published brief with slug {slug!r}")
            for slug in config.start_here if slug not in graph.by_slug]


def raise_errors(problems: list[Problem]) -> None:
    if any(not p.warning for p in problems):
        raise ContentError(problems)


def render_pages(graph: SiteGraph, options: Options) -> list[Page]:
    try:
        return render_site(graph, make_environment(options.templates), options.static)
    except jinja2.TemplateSyntaxError as error:
        name = display_path(Path(error.filename)) if error.filename else f"templates/{error.name}"
        raise ContentError([Problem(name, error.lineno, f"template syntax error: {error.message}")]) from error
    except jinja2.TemplateError as error:
        raise ContentError([template_problem(error, options.templates)]) from error


def template_problem(error: jinja2.TemplateError, templates: Path) -> Problem:
    """Point at the template line that failed, found in the traceback Jinja rewrites."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith((".html", ".xml"))]
    where = frames[-1] if frames else None
    name = display_path(Path(where.filename)) if where else display_path(templates)
    return Problem(name, where.lineno if where else 0, f"template error: {error}; every name a template "
                                                        "uses must be in its view model (see explainer/render.py)")


def extra_files(config: SiteConfig) -> dict[str, bytes]:
    files = {".nojekyll": b""}
    if config.cname:
        files["CNAME"] = config.cname.encode("utf-8") + b"\n"
    return files


def build(options: Options) -> Report:
    started = time.perf_counter()
    refuse_output(options.out, [options.project, options.content, options.templates, options.static])
    graph, warnings = make_graph(options)
    pages = render_pages(graph, options)
    with output_lock(options.out):
        refuse_output(options.out, [])
        files = write_site(pages, options.static, options.out, extra_files(graph.config))
    return Report(len(graph.briefs), len(pages), files, time.perf_counter() - started, tuple(warnings))


def check(options: Options) -> Report:
    """Everything build does but writing."""
    started = time.perf_counter()
    graph, warnings = make_graph(options)
    pages = render_pages(graph, options)
    return Report(len(graph.briefs), len(pages), 0, time.perf_counter() - started, tuple(warnings))


__all__ = ["Options", "Report", "build", "check", "MARKER"]
