"""What a build is asked to do, and what it reports. Plain records, cheap to import:
the command line reads them before it knows whether any real work is needed."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .models import Problem
from .parallel import default_jobs

CACHE_FOLDER = ".explainer-cache"


@dataclass(frozen=True)
class Options:
    project: Path               # folder of build.py: templates/, static/, site.yml
    content: Path
    out: Path
    config: Path | None = None
    site_url: str | None = None
    drafts: bool = False
    jobs: int = field(default_factory=default_jobs)
    use_cache: bool = True
    unsafe_html: bool = False   # keep author HTML as written (trusted sites only)
    cache: Path | None = None   # --cache DIR; default: .explainer-cache/ beside site.yml or build.py

    @property
    def templates(self) -> Path:
        return self.project / "templates"

    @property
    def static(self) -> Path:
        return self.project / "static"

    def config_file(self) -> Path:
        return self.config if self.config is not None else self.project / "site.yml"

    def cache_dir(self) -> Path:
        """On the source side, never beside the output: the project's own working folder.
        With --config the project is where that file is; else where build.py is."""
        if self.cache is not None:
            return self.cache
        home = self.config.resolve().parent if self.config is not None else self.project
        return home / CACHE_FOLDER


@dataclass(frozen=True)
class Report:
    briefs: int
    pages: int
    written: int
    reused: int
    seconds: float
    warnings: tuple[Problem, ...]
    up_to_date: bool = False
    changed: tuple[str, ...] = ()       # output files whose bytes are new
