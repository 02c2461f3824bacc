"""`build.py serve`: build, serve the output with livereload, rebuild on every save.

What livereload does by default, and what this module does instead:
- it polls the tree every 0.8 s: we give it a watchdog-based watcher (inotify on
  Linux) and debounce bursts of events;
- it ignores a reload within 3 s of the previous one: we send reloads ourselves,
  straight to the connected browsers, after each rebuild;
- its reload bootstrap is an inline script, which a Content-Security-Policy
  forbidding inline script blocks: we inject `<script src="/livereload.js">`;
- a missing page gets tornado's bare "404: Not Found": we serve the site's 404.html;
- a busy port raises a raw OSError: we take the next free port and say so;
- its reload websocket accepts any origin: ours accepts only the served origin;
- rebuilds would run on the server thread and stall requests: ours run on their own thread.
A failed rebuild leaves the last good site in place and shows the problems in
an overlay on every page until a save fixes them.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import errno
import hashlib
import html
import logging
import os
import re
import threading
import time
import traceback
import webbrowser
from pathlib import Path

from livereload import Server
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import web
from tornado.ioloop import IOLoop
from tornado.websocket import WebSocketHandler
from watchdog.events import FileSystemEventHandler
from watchdog.observers import Observer

from . import site
from .freshness import build, open_state
from .inputs import declared_inputs
from .models import ContentError, Problem, UsageError, problem_count

DEBOUNCE_SECONDS = 0.01
FOLDER_SETTLE_SECONDS = 0.3
PORT_ATTEMPTS = 20
OVERLAY_CSS = (Path(__file__).parent / "overlay.css").read_text(encoding="utf-8")
OVERLAY_JS = (Path(__file__).parent / "overlay.js").read_text(encoding="utf-8")


def say(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


class Rebuilder:
    """Runs one build at a time on its own thread, after a burst of changes settles.

    No failure of a build ends the thread or the server: a content problem is shown
    and the state keeps what it verified; any other failure (a usage problem, a file
    system error, a bug in Explainer) is shown too, and the next build starts from a
    clean state, so that the same fault cannot feed it.
    """

    def __init__(self, options: site.Options, on_built):
        self.options = options
        self.inputs = declared_inputs(options)
        self.state = open_state(options)
        self.on_built = on_built            # called with (report or None, changed paths, had problems)
        self.problems: tuple = ()
        self.hints: tuple[str, ...] = ()   # what the last good site suggests about the problems' cause
        self.warnings: tuple = ()          # of the last build that succeeded: a dismissible notice on pages
        self._changed: set[str] = set()
        self._last_event = 0.0
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="explainer-rebuild", daemon=True)

    def build_now(self, reason: str, warm: bool = False) -> site.Report | None:
        started = time.perf_counter()
        try:
            report = build(self.options, self.state, warm=warm)
        except ContentError as error:
            self.hints = error.hints
            return self.failed(reason, error.problems)
        except UsageError as error:
            self.state.forget_all()
            self.hints = ()
            return self.failed(reason, (Problem("build.py", 0, str(error)),))
        except OSError as error:
            self.state.forget_all()
            self.hints = ()
            return self.failed(reason, (Problem(error.filename or "build", 0, f"{error.strerror or error}; "
                                                "fix the file or folder named and save again"),))
        except Exception as error:
            self.state.forget_all()
            self.hints = ()
            say(f"{reason}: this is a bug in Explainer; please report it with the traceback below")
            traceback.print_exc()
            return self.failed(reason, (Problem("Explainer", 0, f"this is a bug in Explainer: "
                                                f"{type(error).__name__}: {error}; the terminal shows the "
                                                "traceback; the next save rebuilds from scratch"),), said=True)
        fixed = bool(self.problems)
        self.problems, self.hints = (), ()
        pages = [p for p in report.changed if p.endswith(".html")]
        shown = ", ".join(pages[:3]) + (f" and {len(pages) - 3} more" if len(pages) > 3 else "")
        took = f"{1000 * (time.perf_counter() - started):.0f} ms"
        if fixed:
            say(f"{reason}: fixed: site is up to date again (rebuilt in {took})")
        elif report.up_to_date:
            if reason != NOTHING_NAMED:         # a folder or an editor's temporary file: nothing to say
                say(f"{reason}: the site is already up to date")
        else:
            say(f"{reason}: rebuilt in {took}, {len(pages)} page{'s' if len(pages) != 1 else ''} written"
                + (f" ({shown})" if pages else ""))
        if report.warnings and (report.warnings != self.warnings or fixed):
            for warning in report.warnings:
                print(f"  {warning}", flush=True)
        self.warnings = tuple(report.warnings)
        return report

    def failed(self, reason: str, problems: tuple, said: bool = False) -> None:
        self.problems = tuple(problems)
        errors = [p for p in problems if not p.warning]
        if not said:
            say(f"{reason}: {problem_count(errors)}; still serving the last good site")
        for hint in self.hints:
            print(f"  hint: {hint}", flush=True)
        for problem in problems:
            print(("    " if problem.cause else "  ") + str(problem), flush=True)
        return None

    def start(self) -> None:
        # Later builds share the process with the server's threads: no forking.
        self.options = dataclasses.replace(self.options, jobs=1)
        self._thread.start()

    def changed(self, path: str) -> None:
        with self._wake:
            self._changed.add(path)
            self._last_event = time.monotonic()
            self._wake.notify()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._changed:
                    self._wake.wait()
                while time.monotonic() - self._last_event < DEBOUNCE_SECONDS:
                    self._wake.wait(DEBOUNCE_SECONDS)
                changed, self._changed = sorted(self._changed), set()
            had_problems = bool(self.problems)
            try:
                report = self.build_now(describe(changed, self.options.project, self.inputs))
                self.on_built(report, changed, had_problems)
                self.state.save()
            except Exception:
                traceback.print_exc()
                self.state.forget_all()


NOTHING_NAMED = "Inputs changed"
EDITOR_LEFTOVERS = re.compile(r"(^|/)(\.?#[^/]*|[^/]*~|\.[^/]*\.sw[a-p]|4913|sed[A-Za-z0-9]{6}|"
                              r"\.[^/]*\.tmp|[^/]*\.(tmp|bak|orig))$")


def describe(paths: list[str], project: Path, inputs=None) -> str:
    """'content/a.md changed': the files, relative to the project; never a folder (a new
    folder is named by the input files in it) or an editor's temporary file, which the
    rebuild reads or ignores like any other change."""
    names = []
    expanded = []
    for path in paths:
        if os.path.isdir(path) and inputs is not None:
            expanded += [os.path.join(folder, name) for folder, _, files in os.walk(path) for name in files
                         if inputs.kind_of(os.path.join(folder, name)) is not None]
        else:
            expanded.append(path)
    for path in expanded:
        if not path or os.path.isdir(path) or EDITOR_LEFTOVERS.search(path.replace(os.sep, "/")):
            continue
        try:
            names.append(Path(os.path.abspath(path)).relative_to(project).as_posix())
        except ValueError:
            names.append(path)
    names = sorted(set(names))
    if not names:
        return NOTHING_NAMED
    return (", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")) + " changed"


class WatchdogWatcher(Watcher):
    """livereload's Watcher interface, fed by watchdog's native file events instead of polling.
    What is watched, and which paths count, come from the build's declared inputs."""

    def __init__(self, rebuilder: Rebuilder):
        super().__init__()
        self.rebuilder = rebuilder
        self.observer = Observer()
        self.watches: dict[str, tuple] = {}       # folder -> (its inode, watchdog's watch)
        self.roots: set[str] = set()
        self.lock = threading.Lock()

    def watch_inputs(self, inputs) -> None:
        """Each input folder recursively, and the folder holding each root, so that a root
        created, removed or replaced later (a folder restored from a copy) is noticed."""
        with self.lock:
            for input_set in inputs.sets:
                root = input_set.root
                self.roots.add(str(root))
                self.schedule(root.parent, recursive=False)
                if not input_set.single:
                    self.schedule(root, recursive=True)

    def schedule(self, folder: Path, recursive: bool) -> None:
        try:
            inode = os.stat(folder).st_ino
        except OSError:
            return
        known = self.watches.get(str(folder))
        if known is not None and known[0] == inode and known[2] >= recursive:
            return
        if known is not None:
            with contextlib.suppress(KeyError, OSError):
                self.observer.unschedule(known[1])
        watch = self.observer.schedule(ChangeHandler(self), str(folder), recursive=recursive)
        self.watches[str(folder)] = (inode, watch, recursive)

    def start(self, callback) -> bool:
        if not self.observer.is_alive():
            self.observer.start()
            # A save between the initial build and the watches coming up sends no event:
            # look once more when they are up (quiet if nothing changed).
            threading.Timer(FOLDER_SETTLE_SECONDS, self.rebuilder.changed, [""]).start()
            say(f"Watching {watched_names(self.rebuilder.inputs, self.rebuilder.options.project)} for changes")
        return True         # tells livereload not to poll

    def examine(self):
        return None, None

    def relevant(self, path: str) -> bool:
        """An input of the build, or an input folder itself (created, removed, replaced)."""
        if path in self.roots:
            self.watch_inputs(self.rebuilder.inputs)        # a new folder needs a watch of its own
            return True
        return self.rebuilder.inputs.kind_of(path) is not None


def watched_names(inputs, project: Path) -> str:
    """'content/, templates/, static/ and site.yml': the inputs' roots, relative to the project."""
    names: list[str] = []
    for input_set in inputs.sets:
        try:
            name = input_set.root.relative_to(project).as_posix()
        except ValueError:
            name = input_set.root.as_posix()
        name += "" if input_set.single else "/"
        if name not in names and not any(name.startswith(other) and other.endswith("/") for other in names):
            names.append(name)
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]


class ChangeHandler(FileSystemEventHandler):
    def __init__(self, watcher: WatchdogWatcher):
        self.watcher = watcher

    def on_any_event(self, event):
        if event.event_type in ("opened", "closed_no_write"):
            return
        if event.is_directory and event.event_type == "modified":
            return      # a file in it was added or removed: that file's own event says which
        if event.is_directory and event.event_type in ("created", "moved"):
            # Files written into a new folder before its watch is in place send no event of
            # their own: look again now and once more shortly (the snapshot finds them).
            folder = str(getattr(event, "dest_path", "") or event.src_path)
            if any(folder.startswith(str(s.root) + os.sep) for s in self.watcher.rebuilder.inputs.sets):
                self.watcher.rebuilder.changed(folder)
                threading.Timer(FOLDER_SETTLE_SECONDS, self.watcher.rebuilder.changed, [folder]).start()
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path and self.watcher.relevant(str(path)):
                self.watcher.rebuilder.changed(str(path))


class SameOriginReloadHandler(LiveReloadHandler):
    """The reload websocket, open only to pages of the served origin."""

    def check_origin(self, origin: str) -> bool:
        return WebSocketHandler.check_origin(self, origin)


class SiteFileHandler(StaticFileHandler):
    """Static files with no caching, and the site's own 404.html for a missing page.

    Tornado takes a file's size when it checks the path and reads the body later; a
    rebuild can swap in a new version between the two, and the reader gets a cut-off
    page. So the file is read whole, once, as soon as the path is known good.
    """
    site_root: Path = Path(".")

    def validate_absolute_path(self, root, absolute_path):
        path = super().validate_absolute_path(root, absolute_path)
        if path is not None:
            with open(path, "rb") as handle:
                self.snapshot = handle.read()
                self.snapshot_time = os.fstat(handle.fileno()).st_mtime
        return path

    def get_content_size(self) -> int:
        return len(self.snapshot)

    def get_modified_time(self):
        return datetime.datetime.fromtimestamp(int(self.snapshot_time), datetime.UTC)

    def get_content(self, abspath, start=None, end=None):
        return self.snapshot[start:end]

    def compute_etag(self):
        return None             # never cached (no-store), so no version hash to compute

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs):
        page = self.site_root / "404.html"
        if status_code == 404 and page.is_file():
            self.set_header("Content-Type", "text/html; charset=UTF-8")
            self.finish(page.read_bytes())
        else:
            super().write_error(status_code, **kwargs)


class OverlayStylesheet(web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/css; charset=UTF-8")
        self.write(OVERLAY_CSS)


class OverlayScript(web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/javascript; charset=UTF-8")
        self.write(OVERLAY_JS)


class PageInjector(web.OutputTransform):
    """Adds the reload script (as a file, so a CSP without inline script allows it)
    and, while the last rebuild failed, an overlay listing its problems."""
    rebuilder: Rebuilder | None = None

    def transform_first_chunk(self, status_code, headers, chunk, finishing):
        if "text/html" not in headers.get("Content-Type", "") or b"</head>" not in chunk:
            return status_code, headers, chunk
        original = len(chunk)
        head = (b'<link rel="stylesheet" href="/_explainer/overlay.css"><script src="/livereload.js"></script>'
                b'<script src="/_explainer/overlay.js" defer></script>')
        chunk = chunk.replace(b"</head>", head + b"</head>", 1)
        rebuilder = self.rebuilder
        if rebuilder is not None and rebuilder.problems:
            chunk = insert_after_body(chunk, overlay_html(rebuilder.problems, rebuilder.hints))
        elif rebuilder is not None and rebuilder.warnings:
            chunk = insert_after_body(chunk, notice_html(rebuilder.warnings))
        if "Content-Length" in headers:
            headers["Content-Length"] = str(int(headers["Content-Length"]) + len(chunk) - original)
        return status_code, headers, chunk


def insert_after_body(chunk: bytes, fragment: bytes) -> bytes:
    start = chunk.find(b"<body")
    end = chunk.find(b">", start) if start >= 0 else -1
    return chunk[:end + 1] + fragment + chunk[end + 1:] if end >= 0 else fragment + chunk


def overlay_html(problems, hints: tuple[str, ...] = ()) -> bytes:
    """The failed rebuild's problems over the last good page: root causes first, what
    follows from each indented under it. A <details> element, so it folds away by click,
    tap or keyboard without any script."""
    errors = [p for p in problems if not p.warning]
    items = "".join(f'<li class="hint">{html.escape(h)}</li>' for h in hints)
    items += "".join(f"<li{FOLLOWS if p.cause else ''}>{html.escape(str(p))}</li>" for p in problems)
    return (f'<details class="explainer-overlay" open><summary><strong>The last rebuild failed: '
            f"{html.escape(problem_count(errors))}</strong>. This is the last good version; fix these and save."
            f"</summary><ul>{items}</ul></details>").encode()


FOLLOWS = ' class="follows"'


def notice_html(warnings) -> bytes:
    """Warnings of the last rebuild: a small notice that folds away, not the error panel."""
    items = "".join(f"<li>{html.escape(str(w))}</li>" for w in warnings)
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    key = hashlib.sha256(items.encode()).hexdigest()[:16]
    return (f'<details class="explainer-notice" open data-warnings="{key}"><summary>{count} from the last rebuild '
            f'<span class="explainer-fold">(hide)</span></summary><ul>{items}</ul></details>').encode()


class ExplainerServer(Server):
    """livereload's Server with our handlers and a port that moves on when busy."""

    def __init__(self, rebuilder: Rebuilder, watcher: WatchdogWatcher):
        super().__init__(watcher=watcher)
        self.rebuilder = rebuilder
        self.loop: IOLoop | None = None
        self.port = 0

    def application(self, port, host, liveport=None, debug=None, live_css=True):
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css
        SiteFileHandler.site_root = Path(self.root)
        PageInjector.rebuilder = self.rebuilder
        app = web.Application(handlers=[
            (r"/livereload", SameOriginReloadHandler),
            (r"/livereload.js", LiveReloadJSHandler),
            (r"/_explainer/overlay.css", OverlayStylesheet),
            (r"/_explainer/overlay.js", OverlayScript),
            (r"/(.*)", SiteFileHandler, {"path": str(self.root), "default_filename": "index.html"}),
        ], transforms=[PageInjector], debug=False)
        self.port = listen(app, host, port)
        self.loop = IOLoop.current()
        url = f"http://{host}:{self.port}/"
        if self.port != port:
            say(f"Port {port} is busy; using {self.port} instead")
        say(f"Serving {self.root} on {url} (Ctrl+C to stop)")
        if self.open_browser:
            threading.Timer(0.5, webbrowser.open, [url]).start()

    open_browser = False

    def reload_browsers(self, report: site.Report | None, changed: list[str], had_problems: bool) -> None:
        """After a rebuild that changed pages, failed, or fixed a failure."""
        if report is not None and not report.changed and not had_problems:
            return
        path = changed[0] if len(changed) == 1 and changed[0].endswith(".css") else "*"
        if self.loop is not None:
            self.loop.add_callback(LiveReloadHandler.reload_waiters, path)

    def _setup_logging(self):
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(logging.WARNING)


def listen(app: web.Application, host: str, port: int) -> int:
    """Listen on `port`, or on the next free one; raise UsageError if none is free."""
    for candidate in range(port, port + PORT_ATTEMPTS):
        try:
            app.listen(candidate, address=host)
            return candidate
        except OSError as error:
            if error.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise UsageError(f"cannot serve on {host}:{candidate}: {error.strerror}") from error
    raise UsageError(f"ports {port} to {port + PORT_ATTEMPTS - 1} on {host} are all busy; choose another with --port")


def serve(options: site.Options, host: str, port: int, open_browser: bool) -> int:
    rebuilder = Rebuilder(options, on_built=lambda *outcome: server.reload_browsers(*outcome))
    report = rebuilder.build_now("Initial build", warm=True)
    if report is None and not (options.out / "index.html").exists():
        say("Nothing to serve yet: fix the problems above and save; the site appears when the build succeeds")
    watcher = WatchdogWatcher(rebuilder)
    watcher.watch_inputs(rebuilder.inputs)
    server = ExplainerServer(rebuilder, watcher)
    server.open_browser = open_browser
    options.out.mkdir(parents=True, exist_ok=True)
    rebuilder.start()
    try:
        server.serve(port=port, host=host, root=str(options.out), restart_delay=0)
    finally:
        watcher.observer.stop()
        rebuilder.state.save()
        rebuilder.state.close()
    return 0
