"""Explainer: Markdown briefs in, a cross-linked static explainer site out.

Stages, each its own module, called in this order by `site.build`:
load -> markup -> link -> render -> write.
"""
__version__ = "0.1.0"
