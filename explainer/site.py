"""The one pipeline: load -> markup -> link -> render -> write, called in a fixed order.

Every stage is a pure function of its inputs, so each result is re-used when
its inputs are unchanged: a brief's Markdown by a hash of its text and the link
answers it used, a page by a hash of its view model and the templates, and the
whole build when no input file changed since the build that wrote the output.
"""
from __future__ import annotations

import functools
import hashlib
import io
import itertools
import os
import pickle
import shutil
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import jinja2
import jinja2.meta

from .cache import Cache
from .config import load_config
from .freshness import freshness, scan
from .link import SiteGraph, build_graph, duplicate_slugs, link_index
from .load import display_path, load_content
from .markup import Renderer
from .models import Body, Brief, ContentError, LinkIndex, Problem, SiteConfig, UsageError
from .options import Options, Report
from .parallel import map_in_chunks, stream_in_chunks
from .reads import ReadIndex, RecordingGraph, graph_changes
from .render import PageSpec, make_environment, page_specs, page_view, render_page
from .write import (
    OutputFile,
    Shadow,
    make_shadow,
    output_lock,
    refuse_output,
    reusable_keys,
    write_site,
    write_through_shadow,
)


@dataclass
class Memory:
    """What a long-running process (the dev server) keeps from one build to the next."""
    cache: Cache
    loaded: dict = field(default_factory=dict)
    views: dict = field(default_factory=dict)
    readers: ReadIndex = field(default_factory=ReadIndex)
    graph: SiteGraph | None = None
    environment: jinja2.Environment | None = None
    manifest: dict | None = None       # of the output folder as this process last wrote it
    shadow: Shadow | None = None
    unsaved: bool = False              # manifest not yet in the cache (saved after the reload, off the clock)
    out: Path = Path("site")

    def save(self) -> None:
        if self.unsaved and self.manifest is not None:
            self.cache.store_manifest(self.out, self.manifest)
            self.unsaved = False

    def close(self) -> None:
        self.save()
        if self.shadow is not None:
            shutil.rmtree(self.shadow.folder, ignore_errors=True)
            self.shadow = None
        self.cache.close()


# -- markup, with re-use ----------------------------------------------------------

def render_bodies(briefs: tuple[Brief, ...], index: LinkIndex, cache: Cache, jobs: int,
                  prune: bool = True, unsafe_html: bool = False) -> dict[str, Body]:
    """Every brief's rendered body: from the cache where its inputs are unchanged, else rendered."""
    keys = {b.slug: cache.key_of(b) for b in briefs}
    # Bodies used in the last build were valid for its link index; with the same index they still are.
    checked = set(cache.memory) if index == cache.last_index else set()
    known = cache.bodies(list(keys.values()))
    bodies = {b.slug: known[key] for b in briefs
              if (key := keys[b.slug]) in known and (key in checked or known[key].still_valid(index))}
    cache.last_index = index
    missing = [b for b in briefs if b.slug not in bodies]
    fresh = dict(zip((b.slug for b in missing),
                     map_in_chunks(lambda chunk: render_chunk(chunk, index, unsafe_html), missing, jobs)))
    cache.store_bodies({keys[s]: body for s, body in fresh.items() if not any(not p.warning for p in body.problems)},
                       keep=set(keys.values()), prune=prune)
    return {b.slug: bodies.get(b.slug) or fresh[b.slug] for b in briefs}


def render_chunk(briefs, index: LinkIndex, unsafe_html: bool = False) -> list[Body]:
    renderer = Renderer(unsafe_html)
    return [renderer.render(brief, index) for brief in briefs]


# -- load and link ------------------------------------------------------------------

def make_graph(options: Options, cache: Cache, memory: Memory | None = None,
               content: dict | None = None) -> tuple[SiteGraph, list[Problem]]:
    """Load and link; raise ContentError listing every problem if there is one."""
    if not options.content.is_dir():
        raise UsageError(f"no content folder at {options.content}")
    config, problems = load_config(options.config_file(), options.site_url)
    loaded = load_content(options.content, memory.loaded if memory else None, content)
    if memory is not None:
        memory.loaded = loaded.memo
    problems += list(loaded.problems)
    problems += duplicate_slugs(loaded.briefs)
    briefs = unique_briefs(loaded.briefs)
    bodies = render_bodies(briefs, link_index(briefs), cache, options.jobs, prune=memory is None,
                           unsafe_html=options.unsafe_html)
    problems += [p for body in bodies.values() for p in body.problems]
    graph, link_found = build_graph(briefs, bodies, config, options.drafts)
    problems += link_found + start_here_problems(config, graph, options)
    if any(not p.warning for p in problems):
        raise ContentError(problems)
    return graph, sorted(problems)


def unique_briefs(briefs: tuple[Brief, ...]) -> tuple[Brief, ...]:
    """The first brief of each slug, so linking can still run and report more."""
    seen: dict[str, Brief] = {}
    for brief in briefs:
        seen.setdefault(brief.slug, brief)
    return tuple(seen.values())


def start_here_problems(config: SiteConfig, graph: SiteGraph, options: Options) -> list[Problem]:
    # A warning, not an error: the same site.yml serves any --content folder.
    path = display_path(options.config_file())
    return [Problem(path, 0, f"start_here: no published brief with slug {slug!r}; it is left out", warning=True)
            for slug in config.start_here if slug not in graph.by_slug]


# -- render, with re-use ------------------------------------------------------------

def template_fingerprints(templates: Path) -> dict[str, str]:
    """For each template, a hash of its source and of every template it extends,
    includes or imports: editing one template changes the keys of its pages only."""
    sources = {p.relative_to(templates).as_posix(): p.read_text(encoding="utf-8")
               for p in sorted(templates.rglob("*")) if p.is_file()}
    fingerprints = {}
    for name in sources:
        used = templates_used(name, sources)
        digest = hashlib.sha256()
        for dependency in sorted(used):
            digest.update(dependency.encode() + b"\0" + sources.get(dependency, "").encode() + b"\0")
        fingerprints[name] = digest.hexdigest()
    return fingerprints


def templates_used(name: str, sources: dict[str, str]) -> set[str]:
    """The template and everything it pulls in; a dynamic reference means all of them."""
    used, waiting = set(), [name]
    while waiting:
        current = waiting.pop()
        if current in used:
            continue
        used.add(current)
        references = referenced_templates(sources.get(current, ""))
        if None in references:
            return set(sources)
        waiting.extend(references)
    return used


@functools.lru_cache(maxsize=256)
def referenced_templates(source: str) -> frozenset:
    try:
        return frozenset(jinja2.meta.find_referenced_templates(PARSER.parse(source)))
    except jinja2.TemplateSyntaxError:
        return frozenset()      # reported with its line when the template is rendered


PARSER = jinja2.Environment()


def page_key(fingerprint: str, spec: PageSpec, view: dict) -> str:
    """A hash of everything the page's bytes depend on. The view is pickled without the
    memo ('fast' mode), so equal views give equal bytes whatever objects they share."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.fast = True
    pickler.dump((fingerprint, spec.template, view))
    return hashlib.sha256(buffer.getvalue()).hexdigest()


@dataclass(frozen=True)
class ViewMemo:
    """A page's view model and its key under one set of templates."""
    spec: PageSpec
    css: str
    view: dict
    fingerprint: str | None     # None until the key is computed
    key: str


@dataclass(frozen=True)
class Rendering:
    pages: int
    files: Iterator[OutputFile]     # rendered as they are consumed: the site is never all in memory


def render_outputs(graph: SiteGraph, options: Options, reusable: dict[str, str],
                   memory: Memory | None = None) -> Rendering:
    """Every page as an OutputFile; a page whose key matches the file on disk is not rendered again.

    With a memo (the dev server keeps one), a page's view is not even rebuilt
    while everything it read from the graph is unchanged.
    """
    fingerprints = template_fingerprints(options.templates)
    css_path = options.static / "style.css"
    css = css_path.read_text(encoding="utf-8") if css_path.exists() else ""
    env = environment(options, memory)
    memo = memory.views if memory else None
    stale = memory.readers.stale(graph_changes(memory.graph, graph)) if memory and memory.graph else None

    def view_and_key(spec: PageSpec) -> tuple[dict, str]:
        entry = memo.get(spec.path) if memo is not None else None
        if entry is None or stale is None or spec.path in stale or entry.spec != spec or entry.css != css:
            if memory is None:
                view = page_view(graph, spec, css)
            else:       # note what the view reads, to know when it must be built again
                recorder = RecordingGraph(graph)
                view = page_view(recorder, spec, css)
                memory.readers.record(spec.path, recorder.reads)
            entry = ViewMemo(spec, css, view, None, "")
        fingerprint = fingerprints.get(spec.template, "")
        if entry.fingerprint != fingerprint:
            entry = replace(entry, fingerprint=fingerprint, key=page_key(fingerprint, spec, entry.view))
        if memo is not None:
            memo[spec.path] = entry
        return entry.view, entry.key

    def render_chunk_of_pages(specs: list[PageSpec]) -> list[OutputFile]:
        files = []
        try:
            for spec in specs:
                view, key = view_and_key(spec)
                content = None if reusable.get(spec.path) == key else render_page(env, spec, view)
                files.append(OutputFile(spec.path, key, content))
        except jinja2.TemplateError as error:
            raise template_error(error, options.templates) from error    # here, where the traceback is
        return files

    specs = page_specs(graph)
    if memory is not None:
        for gone in memo.keys() - {spec.path for spec in specs}:
            del memo[gone]
            memory.readers.forget(gone)
    for name in sorted({spec.template for spec in specs if spec.template}):
        try:
            env.get_template(name)      # compiled once here, not once in every worker
        except jinja2.TemplateError as error:
            raise template_error(error, options.templates) from error

    def files() -> Iterator[OutputFile]:
        try:
            # Each file names its path, so the order they come in does not matter.
            yield from stream_in_chunks(render_chunk_of_pages, specs, options.jobs if memory is None else 1,
                                        ordered=False)
        except ContentError:
            if memory is not None:
                # Some views now match this graph and some the last: start the memo afresh.
                memory.views, memory.readers, memory.graph = {}, ReadIndex(), None
            raise
        if memory is not None:
            memory.graph = graph
    return Rendering(len(specs), files())


def template_error(error: jinja2.TemplateError, templates: Path) -> ContentError:
    if isinstance(error, jinja2.TemplateSyntaxError):
        name = display_path(Path(error.filename)) if error.filename else f"templates/{error.name}"
        return ContentError([Problem(name, error.lineno, f"template syntax error: {error.message}")])
    return ContentError([template_problem(error, templates)])


def environment(options: Options, memory: Memory | None) -> jinja2.Environment:
    """One Jinja environment per process: it recompiles a template only when its file changes."""
    if memory is None:
        return make_environment(options.templates)
    if memory.environment is None:
        memory.environment = make_environment(options.templates)
    return memory.environment


def template_problem(error: jinja2.TemplateError, templates: Path) -> Problem:
    """Point at the template line that failed, found in the traceback Jinja rewrites."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith((".html", ".xml"))]
    where = frames[-1] if frames else None
    name = display_path(Path(where.filename)) if where else display_path(templates)
    return Problem(name, where.lineno if where else 0, f"template error: {error}; every name a template "
                                                        "uses must be in its view model (see explainer/render.py)")


def static_outputs(static: Path) -> list[OutputFile]:
    files = []
    for folder, dirs, names in os.walk(static):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(n for n in names if not n.startswith(".")):
            source = Path(folder, name)
            stat = source.stat()
            files.append(OutputFile(f"static/{source.relative_to(static).as_posix()}",
                                    f"static:{stat.st_size}:{stat.st_mtime_ns}", source=source))
    return files


def extra_outputs(config: SiteConfig) -> list[OutputFile]:
    files = {".nojekyll": b""}
    if config.cname:
        files["CNAME"] = config.cname.encode("utf-8") + b"\n"
    return [OutputFile(path, hashlib.sha256(data).hexdigest(), data) for path, data in sorted(files.items())]


# -- the whole build ------------------------------------------------------------------

def build(options: Options, memory: Memory | None = None) -> Report:
    """Build the site into options.out; `memory` carries re-usable results between builds."""
    started = time.perf_counter()
    refuse_output(options.out, [options.project, options.content, options.templates, options.static])
    cache = memory.cache if memory else Cache(options.cache_file(), salt=options.cache_salt())
    try:
        with output_lock(options.out):
            refuse_output(options.out, [])
            return build_locked(options, cache, memory, started)
    finally:
        if memory is None:
            cache.close()


def build_locked(options: Options, cache: Cache, memory: Memory | None, started: float) -> Report:
    """The build proper, while no other build writes the same output folder."""
    previous = memory.manifest if memory and memory.manifest is not None else cache.manifest(options.out)
    content = scan(options.content) if options.content.is_dir() else {}
    inputs, existing, unchanged = freshness(options, cache.version, previous, started, content)
    # The dev server's first build goes all the way, to fill its memory for the edits to come.
    if unchanged is not None and not (memory is not None and memory.graph is None):
        return unchanged
    graph, warnings = make_graph(options, cache, memory, content)
    rendering = render_outputs(graph, options, reusable_keys(existing), memory)
    files = itertools.chain(rendering.files, static_outputs(options.static), extra_outputs(graph.config))
    manifest, changed = write_files(files, options, existing, previous.get("files", {}), memory)
    record = {"inputs": inputs, "files": manifest, "briefs": len(graph.briefs), "pages": rendering.pages,
              "warnings": [list(vars(w).values()) for w in warnings]}
    if memory is None:
        cache.store_manifest(options.out, record)
    else:
        memory.manifest, memory.unsaved, memory.out = record, True, options.out
    return Report(len(graph.briefs), rendering.pages, len(changed), len(manifest) - len(changed),
                  time.perf_counter() - started, tuple(warnings), changed=tuple(sorted(changed)))


def write_files(files: Iterable[OutputFile], options: Options, existing: dict, live: dict,
                memory: Memory | None) -> tuple[dict, list[str]]:
    """Through the dev server's shadow folder when it has one, else through a fresh staging folder."""
    if memory is not None and memory.shadow is not None:
        files = list(files)     # kept, to write them the sure way if the shadow fails
        try:
            return write_through_shadow(files, options.out, existing, live, memory.shadow)
        except OSError:
            # Someone removed or changed the shadow: drop it and write the slow, sure way.
            shutil.rmtree(memory.shadow.folder, ignore_errors=True)
            memory.shadow = None
    manifest, changed = write_site(files, options.out, existing)
    if memory is not None:
        memory.shadow = make_shadow(options.out, manifest)
    return manifest, changed


def check(options: Options) -> Report:
    """Everything build does but writing."""
    started = time.perf_counter()
    cache = Cache(options.cache_file(), salt=options.cache_salt())
    try:
        graph, warnings = make_graph(options, cache)
        rendering = render_outputs(graph, options, {})
        for _ in rendering.files:       # render every page, to find template errors; keep none
            pass
    finally:
        cache.close()
    return Report(len(graph.briefs), rendering.pages, 0, 0, time.perf_counter() - started, tuple(warnings))
