"""Split a brief into front matter and body; parse the YAML keeping line numbers.

Every value gets the file line it was written on, so that validation can say
`content/x.md:12: events[2].date: ...` instead of a bare 'invalid date'.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 20


class FrontMatterLoader(_BASE_LOADER):
    """Safe loading, but dates stay text: we parse them ourselves so that
    '2024-02-30' is reported with its line instead of crashing the constructor,
    and so that partial dates keep their precision."""


FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in _BASE_LOADER.yaml_implicit_resolvers.items()
}
# YAML 1.2 booleans only: 'id: yes' or 'country: NO' stay text instead of turning into true/false.
FrontMatterLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                        list("tTfF"))


class FrontMatterError(ValueError):
    def __init__(self, line: int, message: str):
        self.line = line
        super().__init__(message)


@dataclass(frozen=True)
class SplitText:
    front: str
    front_line: int    # file line of the front matter's first line
    body: str
    body_line: int     # file line of the body's first line


def split_front_matter(text: str) -> SplitText:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise FrontMatterError(1, "no front matter: a brief starts with a line '---', then YAML, then '---'")
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return SplitText("\n".join(lines[1:index]), 2, "\n".join(lines[index + 1:]), index + 2)
    raise FrontMatterError(1, "front matter is never closed: add a line '---' after the YAML")


def parse_yaml(text: str, first_line: int) -> tuple[object, dict[tuple, int]]:
    """Return the data and a map from key path, e.g. ('events', 2, 'date'), to file line."""
    loader = FrontMatterLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        lines: dict[tuple, int] = {}
        _record_lines(node, (), first_line, lines, set())
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = first_line + mark.line if mark else first_line
        raise FrontMatterError(line, f"YAML error: {_yaml_message(error, text)}") from error
    except yaml.YAMLError as error:
        raise FrontMatterError(first_line, f"YAML error: {error}") from error
    except RecursionError as error:
        raise FrontMatterError(first_line, "front matter is nested too deeply to be real") from error
    finally:
        loader.dispose()


def _yaml_message(error: yaml.MarkedYAMLError, text: str) -> str:
    message = "; ".join(p for p in (error.context, error.problem) if p)
    mark = error.problem_mark or error.context_mark
    lines = text.split("\n")
    near = lines[max(0, mark.line - 1):mark.line + 1] if mark else []
    if any(line[:len(line) - len(line.lstrip())].count("\t") for line in near):
        return message + "; YAML does not allow tabs for indentation: use spaces"
    return message + "; check the indentation, colons and quotes on this line and the one before"


def _record_lines(node, path: tuple, first_line: int, lines: dict, seen: set, line: int | None = None) -> None:
    # Aliases make the composer hand back the same node twice: refusing them
    # shuts out 'billion laughs' expansion and keeps every value in one place.
    if id(node) in seen:
        raise FrontMatterError(first_line + (line if line is not None else node.start_mark.line),
                               f"{dotted(path)}: YAML anchors and aliases (&name, *name) are not "
                               "supported in front matter; write the value out")
    if len(path) > MAX_DEPTH:
        raise FrontMatterError(first_line + node.start_mark.line,
                               f"{dotted(path[:1])}: nested more than {MAX_DEPTH} levels deep; "
                               "front matter holds flat lists and short mappings")
    seen.add(id(node))
    lines[path] = first_line + node.start_mark.line
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            _record_lines(value, path + (name,), first_line, lines, seen, key.start_mark.line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, path + (index,), first_line, lines, seen)


def dotted(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "front matter"


