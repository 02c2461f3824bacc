"""Markdown to HTML for one brief, with our own link syntax.

`[[slug]]`, `[[slug#heading|text]]`, `[text](other.md#heading)` and citations
`[@id]` all go through one resolver, which turns them into relative links and
records every link with its file line so the link stage can check targets and
anchors after all bodies are rendered. Rendering is a pure function of the
brief and the link index, so it can be cached and run in worker processes.
"""
from __future__ import annotations

import bisect
import functools
import html
import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.attr_list import AttrListExtension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.md_in_html import MarkdownInHtmlExtension
from markdown.extensions.tables import TableExtension
from markdown.extensions.toc import TocExtension
from markdown.extensions.toc import slugify as toc_slugify
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from .models import Body, Brief, Heading, Link, LinkIndex, Problem, suggest
from .prose import TAG, sentences
from .urls import image_path, name_slug, output_path, relative_url


def standard_extensions() -> list[Extension]:
    """Python-Markdown's own extensions, as objects: by name, Markdown would look them up
    among every installed package's entry points, which costs more than a brief."""
    return [TableExtension(), FootnoteExtension(UNIQUE_IDS=False), FencedCodeExtension(), AttrListExtension(),
            TocExtension(slugify=heading_id, permalink="#", permalink_title="Link to this section"),
            MarkdownInHtmlExtension()]
WIKILINK = r"\[\[([^\[\]\n]+?)\]\]"
CITATION = r"\[(@[A-Za-z0-9][\w.:-]*(?:\s*;\s*@[A-Za-z0-9][\w.:-]*)*)\]"
SKIPPED_LINK_CLASSES = ("wikilink", "citation", "footnote-ref", "footnote-backref", "autolink")
ELEMENT_ID = re.compile(r'\sid="([^"]+)"')
ALIGN_STYLE = re.compile(r"text-align: (left|center|right);?")
BLOCK_TAG = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|tr|td|th|table|thead|tbody|div|br|hr|blockquote|pre|dd|dt)\b[^>]*>")
CITE_MARK = re.compile(r'<sup class="cite">.*?</sup>|<sup id="fnref:[^"]*">.*?</sup>')
FOOTNOTE_BACKREF = re.compile(r'<a class="(?:footnote-backref|headerlink)"[^>]*>.*?</a>')


def heading_id(value: str, separator: str) -> str:
    """Python-Markdown's own ids ('What was decided' -> 'what-was-decided');
    headings in other scripts keep their letters instead of becoming '_1'."""
    return toc_slugify(value, separator) or toc_slugify(value, separator, unicode=True)


# Author HTML is allowed but cleaned: no script, no event handlers, no javascript: or data:
# addresses, no inline style (the pages' CSP would refuse it anyway). --unsafe-html skips this.
SAFE_ATTRIBUTES = {**{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
                   "*": {"id", "class", "title", "lang", "dir"}}
SAFE_URL_SCHEMES = {"http", "https", "mailto"}


IMAGE_TAG = re.compile(r"<img\b([^>]*)>")
IMAGE_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')       # nh3 writes every attribute so

# Classes our own Markdown extensions give (and Python-Markdown's), and the few authors may use.
OWN_CLASSES = {"wikilink", "autolink", "citation", "cite", "footnote", "footnote-ref", "footnote-backref",
               "headerlink", "toc", "align-left", "align-right", "align-center", "codehilite"}
AUTHOR_CLASSES = ("note", "aside", "pull-quote", "small", "lead", "decorative")      # documented in the README
CODE_CLASS = re.compile(r"language-[\w+#.-]+")
# Ids the page templates and scripts use, and the patterns of those they make: an author's
# element must not take one (the skip link, the search box, a source, a citation, a card).
PAGE_IDS = {"main", "site-search-input", "site-search-results", "search-page-input", "search-page-results",
            "search-page-status", "timeline", "timeline-data", "timeline-filters", "filter-topic", "filter-entity",
            "filter-clear", "filter-status", "topics", "entities", "latest", "start-here", "preview-card"}
PAGE_ID_PATTERN = re.compile(r"(brief|group|src|cite|change|explainer|site|search|preview|filter)-.*|y\d{4}(-h)?")
OWN_ID = re.compile(r"cite-.+-\d+|fn:\d+|fnref\d*:\d+")      # ids the citations and footnotes get


@dataclass
class Dropped:
    """What the sanitizer took out of one body, for the messages."""
    classes: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def sanitize(html_text: str, dropped: Dropped | None = None) -> str:
    """Cleaned HTML: no scripts, handlers or foreign schemes (nh3), only known classes, and no
    id that the page itself uses (heading ids, which toc makes from the text, stay)."""
    dropped = dropped if dropped is not None else Dropped()

    def attribute(element: str, name: str, value: str) -> str | None:
        if name == "class":
            kept = [c for c in value.split() if c in OWN_CLASSES or c in AUTHOR_CLASSES or CODE_CLASS.fullmatch(c)]
            dropped.classes += [c for c in value.split() if c not in kept]
            return " ".join(kept) or None
        if name == "id" and element not in HEADINGS and not OWN_ID.fullmatch(value) and (
                value in PAGE_IDS or PAGE_ID_PATTERN.fullmatch(value)):
            dropped.ids.append(value)
            return None
        return value
    return nh3.clean(html_text, attributes=SAFE_ATTRIBUTES, url_schemes=SAFE_URL_SCHEMES, link_rel=None,
                     attribute_filter=attribute)


HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


class Renderer:
    """One Markdown instance reused across briefs (reset between them)."""

    def __init__(self, unsafe_html: bool = False):
        self.unsafe_html = unsafe_html
        self.extension = ExplainerExtension()
        self.md = markdown.Markdown(extensions=[*standard_extensions(), self.extension], output_format="html")

    def render(self, brief: Brief, index: LinkIndex) -> Body:
        context = Context(brief, index)
        self.extension.context = context
        self.md.reset()
        try:
            html = self.md.convert(brief.body)
            if not self.unsafe_html:
                dropped = Dropped()
                html = sanitize(html, dropped)
                context.report_dropped(dropped)
                html = IMAGE_TAG.sub(context.image, html)     # on nh3's output: every <img>, Markdown's or raw
            headings = tuple(flatten_toc(self.md.toc_tokens))
        finally:
            self.extension.context = None
        return Body(html=html, headings=headings, ids=frozenset(ELEMENT_ID.findall(html)),
                    links=tuple(context.links), citations=tuple(context.citations),
                    words=len(brief.body.split()),
                    problems=tuple(context.problems),
                    lookups=tuple(sorted((t, k, v) for (t, k), v in context.lookups.items())),
                    sentences=tuple(sentences(html)))


@functools.lru_cache(maxsize=16384)
def plain_text(html_text: str) -> str:
    """The readable words of rendered HTML: tags, citation marks and footnote arrows dropped."""
    without = CITE_MARK.sub("", FOOTNOTE_BACKREF.sub("", html_text))
    return " ".join(html.unescape(TAG.sub("", BLOCK_TAG.sub(" ", without))).split())


def flatten_toc(tokens) -> list[Heading]:
    found = []
    for token in tokens:
        found.append(Heading(token["level"], token["id"], token["name"]))
        found.extend(flatten_toc(token["children"]))
    return found


class Context:
    """Per-brief state of one conversion: the resolver and what it recorded."""

    def __init__(self, brief: Brief, index: LinkIndex):
        self.brief = brief
        self.index = index
        group = getattr(brief, "group", "brief")      # a Brief, or a Record
        self.page = output_path(group, brief.slug)
        self.own = brief.slug if group == "brief" else f"{group}:{brief.slug}"     # what a link to this page names
        self.source_numbers = {s.id: n for n, s in enumerate(brief.sources, 1)}
        self.links: list[Link] = []
        self.citations: list[str] = []
        self.problems: list[Problem] = []
        self.lookups: dict[tuple[str, str], str | None] = {}
        self._search_from: dict[str, int] = {}
        self._line_starts: list[int] | None = None

    def line_of(self, needle: str) -> int:
        """File line of the next occurrence of `needle` in the body (source order)."""
        body = self.brief.body
        start = self._search_from.get(needle, 0)
        position = body.find(needle, start)
        if position < 0:
            position = max(body.find(needle), 0)
        self._search_from[needle] = position + 1
        if self._line_starts is None:
            self._line_starts = [m.end() for m in re.finditer("\n", body)]
        return self.brief.body_line + bisect.bisect_right(self._line_starts, position)

    def title_of(self, slug: str) -> str | None:
        title = self.lookups[("title", slug)] = self.index.titles.get(slug)
        return title

    def problem(self, line: int, message: str, warning: bool = False, suggestion: bool = False) -> None:
        self.problems.append(Problem(self.brief.path, line, message, warning, suggestion=suggestion))

    def image(self, match: re.Match) -> str:
        """An image the page may show: a file of the content folder, copied into the site and
        linked relatively, with its width and height; or one from a host site.yml allows.
        Alt text is required; an empty one only with the class "decorative"."""
        attributes = dict(IMAGE_ATTRIBUTE.findall(match.group(1)))
        src = html.unescape(attributes.get("src", ""))
        line = self.line_of(src) if src else 0
        classes = html.unescape(attributes.get("class", "")).split()
        if "alt" not in attributes or (not attributes["alt"].strip() and "decorative" not in classes):
            self.problem(line, f"image {src!r} has no alt text; say what it shows (![what it shows]({src})), "
                               "or, if it only decorates, give it an empty alt and the class decorative "
                               "(![]({src}){{: .decorative }})")
        parts = urlsplit(src)
        if parts.scheme in ("http", "https"):
            host = (parts.hostname or "").lower()
            allowed = self.lookups[("setting", "remote_images")] = self.index.settings.get("remote_images", "")
            if host not in allowed.split():
                self.problem(line, f"image {src!r} is on another host ({host}), which would see every reader; "
                                   "copy it into the content folder, or list the host under remote_images in "
                                   "site.yml")
                return ""
            return match.group(0)
        if parts.scheme or parts.netloc or not parts.path:
            self.problem(line, f"image {src!r}: images are files in the content folder, relative to this file")
            return ""
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(self.brief.rel_path), unquote(parts.path)))
        known = self.lookups[("image", rel)] = self.index.images.get(rel)
        if known is None:
            self.problem(line, f"image {src!r}: no image at {rel} in the content folder"
                               f"{suggest(rel, self.index.images) or '; paths are relative to this file'}")
            return ""
        size = known.split(" ")[1]
        attributes["src"] = html.escape(relative_url(self.page, image_path(rel)))
        if "x" in size and "width" not in attributes:
            attributes["width"], attributes["height"] = size.split("x")
        return "<img " + " ".join(f'{name}="{value}"' for name, value in attributes.items()) + ">"

    def report_dropped(self, dropped: Dropped) -> None:
        for value in dict.fromkeys(dropped.ids):
            self.problem(self.line_of(f'"{value}"') if f'"{value}"' in self.brief.body else self.line_of(value),
                         f"id {value!r} is one the page itself uses; choose another id (ids starting "
                         "'brief-', 'group-', 'src-', 'cite-', 'change-', 'site-', 'search-' and the like are taken)")
        for value in dict.fromkeys(dropped.classes):
            self.problem(self.line_of(value), f"class {value!r} is dropped; the classes a brief may use are "
                                              f"{', '.join(AUTHOR_CLASSES)}", warning=True)

    def wants_autolinks(self) -> bool:
        """Answers recorded as lookups: a body stays valid only while they stay the same."""
        site = self.lookups[("setting", "autolink")] = self.index.settings.get("autolink")
        if site != "on" or not getattr(self.brief, "autolink", False):     # a record's profile: never
            return False
        self.lookups[("setting", "mentions")] = self.index.settings.get("mentions")
        return True

    def link_to(self, slug: str, anchor: str, raw: str, needle: str) -> str:
        """Record a link to a brief and return its href from this page."""
        line = self.line_of(needle)
        self.links.append(Link(slug, anchor, raw, line))
        if self.title_of(slug) is None:
            return "#"      # the link stage reports it: it knows which files failed and which look renamed
        group, colon, record = slug.partition(":")
        if colon:           # [[entity:slug]], [[topic:slug]]: the record's page
            return relative_url(self.page, output_path(group, record), anchor)
        if slug == self.own and not anchor:
            what = "brief" if self.own == self.brief.slug else "record's page"
            self.problem(line, f"link {raw!r} points at this {what} itself; remove it or add a #heading",
                         warning=True)
        return relative_url(self.page, output_path("brief", slug), anchor)

    def slug_of_path(self, path: str, raw: str) -> str:
        folder = posixpath.dirname(self.brief.rel_path)
        resolved = posixpath.normpath(posixpath.join(folder, unquote(path)))
        slug = self.lookups[("path", resolved)] = self.index.paths.get(resolved)
        if slug is None:
            hint = suggest(resolved, self.index.paths) or "; links to briefs are relative to this file"
            self.problem(self.line_of(raw), f"link {raw!r}: no brief at {resolved} in the content folder{hint}")
        return slug or ""

    def cite(self, source_id: str) -> int | None:
        number = self.source_numbers.get(source_id)
        if number is None:
            self.problem(self.line_of("@" + source_id),
                         f"citation [@{source_id}]: no source with that id in this "
                         f"{'brief' if self.own == self.brief.slug else 'record'}'s sources"
                         f"{suggest(source_id, self.source_numbers) or '; add it under sources: or fix the id'}")
        else:
            self.citations.append(source_id)
        return number


class ExplainerExtension(Extension):
    def __init__(self):
        super().__init__()
        self.context: Context | None = None

    def extendMarkdown(self, md):
        # Above the stock link pattern (160) so '[[' and '[@' are ours, below
        # backticks (190) so code spans stay literal.
        md.inlinePatterns.register(WikiLinkProcessor(WIKILINK, self), "explainer-wikilink", 175)
        md.inlinePatterns.register(CitationProcessor(CITATION, self), "explainer-citation", 174)
        md.treeprocessors.register(MarkdownLinkProcessor(md, self), "explainer-mdlinks", 15)
        md.treeprocessors.register(AutoLinkProcessor(md, self), "explainer-autolinks", 13)
        md.treeprocessors.register(AlignmentClasses(md), "explainer-align", 14)


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, pattern: str, extension: ExplainerExtension):
        super().__init__(pattern)
        self.extension = extension

    def handleMatch(self, m, data):
        context = self.extension.context
        inner = m.group(1)
        target, _, text = inner.partition("|")
        slug, _, anchor = target.strip().partition("#")
        slug = slug.strip()
        element = etree.Element("a")
        element.set("href", context.link_to(slug, anchor.strip(), m.group(0), m.group(0)))
        element.set("class", "wikilink")
        element.text = text.strip() or context.title_of(slug) or slug
        return element, m.start(0), m.end(0)


class CitationProcessor(InlineProcessor):
    def __init__(self, pattern: str, extension: ExplainerExtension):
        super().__init__(pattern)
        self.extension = extension

    def handleMatch(self, m, data):
        context = self.extension.context
        sup = etree.Element("sup")
        sup.set("class", "cite")
        sup.text = "["
        ids = [part.strip()[1:] for part in m.group(1).split(";")]
        last = None
        for position, source_id in enumerate(ids):
            number = context.cite(source_id)
            if position:
                last.tail = ", "
            last = etree.SubElement(sup, "a")
            last.set("href", f"#src-{source_id}")
            last.set("class", "citation")
            if number:          # the sources list links back to each place that cites it
                last.set("id", f"cite-{source_id}-{context.citations.count(source_id)}")
            last.text = str(number) if number else "?"
        last.tail = "]"
        return sup, m.start(0), m.end(0)


class AlignmentClasses(Treeprocessor):
    """Table column alignment as a class, not a style attribute: the CSP allows no inline style."""

    def run(self, root):
        for cell in root.iter():
            if cell.tag in ("th", "td") and (align := ALIGN_STYLE.fullmatch(cell.get("style", ""))):
                del cell.attrib["style"]
                cell.set("class", f"align-{align.group(1)}")


NEVER_AUTOLINKED = {"a", "code", "pre", "sup", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style", "kbd", "samp"}


class AutoLinkProcessor(Treeprocessor):
    """Links the first mention of each recorded entity in the body (its name or an alias,
    as whole words) to the entity's page. Never inside headings, code, links or citations
    (<sup>), nor in the footnotes. A mention of an entity the brief does not list in its
    front matter is noted as a suggestion."""

    def __init__(self, md, extension: ExplainerExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        context = self.extension.context
        if context is None or not context.wants_autolinks():
            return
        pattern = mention_pattern(tuple(sorted(context.index.mentions)))
        if pattern is None:
            return
        listed = {context.index.entity_keys.get(name_slug(n)) for n in context.brief.entities}
        # An entity the text already links by hand ([[entity:x]]) is not linked a second time.
        self.linked = {link.target.partition(":")[2] for link in context.links if link.target.startswith("entity:")}
        self.walk(root, context, pattern, listed)

    def walk(self, element, context, pattern, listed) -> None:
        children = list(element)        # as they were: links made here are not walked again
        element.text = self.link_text(element, 0, element.text, context, pattern, listed)
        for child in children:
            if child.tag not in NEVER_AUTOLINKED and "footnote" not in child.get("class", ""):
                self.walk(child, context, pattern, listed)
            child.tail = self.link_text(element, list(element).index(child) + 1, child.tail, context, pattern,
                                        listed)

    def link_text(self, parent, position: int, text: str | None, context, pattern, listed) -> str | None:
        """The text before the first new mention; each new mention becomes a link, put into
        `parent` from `position` on, in order, each with the text that follows it."""
        if not text:
            return text
        links, head, last = [], text, 0
        for match in pattern.finditer(text):
            slug = context.index.mentions[match.group(0)]
            if slug in self.linked:
                continue
            self.linked.add(slug)
            if slug not in listed:
                context.problem(context.line_of(match.group(0)),
                                f"mentions {match.group(0)!r}, which has an entity record, but does not list it in "
                                f"'entities:'; add it there if the brief is about it", warning=True, suggestion=True)
            link = etree.Element("a", {"class": "autolink",
                                       "href": context.link_to(f"entity:{slug}", "", match.group(0),
                                                               match.group(0))})
            link.text = match.group(0)
            if links:
                links[-1].tail = text[last:match.start()]
            else:
                head = text[:match.start()]
            links.append(link)
            last = match.end()
        if links:
            links[-1].tail = text[last:]
            for offset, link in enumerate(links):
                parent.insert(position + offset, link)
        return head


@functools.lru_cache(maxsize=8)
def mention_pattern(spellings: tuple[str, ...]) -> re.Pattern | None:
    """Any of the spellings as whole words, longest first (so 'Ishaq Dar' wins over 'Dar')."""
    if not spellings:
        return None
    ordered = sorted(spellings, key=lambda s: (-len(s), s))
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w-])")


class MarkdownLinkProcessor(Treeprocessor):
    """Rewrites `[text](other.md#heading)` and checks `[text](#heading)`."""

    def __init__(self, md, extension: ExplainerExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        context = self.extension.context
        for element in root.iter("a"):
            href = element.get("href", "")
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or element.get("class") in SKIPPED_LINK_CLASSES:
                continue
            if not parts.path and parts.fragment:
                element.set("href", context.link_to(context.own, unquote(parts.fragment), href, href))
            elif parts.path.endswith(".md"):
                slug = context.slug_of_path(parts.path, href)
                if slug:
                    element.set("href", context.link_to(slug, unquote(parts.fragment), href, href))
