"""First-run set-up with nothing but Python: make .venv, install the pinned
requirements into it, and re-run build.py inside it. Standard library only,
because it runs before any dependency exists."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

SKIP_VARIABLE = "EXPLAINER_NO_VENV"


def venv_python(project: Path) -> Path:
    folder = "Scripts" if os.name == "nt" else "bin"
    return project / ".venv" / folder / ("python.exe" if os.name == "nt" else "python")


def requirement_files(project: Path, command: list[str]) -> list[Path]:
    wanted = ["requirements.txt"] + (["requirements-dev.txt"] if command[:1] == ["test"] else [])
    return [project / name for name in wanted]


def stamp_path(project: Path, requirements: Path) -> Path:
    return project / ".venv" / f".installed-{requirements.name}.sha256"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def missing_requirements(project: Path, command: list[str]) -> list[Path]:
    """The requirement files whose exact contents are not yet installed in .venv."""
    missing = []
    for requirements in requirement_files(project, command):
        stamp = stamp_path(project, requirements)
        if not stamp.exists() or stamp.read_text().strip() != digest(requirements):
            missing.append(requirements)
    return missing


def ensure_environment(project: Path, command: list[str]) -> None:
    """Return if we already run in an up-to-date .venv; otherwise set it up and re-exec."""
    if os.environ.get(SKIP_VARIABLE):
        return
    python = venv_python(project)
    inside = Path(sys.prefix).resolve() == (project / ".venv").resolve()
    missing = missing_requirements(project, command)
    if inside and not missing:
        return
    if not python.exists():
        say("Setting up .venv for Explainer (first run only)...")
        import venv  # only on the first run: it is slow to import
        venv.EnvBuilder(with_pip=True).create(project / ".venv")
    if missing:
        install(project, python, missing)
    os.execv(str(python), [str(python), str(project / "build.py"), *command])


def install(project: Path, python: Path, files: list[Path]) -> None:
    say("Installing pinned dependencies: " + ", ".join(f.name for f in files))
    arguments = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    for requirements in files:
        arguments += ["-r", str(requirements)]
    import subprocess  # here, not at the top: every build would pay for it

    if subprocess.call(arguments, cwd=project) != 0:
        say(f"Could not install the dependencies into {project / '.venv'}; see pip's message above. "
            f"Fix the cause and run the command again, or install requirements.txt yourself and set "
            f"{SKIP_VARIABLE}=1.")
        sys.exit(2)
    for requirements in files:
        stamp_path(project, requirements).write_text(digest(requirements) + "\n")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
