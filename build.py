#!/usr/bin/env python3
"""Explainer: build a cross-linked static explainer site from Markdown briefs.

    python build.py                 build content/ into site/
    python build.py check           validate everything, write nothing
    python build.py new "Title"     start a new brief
    python build.py test            run the test suite

`python build.py --help` lists every command and option. The first run sets up
.venv with the pinned dependencies by itself.
"""
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent

if __name__ == "__main__":
    from explainer.bootstrap import ensure_environment

    ensure_environment(PROJECT, sys.argv[1:])
    from explainer.cli import main

    sys.exit(main(sys.argv[1:], PROJECT))
