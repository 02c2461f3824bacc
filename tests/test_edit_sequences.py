"""Random sequences of an author's ordinary edits, checked after every step against a clean build.

The same sequence drives two incremental builders:
- the dev server's rebuilder, one long-lived ReuseState in this process (as `serve` keeps it);
- `build.py build` in a new process each step, with its own cache folder present (the
  process is forked from a server that has only imported Explainer: it starts with nothing
  a build left in memory, as a new process does, without paying for Python's start-up).

After every step each output folder must equal a clean `--no-cache` build byte for byte; when
the clean build fails, both must still hold exactly the last good site, and both must report
exactly the clean build's problems. EXPLAINER_EDIT_STEPS sets how many steps in all (300 by
default); EXPLAINER_EDIT_RANDOM=1 draws new sequences instead of the fixed, seeded ones.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from explainer import site
from explainer.models import ContentError
from explainer.serve import Rebuilder

from conftest import PROJECT, cli_in_new_process

# Each process build is a child of a fork server that has only imported Explainer (see
# cli_in_new_process); test_cli runs build.py itself in real new processes.
NEW_PROCESSES = multiprocessing.get_context("forkserver")
NEW_PROCESSES.set_forkserver_preload(["conftest", "explainer.site", "explainer.freshness", "explainer.render"])

STEPS = int(os.environ.get("EXPLAINER_EDIT_STEPS", "300"))
STEPS_PER_SEQUENCE = 20
SLUGS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
FOLDERS = ["", "trade/", "brics/"]


@dataclass
class BriefModel:
    """What the model knows of one brief; `text()` is its file."""
    slug: str
    file: str                           # path inside content/
    title: str
    date: str
    links: list[str]
    sentences: list[str] = field(default_factory=list)
    draft: bool = False
    broken_yaml: bool = False
    broken_link: bool = False
    unknown_citation: bool = False

    def text(self) -> str:
        quote = '"' if self.broken_yaml else ""       # an opening quote never closed
        front = [f"title: {quote}{self.title}", f"date: {self.date}",
                 "summary: What this brief is about.", "topics: [trade]", f"entities: [{self.slug.title()}]",
                 f"events: [{{date: {self.date[:7]}, title: 'Event of {self.slug}'}}]",
                 "sources: [{id: s1, title: 'A source', publisher: Reuters, url: 'https://example.org/a'}]"]
        if Path(self.file).stem != self.slug:
            front.append(f"slug: {self.slug}")
        if self.draft:
            front.append("draft: true")
        body = ["## Background", "", f"This is {self.title}, as reported [@s1].",
                "", "Alpha met Beta and Gamma; Alpha spoke first."]     # auto-linked once records exist
        if self.file.count("/") == 0:
            body += ["", "![A chart](chart.png)"]      # fails while the image is missing
        body += [f"See [[{target}]]." for target in self.links]
        body += self.sentences
        if self.broken_link:
            body.append("Also see [[no-such-brief]].")
        if self.unknown_citation:
            body.append("As nobody said [@nobody].")
        return "\n".join(["---", *front, "---", "", *body, ""])


def tree(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def new_project(root: Path) -> Path:
    """A whole project of its own (engine included), so a build in a new process reads its templates."""
    for name in ("templates", "static", "explainer"):
        shutil.copytree(PROJECT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "build.py", root / "build.py")
    (root / "site.yml").write_text("title: Edit sequences\n", encoding="utf-8")
    return root


class AuthorEdits(RuleBasedStateMachine):
    DRAFTS = False      # the dev server with --no-drafts, against `build`

    def __init__(self):
        super().__init__()
        import tempfile
        self.root = Path(tempfile.mkdtemp(prefix="explainer-edits-"))
        self.project = new_project(self.root / "project")
        self.content = self.project / "content"
        self.briefs: dict[str, BriefModel] = {}
        self.trash: dict[str, BriefModel] = {}
        self.last_good: dict[str, bytes] | None = None
        self.options = site.Options(project=self.project, content=self.content, out=self.root / "served",
                                    config=self.project / "site.yml", jobs=1, drafts=self.DRAFTS)
        self.rebuilder: Rebuilder | None = None
        self.clean_builds: dict[tuple, tuple] = {}     # input files -> what a clean build of them gives

    def teardown(self):
        if self.rebuilder is not None:
            self.rebuilder.state.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the files, from the model ------------------------------------------------------------
    def write(self, brief: BriefModel) -> None:
        path = self.content / brief.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(brief.text(), encoding="utf-8")

    def edit(self, slug: str, **changes) -> None:
        self.briefs[slug] = replace(self.briefs[slug], **changes)
        self.write(self.briefs[slug])

    @initialize()
    def start(self):
        for number, slug in enumerate(SLUGS[:3]):
            self.briefs[slug] = BriefModel(slug, f"{FOLDERS[number]}{slug}.md", f"Brief {slug}",
                                      f"2024-0{number + 1}-15", [SLUGS[(number + 1) % 3]])
            self.write(self.briefs[slug])
        from test_images import png
        (self.content / "chart.png").write_bytes(png(8, 4))
        self.rebuilder = Rebuilder(self.options, on_built=lambda *outcome: None)

    # -- the author's operations ----------------------------------------------------------------
    @precondition(lambda self: len(self.briefs) + len(self.trash) < len(SLUGS))
    @rule(folder=st.sampled_from(FOLDERS), link=st.booleans())
    def add_brief(self, folder, link):
        slug = next(s for s in SLUGS if s not in self.briefs and s not in self.trash)
        links = [sorted(self.briefs)[0]] if link and self.briefs else []
        self.briefs[slug] = BriefModel(slug, f"{folder}{slug}.md", f"Brief {slug}", "2024-05-01", links)
        self.write(self.briefs[slug])

    @precondition(lambda self: self.briefs)
    @rule(data=st.data())
    def edit_body(self, data):
        slug = data.draw(st.sampled_from(sorted(self.briefs)))
        self.edit(slug, sentences=self.briefs[slug].sentences + [f"Sentence {len(self.briefs[slug].sentences)}."])

    @precondition(lambda self: self.briefs)
    @rule(data=st.data(), title=st.sampled_from(["Trade talks", "The BRICS bid", "Peace summit", "Kazan"]))
    def retitle(self, data, title):
        self.edit(data.draw(st.sampled_from(sorted(self.briefs))), title=title)

    @precondition(lambda self: self.briefs)
    @rule(data=st.data(), date=st.sampled_from(["2023-06-01", "2024-06-15", "2024-10-22", "2022-02-24"]))
    def redate(self, data, date):
        self.edit(data.draw(st.sampled_from(sorted(self.briefs))), date=date)

    @precondition(lambda self: len(self.briefs) > 1)
    @rule(data=st.data())
    def delete(self, data):
        slug = data.draw(st.sampled_from(sorted(self.briefs)))
        (self.content / self.briefs[slug].file).unlink()
        self.trash[slug] = self.briefs.pop(slug)

    @precondition(lambda self: self.trash)
    @rule(data=st.data())
    def restore(self, data):
        slug = data.draw(st.sampled_from(sorted(self.trash)))
        self.briefs[slug] = self.trash.pop(slug)
        self.write(self.briefs[slug])

    @precondition(lambda self: self.briefs)
    @rule(data=st.data(), folder=st.sampled_from(FOLDERS))
    def rename_keeping_slug(self, data, folder):
        slug = data.draw(st.sampled_from(sorted(self.briefs)))
        (self.content / self.briefs[slug].file).unlink()
        stem = "renamed-" + slug if Path(self.briefs[slug].file).stem == slug else slug
        self.edit(slug, file=f"{folder}{stem}.md")

    @precondition(lambda self: self.briefs)
    @rule(data=st.data(), flag=st.sampled_from(["broken_yaml", "broken_link", "unknown_citation", "draft"]))
    def toggle(self, data, flag):
        """Break or fix the YAML, a link or a citation; make a brief a draft or publish it."""
        slug = data.draw(st.sampled_from(sorted(self.briefs)))
        self.edit(slug, **{flag: not getattr(self.briefs[slug], flag)})

    @rule(slug=st.sampled_from(SLUGS), what=st.sampled_from(["write", "reword", "alias", "break", "delete"]))
    def edit_entity_record(self, slug, what):
        """The records are inputs too: write, change, break or delete an entity's record."""
        path = self.content / "_entities" / f"{slug}.md"
        if what == "delete":
            path.unlink(missing_ok=True)
            return
        description = {"reword": "Named in the briefs, reworded."}.get(what, "Named in the briefs.")
        lines = ["---", f"name: {slug.title()}", f"description: {description}",
                 *([] if what == "break" else ["kind: other"]),
                 *([f"aliases: [{slug.upper()}]"] if what == "alias" else []), "---", "",
                 f"A profile of {slug} that links [[topic:trade]]."]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @rule(size=st.sampled_from([0, 8, 16]))
    def edit_image(self, size):
        """Images are inputs too: add, resize or delete the one every brief shows."""
        path = self.content / "chart.png"
        if size == 0:
            path.unlink(missing_ok=True)
        else:
            from test_images import png
            path.write_bytes(png(size, size // 2))

    @rule(present=st.booleans())
    def edit_topic_record(self, present):
        path = self.content / "_topics" / "trade.md"
        if present:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("---\nname: trade\ndescription: Goods and payments.\n---\n", encoding="utf-8")
        else:
            path.unlink(missing_ok=True)

    @rule(wording=st.sampled_from(["min read", "minutes to read", "min{% if", "min read"]))
    def edit_template(self, wording):
        path = self.project / "templates/brief.html"
        text = path.read_text(encoding="utf-8")
        for old in ("minutes to read", "min{% if", "min read"):
            text = text.replace(f"}} {old}</span>", f"}} {wording}</span>")
        path.write_text(text, encoding="utf-8")

    @rule(colour=st.sampled_from(["red", "blue", "green"]))
    def edit_stylesheet(self, colour):
        with open(self.project / "static/style.css", "a", encoding="utf-8") as handle:
            handle.write(f"\n.edited {{ color: {colour}; }}\n")

    @rule(title=st.sampled_from(["Edit sequences", "Another title", "Sanctions and summits"]))
    def edit_site_settings(self, title):
        autolink = "autolink: false\n" if title == "Another title" else ""
        (self.project / "site.yml").write_text(f"title: {title}\n{autolink}", encoding="utf-8")

    # -- after every step -----------------------------------------------------------------------
    def clean_build(self) -> tuple[dict[str, bytes] | None, list[str]]:
        """A clean `--no-cache` build of the inputs as they are now. A clean build is a pure
        function of the input files' paths and bytes, so a sequence that comes back to inputs it
        had (a flag toggled twice, a record deleted that was not there) is not built again."""
        inputs = self.input_files()
        if inputs in self.clean_builds:
            return self.clean_builds[inputs]
        clean = replace(self.options, out=self.root / "clean", use_cache=False)
        shutil.rmtree(clean.out, ignore_errors=True)
        try:
            site.build(clean)
            outcome = tree(clean.out), []
        except ContentError as error:
            outcome = None, [str(p) for p in error.problems]
        self.clean_builds[inputs] = outcome
        return outcome

    def input_files(self) -> tuple:
        """Every file a build of this project can read, with its bytes (engine and build.py
        apart: they never change within a sequence)."""
        folders = [self.content, self.project / "templates", self.project / "static"]
        files = [self.project / "site.yml", *(p for f in folders for p in sorted(f.rglob("*")) if p.is_file())]
        return tuple((str(p), p.read_bytes()) for p in files if p.exists())

    def start_process_build(self):
        """`build.py build` in a new process with a cache of its own: successive process builds
        are one lineage, the dev server's state another. It runs while this process builds."""
        argv = ["build", "--content", str(self.content), "--out", str(self.root / "built"),
                "--config", str(self.project / "site.yml"), "--cache", str(self.root / "process-cache"),
                "--jobs", "1", *(["--drafts"] if self.DRAFTS else [])]
        errors = self.root / "process-stderr.txt"
        process = NEW_PROCESSES.Process(target=cli_in_new_process, args=(argv, self.project, str(errors)))
        process.start()
        return process, errors

    @invariant()
    def incremental_equals_clean(self):
        if self.rebuilder is None:
            return
        process, errors = self.start_process_build()
        expected, problems = self.clean_build()
        self.rebuilder.build_now("step")
        self.rebuilder.state.save()
        process.join()
        code, stderr = process.exitcode, errors.read_text(encoding="utf-8")
        if expected is not None:
            self.last_good = expected
            assert self.rebuilder.problems == (), self.rebuilder.problems
            assert code == 0, stderr
        else:
            assert [str(p) for p in self.rebuilder.problems] == problems
            assert code == 1, stderr
            # Follow-on problems are printed indented under their cause; hints go first, beside them.
            printed = [line.strip() for line in stderr.splitlines()
                       if not line.endswith("nothing was written:") and not line.startswith("hint: ")]
            assert printed == problems
        if self.last_good is not None:
            assert tree(self.root / "served") == self.last_good
            assert tree(self.root / "built") == self.last_good


class AuthorEditsWithDrafts(AuthorEdits):
    DRAFTS = True       # the dev server as it starts (drafts shown), against `build --drafts`


def sequence_settings(steps: int):
    return settings(max_examples=max(1, steps // STEPS_PER_SEQUENCE), stateful_step_count=STEPS_PER_SEQUENCE,
                    deadline=None, derandomize=os.environ.get("EXPLAINER_EDIT_RANDOM") != "1", database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def sequence_tests(machine, steps: int, parts: int) -> list:
    """The machine's sequences as `parts` tests of their own, each with its own seed, so that
    workers can run them side by side (EXPLAINER_EDIT_RANDOM=1 draws new seeds)."""
    tests = []
    for part in range(parts):
        part_machine = type(f"{machine.__name__}Part{part + 1}", (machine,), {})
        if os.environ.get("EXPLAINER_EDIT_RANDOM") != "1":
            part_machine = seed(part + 1)(part_machine)
        part_machine.TestCase.settings = sequence_settings(steps // parts)
        tests.append(part_machine.TestCase)
    return tests


(test_edit_sequences_equal_a_clean_build_1, test_edit_sequences_equal_a_clean_build_2,
 test_edit_sequences_equal_a_clean_build_3) = sequence_tests(AuthorEdits, STEPS, 3)
(test_edit_sequences_with_drafts_equal_build_drafts,) = sequence_tests(AuthorEditsWithDrafts, STEPS // 3, 1)
