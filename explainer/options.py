"""What a build is asked to do, and what it reports. Plain records, cheap to import:
the command line reads them before it knows whether any real work is needed."""
from __future__ import annotations

import hashlib
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

    @property
    def templates(self) -> Path:
        return self.project / "templates"

    @property
    def static(self) -> Path:
        return self.project / "static"

    def config_file(self) -> Path:
        return self.config if self.config is not None else self.project / "site.yml"

    def cache_salt(self) -> str:
        """Options that change rendered bodies must not share cached ones."""
        return "unsafe-html" if self.unsafe_html else ""

    def cache_file(self) -> Path | None:
        """Beside the output folder (site/ -> .explainer-cache/), one store per content folder."""
        if not self.use_cache:
            return None
        name = hashlib.sha256(str(self.content.resolve()).encode()).hexdigest()[:16]
        return self.out.resolve().parent / CACHE_FOLDER / f"{name}.sqlite"


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
