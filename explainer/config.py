"""Site settings from an optional site.yml: title, description, URL, language, author."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from .frontmatter import FrontMatterError, parse_yaml
from .load import LANG_TAG, Fields, display_path
from .models import Era, Problem, SiteConfig, Story
from .urls import name_slug

CONFIG_KEYS = ("title", "description", "url", "language", "author", "intro", "start_here", "cname", "autolink",
               "corrections_policy", "remote_images", "stories", "eras")
STORY_KEYS = ("name", "topics")
ERA_KEYS = ("title", "start", "end")


def load_config(path: Path | None, site_url: str | None) -> tuple[SiteConfig, list[Problem]]:
    """Read site.yml if there is one; `site_url` from the command line wins over its url."""
    data, fields = {}, Fields(display_path(path) if path else "site.yml", {})
    if path is not None and path.exists():
        try:
            data, lines = parse_yaml(path.read_text(encoding="utf-8-sig"), 1)
        except FrontMatterError as error:
            return SiteConfig(), [Problem(fields.path, error.line, str(error))]
        except UnicodeDecodeError:
            return SiteConfig(), [Problem(fields.path, 0, "is not valid UTF-8; save it as UTF-8")]
        fields.lines = lines
        if not isinstance(data, dict):
            return SiteConfig(), [Problem(fields.path, 1, "must be a mapping of keys to values, e.g. 'title: ...'")]
        fields.warn_unknown(data, (), CONFIG_KEYS)
    defaults = SiteConfig()
    url = site_url if site_url is not None else fields.text(data, ("url",))
    config = SiteConfig(
        title=fields.text(data, ("title",)) or defaults.title,
        description=fields.text(data, ("description",)),
        url=checked_url(url, fields),
        language=checked_language(fields.text(data, ("language",)) or defaults.language, fields),
        author=fields.text(data, ("author",)),
        intro=fields.text(data, ("intro",)),
        start_here=fields.texts(data, ("start_here",)),
        cname=fields.text(data, ("cname",)),
        autolink=fields.flag(data, ("autolink",)) if "autolink" in data else True,
        corrections_policy=fields.text(data, ("corrections_policy",)),
        remote_images=checked_hosts(fields.texts(data, ("remote_images",)), fields),
        stories=stories(data, fields),
        eras=eras(data, fields),
    )
    return config, fields.problems


HOST = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+")


def checked_hosts(hosts: tuple[str, ...], fields: Fields) -> tuple[str, ...]:
    """Host names such as images.example.org: no scheme, path, port or wildcard."""
    good = []
    for index, host in enumerate(hosts):
        if HOST.fullmatch(host.lower()):
            good.append(host.lower())
        else:
            fields.problem(("remote_images", index), f"{host!r} is not a host name such as 'images.example.org' "
                                                     "(no https://, path, port or *)")
    return tuple(good)


def checked_url(url: str, fields: Fields) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        fields.problem(("url",), f"{url!r} is not an absolute http(s) address such as "
                                 "https://user.github.io/repo/")
        return ""
    return url.rstrip("/") + "/"


def checked_language(language: str, fields: Fields) -> str:
    if not LANG_TAG.fullmatch(language):
        fields.problem(("language",), f"{language!r} is not a language tag such as 'en'")
        return SiteConfig().language
    return language


def stories(data: dict, fields: Fields) -> tuple[Story, ...]:
    """`stories: [{name, topics: [...]}]`: the timeline's lanes, each the events of its topics."""
    found, names = [], {}
    for key, item in fields.mappings(data, ("stories",), STORY_KEYS):
        name = fields.text(item, key + ("name",), required=True)
        topics = fields.texts(item, key + ("topics",))
        if not topics:
            fields.problem(key + ("topics",), ("is required" if "topics" not in item else "is empty") +
                           "; list the topics whose events make the story, e.g. 'topics: [trade, sanctions]'")
        slug = name_slug(name) if name else ""
        if slug in names:
            fields.problem(key + ("name",), f"the story {name!r} is named twice (also {names[slug]!r}); "
                                            "give each story its own name")
        elif name and topics:
            names[slug] = name
            found.append(Story(name, slug, topics, fields.line(key + ("topics",))))
    return tuple(found)


def eras(data: dict, fields: Fields) -> tuple[Era, ...]:
    """`eras: [{title, start, end}]`: periods drawn behind the timeline; without `end`, an era
    runs on to the last event."""
    found, titles = [], {}
    for key, item in fields.mappings(data, ("eras",), ERA_KEYS):
        title = fields.text(item, key + ("title",), required=True)
        if title and title.casefold() in titles:
            fields.problem(key + ("title",), f"the era {title!r} is named twice (also on line "
                                             f"{titles[title.casefold()]}); give each era its own title")
            continue
        if title:
            titles[title.casefold()] = fields.line(key + ("title",))
        start = fields.date(item, key + ("start",), full=False, required=True)
        end = fields.date(item, key + ("end",), full=False)
        if start and end and end.last_day() < start.first_day():
            fields.problem(key + ("end",), f"{end.iso()} is before the era's start {start.iso()}; "
                                           "swap them or correct the date")
            continue
        if title and start:
            found.append(Era(title, start, end))
    return tuple(found)
