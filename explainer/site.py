"""The one pipeline: load -> markup -> link -> render -> write, called in a fixed order.

Every stage is a pure function of its inputs, and every result re-used from an
earlier build is found under a digest of exactly those inputs, held in one
`ReuseState` (see state.py for what it holds and what must always hold):

- a brief, under the digest of its file (inputs.py declares which files a build reads);
- its rendered Markdown, under the brief's digest, while every link-index answer it
  recorded is unchanged;
- each part of the site graph, while the plain rows it is computed from are equal;
- a page, while the digest of its spec, its templates and every graph part its view
  read is unchanged and the output folder still holds the file that build wrote;
- the whole build, while the digest of every input and option is unchanged.

A `build` in a new process reads the state from the store in the cache folder; the
dev server keeps one state in memory across builds. Both run this same code.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
import jinja2.meta

from .config import load_config
from .freshness import build, open_state  # noqa: F401 - build is the pipeline's entry point
from .inputs import Snapshot, declared_inputs, take_snapshot
from .link import SiteGraph, build_graph, duplicate_slugs, link_index, renames_since
from .load import display_path, load_content
from .markup import Renderer
from .models import (
    Body,
    Brief,
    ContentError,
    LinkIndex,
    Problem,
    Record,
    SiteConfig,
    UsageError,
    in_reading_order,
    suggest,
)
from .options import Options, Report
from .parallel import map_in_chunks, stream_in_chunks
from .reads import MISSING, RecordingGraph, part_reader, reads_key
from .render import WHOLE_SITE_PAGES, PageSpec, make_environment, page_specs, page_view, render_page
from .state import Digester, PageRecord, ReuseState
from .urls import image_path, name_slug
from .write import (
    OutputFile,
    staging_folder,
    write_site,
)

# -- markup, with re-use ----------------------------------------------------------

def body_key(brief: Brief) -> str:
    return hashlib.sha256(f"body\0{brief.fingerprint}".encode()).hexdigest()


def render_bodies(briefs: tuple[Brief | Record, ...], index: LinkIndex, state: ReuseState, jobs: int,
                  unsafe_html: bool) -> dict[str, Body]:
    """Every brief's rendered body (and every record's profile, under "entity:slug" or
    "topic:slug"): re-used where the brief is the same and every answer the body got from
    the link index is still the same, else rendered."""
    keys = {body_name(b): body_key(b) for b in briefs}
    known = state.known_bodies(list(keys.values()))
    bodies = {name: known[key] for name, key in keys.items() if key in known and known[key].still_valid(index)}
    missing = [b for b in briefs if body_name(b) not in bodies]
    rendered = map_in_chunks(lambda chunk: render_chunk(chunk, index, unsafe_html), missing, jobs)
    fresh = {body_name(b): replace(body, fingerprint=hashlib.sha256(f"{keys[body_name(b)]}\0{body.lookups!r}"
                                                                    .encode()).hexdigest())
             for b, body in zip(missing, rendered)}
    state.keep_bodies({keys[s]: body for s, body in fresh.items() if not any(not p.warning for p in body.problems)},
                      used=set(keys.values()))
    return {name: bodies.get(name) or fresh[name] for name in keys}


def body_name(item: Brief | Record) -> str:
    return f"{item.group}:{item.slug}" if isinstance(item, Record) else item.slug


def render_chunk(briefs, index: LinkIndex, unsafe_html: bool = False) -> list[Body]:
    renderer = markdown_renderer(unsafe_html)
    return [renderer.render(brief, index) for brief in briefs]


@functools.lru_cache(maxsize=2)
def markdown_renderer(unsafe_html: bool) -> Renderer:
    """One per process: setting up Python-Markdown costs more than rendering a brief,
    and the renderer resets itself before every brief."""
    return Renderer(unsafe_html)


# -- load and link ------------------------------------------------------------------

def make_graph(options: Options, state: ReuseState, snapshot: Snapshot) -> tuple[SiteGraph, list[Problem]]:
    """Load and link; raise ContentError listing every problem if there is one."""
    if not options.content.is_dir():
        raise UsageError(f"no content folder at {options.content}")
    config, problems = load_config(options.config_file(), options.site_url)
    loaded = load_content(options.content, snapshot.of("content"), state.known_briefs)
    entities = load_content(options.content, snapshot.of("entities"), state.known_briefs, group="entity")
    topics = load_content(options.content, snapshot.of("topics"), state.known_briefs, group="topic")
    state.keep_briefs({**loaded.fresh, **entities.fresh, **topics.fresh},
                      set(loaded.keys | entities.keys | topics.keys))
    problems += [*loaded.problems, *entities.problems, *topics.problems]
    problems += [*duplicate_slugs(loaded.briefs), *duplicate_slugs(entities.briefs), *duplicate_slugs(topics.briefs)]
    briefs = unique_briefs(loaded.briefs)
    records = unique_briefs(entities.briefs) + unique_briefs(topics.briefs)
    images = state.derive("images", image_table, str(Path(os.path.abspath(options.content))),
                          tuple(sorted(snapshot.of("images").items())))
    index = link_index(briefs, loaded.failed_paths, records, config.autolink, images, config.remote_images)
    everything = render_bodies(briefs + records, index, state, options.jobs, options.unsafe_html)
    problems += [p for body in everything.values() for p in body.problems]
    bodies = {b.slug: everything[b.slug] for b in briefs}
    profiles = {(r.group, r.slug): everything[body_name(r)] for r in records}
    graph, link_found = build_graph(briefs, bodies, config, options.drafts, state.derive, loaded.failed, records,
                                    profiles, functools.partial(state.derive_each, map_all=on_cores(options.jobs)))
    problems += link_found + start_here_problems(config, graph, options, loaded.failed)
    if any(not p.warning for p in problems):
        raise ContentError(problems, rename_hints(state, briefs, bodies, loaded.failed, problems))
    return graph, list(in_reading_order(problems))


def on_cores(jobs: int):
    """map_all for ReuseState.derive_each: the items computed in chunks on `jobs` cores."""
    return lambda compute, items: map_in_chunks(lambda chunk: [compute(item) for item in chunk], items, jobs)


def rename_hints(state: ReuseState, briefs, bodies, failed, problems) -> tuple[str, ...]:
    """What the last good site of this output folder says of slugs that are gone: a file
    that appeared since is probably the renamed brief. Said beside the problems, not as
    one: the problems are those of a clean build, with or without a last good site."""
    files = (state.output or {}).get("files", {})
    before = {path[len("briefs/"):-len(".html")] for path in files if path.startswith("briefs/")}
    said = " ".join(p.message for p in problems)
    return tuple(f"{brief.path} looks like a rename of {old!r}: add `slug: {old}` to it to keep the links working"
                 for old, brief in renames_since(before, briefs, bodies, failed)
                 if f"looks like a rename of {old!r}" not in said)


def image_table(content: str, files: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Image's path in the content folder -> "digest WxH" ("digest ?" when its size cannot be
    read): what a body needs to link an image and give its width and height. Reads each file's
    header, under the digest of its bytes."""
    import imagesize  # only where there are images
    table = {}
    for path, digest in files:
        try:
            width, height = imagesize.get(path)
        except (OSError, ValueError):
            width = height = -1
        size = f"{width}x{height}" if width > 0 and height > 0 else "?"
        table[Path(os.path.relpath(path, content)).as_posix()] = f"{digest} {size}"
    return table


def image_outputs(snapshot: Snapshot, content: Path) -> list[OutputFile]:
    root = os.path.abspath(content)
    return [OutputFile(image_path(Path(os.path.relpath(path, root)).as_posix()), f"image:{digest}", source=Path(path))
            for path, digest in snapshot.of("images").items()]


def unique_briefs(briefs: tuple[Brief, ...]) -> tuple[Brief, ...]:
    """The first brief of each slug, so linking can still run and report more."""
    seen: dict[str, Brief] = {}
    for brief in briefs:
        seen.setdefault(brief.slug, brief)
    return tuple(seen.values())


def start_here_problems(config: SiteConfig, graph: SiteGraph, options: Options, failed) -> list[Problem]:
    # A warning, not an error: the same site.yml serves any --content folder. A brief that
    # failed to load is reported by its own error.
    path = display_path(options.config_file())
    return [Problem(path, 0, f"start_here: no published brief with slug {slug!r}; it is left out", warning=True)
            for slug in config.start_here if slug not in graph.by_slug and slug not in failed] + \
        story_problems(config, graph, path)


def story_problems(config: SiteConfig, graph: SiteGraph, path: str) -> list[Problem]:
    """A story's topic that no brief names gathers nothing: a warning, with the nearest topic."""
    known = {g.slug: g.name for g in graph.topics}
    return [Problem(path, story.line, f"stories: {story.name!r}: no brief has the topic {topic!r}, so its lane "
                                      f"leaves it out{suggest(topic, known.values())}", warning=True)
            for story in config.stories for topic in story.topics
            if name_slug(topic) not in known and topic not in graph.topic_slugs]


# -- templates ------------------------------------------------------------------------

def template_sources(snapshot: Snapshot, templates: Path) -> dict[str, str]:
    sources = {}
    for path in snapshot.of("templates"):
        name = Path(path).relative_to(templates.absolute()).as_posix()
        try:
            sources[name] = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            sources[name] = ""      # Jinja reports it, with the file, when a page uses it
    return sources


def template_fingerprints(sources: dict[str, str]) -> dict[str, str]:
    """For each template, a hash of its source and of every template it extends,
    includes or imports: editing one template changes the keys of its pages only."""
    fingerprints = {}
    for name in sources:
        digest = hashlib.sha256()
        for dependency in sorted(templates_used(name, sources)):
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


def referenced_templates(source: str) -> frozenset:
    try:
        return frozenset(jinja2.meta.find_referenced_templates(PARSER.parse(source)))
    except jinja2.TemplateSyntaxError:
        return frozenset()      # reported with its line when the template is rendered


PARSER = jinja2.Environment()
TEMPLATE_SUFFIXES = (".html", ".xml", ".js", ".txt")      # how a template's frame shows in a traceback


def environment(options: Options, state: ReuseState, snapshot: Snapshot) -> jinja2.Environment:
    """One Jinja environment while the templates' bytes are the same; a new one when any changes."""
    digest = hashlib.sha256(repr(sorted(snapshot.of("templates").items())).encode()).hexdigest()
    if state.environment is None or state.environment[0] != digest:
        state.environment = (digest, make_environment(options.templates))
    return state.environment[1]


# -- render, with re-use ------------------------------------------------------------

TEMPLATES = ("<templates>", "")     # the entry that holds the template fingerprints the pages used

@dataclass(frozen=True)
class Rendered:
    file: OutputFile
    record: PageRecord


@dataclass(frozen=True)
class Rendering:
    pages: int
    files: Iterator[OutputFile]     # rendered as they are consumed: the site is never all in memory
    records: dict[str, PageRecord]  # filled in as `files` is consumed
    entries: dict[tuple, tuple]     # read -> (value, entry) of this graph, for the next build to compare


def render_outputs(graph: SiteGraph, options: Options, state: ReuseState, snapshot: Snapshot,
                   existing: dict) -> Rendering:
    """Every page as an OutputFile. A page whose record's key still holds for this graph and
    whose file the output folder still holds is neither built nor rendered again."""
    fingerprints = state.remembered("templates", repr(sorted(snapshot.of("templates").items())),
                                    lambda: template_fingerprints(template_sources(snapshot, options.templates)))
    css_path = options.static / "style.css"
    extras = {"stylesheet": css_path.read_text(encoding="utf-8") if css_path.is_file() else ""}
    env = environment(options, state, snapshot)
    records, last = state.page_records(), state.entries
    entries: dict[tuple, tuple] = {}        # read -> (the value it sees now, its entry in a page key)
    texts: dict[tuple, str] = {}            # read -> its entry in a page key
    changed: set[tuple] = set()             # reads whose entry is not the very one of the last build
    part = part_reader(graph, extras)
    value_digest = Digester()
    entries[TEMPLATES] = (fingerprints, "")
    before = last.get(TEMPLATES)
    same_templates = before is not None and before[0] is fingerprints

    def value_of(read: tuple) -> str:
        text = texts.get(read)
        if text is None:
            value = part(read)
            before = last.get(read)
            if before is not None and before[0] is value:     # the very same immutable value
                known = before
            else:
                known = (value, f"{read!r}\0{'missing' if value is MISSING else value_digest(value)}")
                changed.add(read)
            entries[read], text = known, known[1]
            texts[read] = text
        return text

    for record in records.values():     # every part read by the last build, each digested once
        for read in record.reads:
            if read not in texts:
                value_of(read)

    def fields_of(spec: PageSpec) -> tuple:
        return spec.template, spec.path, spec.kind, spec.slug

    def head(spec: PageSpec) -> str:
        return f"{fields_of(spec)!r}\0{fingerprints.get(spec.template, '')}"

    def still_good(spec: PageSpec) -> PageRecord | None:
        """The page's record, if its key holds for this graph and the output folder has its file."""
        record, old = records.get(spec.path), existing.get(spec.path)
        if record is None or record.spec != fields_of(spec) or old is None or old.key != record.key:
            return None
        if same_templates and changed.isdisjoint(record.reads):
            # Every entry its key was made from is the very same one, in this same process
            # (the last build's records and entries are kept together): the key holds as is.
            return record
        return record if reads_key(head(spec), record.reads, texts.__getitem__) == record.key else None

    def page(spec: PageSpec) -> Rendered:
        fields, old = fields_of(spec), existing.get(spec.path)
        recorder = RecordingGraph(graph, extras)
        view = page_view(recorder, spec)
        reads = tuple(sorted(recorder.reads, key=repr))
        key = reads_key(head(spec), reads, value_of)
        content = None if old is not None and old.key == key else render_page(env, spec, view)
        return Rendered(OutputFile(spec.path, key, content), PageRecord(fields, reads, key))

    def render_chunk_of_pages(specs: list[PageSpec]) -> list[Rendered]:
        try:
            return [page(spec) for spec in specs]
        except jinja2.TemplateError as error:
            raise template_error(error, options.templates) from error    # here, where the traceback is
        except Exception as error:
            if not in_template(error):
                raise
            # e.g. a TypeError from an expression in a template: the author's, not ours
            raise ContentError([template_problem(error, options.templates)]) from error

    specs = page_specs(graph)
    made: dict[str, PageRecord] = {}
    to_make = []
    for spec in specs:      # checked here: only the pages to make go to the workers
        record = still_good(spec)
        if record is None:
            to_make.append(spec)
        else:
            made[spec.path] = record
    for name in sorted({spec.template for spec in to_make if spec.template}):
        try:
            env.get_template(name)      # compiled once here, not once in every worker
        except jinja2.TemplateError as error:
            raise template_error(error, options.templates) from error

    def files() -> Iterator[OutputFile]:
        for path, record in list(made.items()):
            yield OutputFile(path, record.key)
        # Each file names its path, so the order they come in does not matter.
        shared: dict[tuple, tuple] = {}     # one tuple per read, not one per page that made it
        slowest = sorted((s for s in to_make if s.kind in WHOLE_SITE_PAGES),
                         key=lambda spec: WHOLE_SITE_PAGES.index(spec.kind))
        queue = slowest + [s for s in to_make if s.kind not in WHOLE_SITE_PAGES]
        for rendered in stream_in_chunks(render_chunk_of_pages, queue, options.jobs, ordered=False,
                                         alone=len(slowest)):
            record = rendered.record
            made[rendered.file.path] = replace(record, reads=tuple(shared.setdefault(r, r) for r in record.reads))
            yield rendered.file
    return Rendering(len(specs), files(), made, entries)


def template_error(error: jinja2.TemplateError, templates: Path) -> ContentError:
    if isinstance(error, jinja2.TemplateSyntaxError):
        name = display_path(Path(error.filename)) if error.filename else f"templates/{error.name}"
        return ContentError([Problem(name, error.lineno, f"template syntax error: {error.message}")])
    return ContentError([template_problem(error, templates)])


def in_template(error: BaseException) -> bool:
    return any(f.filename.endswith(TEMPLATE_SUFFIXES) for f in traceback.extract_tb(error.__traceback__))


def template_problem(error: Exception, templates: Path) -> Problem:
    """Point at the template line that failed, found in the traceback Jinja rewrites."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(TEMPLATE_SUFFIXES)]
    where = frames[-1] if frames else None
    name = display_path(Path(where.filename)) if where else display_path(templates)
    return Problem(name, where.lineno if where else 0, f"template error: {error}; every name a template "
                                                        "uses must be in its view model (see explainer/render.py)")


def static_outputs(snapshot: Snapshot, static: Path) -> list[OutputFile]:
    root = static.absolute()
    return [OutputFile(f"static/{Path(path).relative_to(root).as_posix()}", f"static:{digest}", source=Path(path))
            for path, digest in snapshot.of("static").items()]


def extra_outputs(config: SiteConfig) -> list[OutputFile]:
    files = {".nojekyll": b""}
    if config.cname:
        files["CNAME"] = config.cname.encode("utf-8") + b"\n"
    return [OutputFile(path, hashlib.sha256(data).hexdigest(), data) for path, data in sorted(files.items())]


# -- the whole build ------------------------------------------------------------------

def build_locked(options: Options, state: ReuseState, started: float, key: str, snapshot: Snapshot,
                 existing: dict, persist: bool) -> Report:
    """The build proper, while no other build writes the same output folder (freshness.build
    holds the lock and has taken the snapshot of the inputs)."""
    graph, warnings = make_graph(options, state, snapshot)
    rendering = render_outputs(graph, options, state, snapshot, existing)
    files = itertools.chain(rendering.files, static_outputs(snapshot, options.static),
                            image_outputs(snapshot, options.content), extra_outputs(graph.config))
    manifest, changed = write_site(files, options.out, existing, staging_folder(options.cache_dir(), options.out))
    output = {"key": key, "files": manifest, "briefs": len(graph.briefs), "pages": rendering.pages,
              "warnings": [list(vars(w).values()) for w in warnings]}
    state.keep_output(str(options.out.resolve()), output, rendering.records, rendering.entries)
    if persist:
        state.save()
    return Report(len(graph.briefs), rendering.pages, len(changed), len(manifest) - len(changed),
                  time.perf_counter() - started, tuple(warnings), changed=tuple(sorted(changed)))


def check(options: Options) -> Report:
    """Everything build does but writing."""
    started = time.perf_counter()
    state = open_state(options)
    try:
        snapshot = take_snapshot(declared_inputs(options))
        graph, warnings = make_graph(options, state, snapshot)
        rendering = render_outputs(graph, options, state, snapshot, {})
        for _ in rendering.files:       # render every page, to find template errors; keep none
            pass
    finally:
        state.close()
    return Report(len(graph.briefs), rendering.pages, 0, 0, time.perf_counter() - started, tuple(warnings))
