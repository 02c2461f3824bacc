"""The code style the project holds itself to (ruff.toml), checked like any other behaviour."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT

RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.skipif(not RUFF.exists() and not shutil.which("ruff"), reason="ruff is installed by requirements-dev.txt")
def test_ruff_finds_nothing():
    ruff = str(RUFF) if RUFF.exists() else shutil.which("ruff")
    result = subprocess.run([ruff, "check", "explainer", "tests", "bench", "build.py"], cwd=PROJECT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
