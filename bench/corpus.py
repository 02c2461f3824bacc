#!/usr/bin/env python3
"""A deterministic corpus of explainer briefs for the benchmark (standard library only).

    python bench/corpus.py --n N --format {generic,hugo} --out DIR [--seed S]

  generic   DIR/<slug>.md: YAML front matter (title, date, summary, topics, entities,
            events), then a Markdown body whose cross-links read [text](other-slug.md).
  hugo      DIR/config.toml, a few minimal layouts (including a render-link hook that
            turns other-slug.md into ../other-slug/) and DIR/content/briefs/<slug>.md.

For the same arguments the output is byte for byte that of the workspace's shared
make_corpus.py, so figures measured on either corpus can be compared. That constraint
shapes the code below: every brief is drawn from one random.Random, and the order and
kind of each draw is fixed. Moving, adding or skipping a single draw changes every brief
after it, so the comments mark the places where the order is not the obvious one.

Importable as well: write_corpus(n, out, fmt, seed).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

DEFAULT_SEED = 20240601

# The vocabularies are part of the corpus: their order decides what each draw picks.
TOPICS = [
    "economy", "energy", "climate", "security", "trade", "health", "technology", "elections", "migration",
    "diplomacy", "finance", "agriculture",
]
COUNTRIES = [
    "Argentina", "Brazil", "Canada", "Chile", "Egypt", "Ethiopia", "France", "Germany", "India",
    "Indonesia", "Japan", "Kenya", "Mexico", "Nigeria", "Norway", "Pakistan", "Poland", "South Africa",
    "Turkey", "Vietnam",
]
ORGANISATIONS = [
    "United Nations", "World Health Organization", "European Union", "African Union",
    "International Monetary Fund", "World Bank", "OPEC", "NATO", "ASEAN", "Mercosur",
    "World Trade Organization", "G20", "International Energy Agency", "Red Cross", "UNHCR", "OECD",
    "Bank for International Settlements", "Arctic Council", "Interpol", "International Atomic Energy Agency",
]
PEOPLE = [  # fictional
    "Amara Okafor", "Lucas Moreau", "Sofia Lindqvist", "Ravi Menon", "Hana Takeda", "Mateo Alvarez",
    "Ingrid Solberg", "Kwame Mensah", "Elena Petrova", "Omar Haddad", "Mei Lin", "Tomasz Nowak",
    "Aisha Bello", "Daniel Kruger", "Yuki Sato", "Carlos Mendes", "Fatima Zahra", "Jonas Weber",
    "Priya Nair", "Luis Ortega",
]
ENTITIES = COUNTRIES + ORGANISATIONS + PEOPLE
NOUNS = [
    "agreement", "budget", "coalition", "corridor", "currency", "deficit", "delegation", "demand", "discount",
    "dispute", "embargo", "emission", "export", "facility", "framework", "grid", "harvest", "infrastructure",
    "inflation", "investment", "ledger", "loan", "mandate", "market", "mediation", "network", "outbreak",
    "pipeline", "policy", "port", "quota", "reform", "region", "reserve", "ruling", "sanction", "settlement",
    "shortage", "subsidy", "summit", "supply", "surplus", "tariff", "treaty", "turbine", "vaccine", "vote",
    "wage", "yield", "capacity", "clinic", "border", "refinery", "satellite", "drought", "ceasefire",
    "parliament", "ministry", "consortium", "index", "bond", "levy", "charter",
]
VERBS = [
    "announced", "approved", "blocked", "challenged", "committed", "debated", "delayed", "drafted",
    "expanded", "extended", "financed", "froze", "halted", "launched", "negotiated", "postponed", "proposed",
    "ratified", "reduced", "rejected", "restored", "revised", "signed", "suspended", "tightened", "unveiled",
    "warned", "doubled", "cut", "eased",
]
ADJECTIVES = [
    "regional", "national", "fragile", "ambitious", "contested", "temporary", "structural", "bilateral",
    "multilateral", "cautious", "rapid", "gradual", "domestic", "external", "fiscal", "monetary", "strategic",
    "seasonal", "informal", "formal", "emerging", "volatile", "modest", "significant", "unexpected",
    "long-term", "short-term", "cross-border", "renewable",
]
ADVERBS = [
    "sharply", "quietly", "publicly", "repeatedly", "gradually", "briefly", "openly", "largely", "partly",
    "formally",
]
ARTICLES = ["The", "A", "This"]
PREPOSITIONS = ["after", "despite", "under", "before", "amid", "with"]
TITLE_LINKS = ["in", "for", "over", "after"]
AUXILIARIES = ["has", "have", "may have"]
CONNECTIVES = ["Meanwhile", "However", "In addition", "By contrast", "As a result", "At the same time",
               "Earlier", "Since then", "In practice", "Notably"]
HEADINGS = ["Background", "What happened", "Why it matters", "Key players", "The numbers", "What comes next",
            "Regional reactions", "Open questions", "Timeline in brief", "Risks"]

FIRST_DAY = dt.date(2015, 1, 1)
DAYS_SPANNED = 3650


# ---------------------------------------------------------------- the briefs, as data

class Link(NamedTuple):
    text: str
    slug: str


class Event(NamedTuple):   # a tuple so that sorting orders by date, then by title
    date: dt.date
    title: str


@dataclass
class Paragraph:
    segments: list[str | Link]   # segments[0] is always prose: padding sentences are appended to it

    def words(self) -> int:
        return sum(len((s.text if isinstance(s, Link) else s).split()) for s in self.segments)

    def markdown(self, target: Callable[[str], str]) -> str:
        return "".join(f"[{s.text}]({target(s.slug)})" if isinstance(s, Link) else s for s in self.segments)


# The word weights of the non-paragraph blocks are the shared generator's, not true counts:
# they decide when padding stops, so they must stay as they are.

@dataclass
class Heading:
    text: str

    def words(self) -> int:
        return len(self.text.split()) + 1

    def markdown(self, target: Callable[[str], str]) -> str:
        return "## " + self.text


@dataclass
class BulletList:
    items: list[str]

    def words(self) -> int:
        return sum(len(item.split()) + 1 for item in self.items)

    def markdown(self, target: Callable[[str], str]) -> str:
        return "\n".join("- " + item for item in self.items)


@dataclass
class Table:
    rows: list[tuple[str, str, str]]

    def words(self) -> int:
        return 12 + 5 * len(self.rows)

    def markdown(self, target: Callable[[str], str]) -> str:
        lines = ["| Country | Change | Year |", "| --- | ---: | --- |"]
        return "\n".join(lines + [f"| {country} | {change} | {year} |" for country, change, year in self.rows])


@dataclass
class Footnote:
    text: str

    def words(self) -> int:
        return len(self.text.split()) + 1

    def markdown(self, target: Callable[[str], str]) -> str:
        return "[^1]: " + self.text


Block = Paragraph | Heading | BulletList | Table | Footnote


@dataclass
class Brief:
    title: str
    slug: str
    date: dt.date
    topics: list[str]
    entities: list[str]
    summary: str
    events: list[Event]
    links: list[Link] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)


# ---------------------------------------------------------------- drawing the briefs

def slugify(text: str) -> str:
    """Lower-case letters and digits; any run of other characters becomes one hyphen."""
    slug: list[str] = []
    for char in text.lower():
        if char.isalnum():
            slug.append(char)
        elif slug and slug[-1] != "-":
            slug.append("-")
    return "".join(slug).strip("-")


def draw_sentence(rng: random.Random, entities: list[str]) -> str:
    # The noun is drawn before the article although it is printed after it.
    noun = rng.choice(NOUNS)
    words = [rng.choice(ARTICLES), rng.choice(ADJECTIVES), noun, rng.choice(VERBS), "by", rng.choice(entities)]
    for _ in range(rng.randint(0, 3)):
        words += [rng.choice(PREPOSITIONS), "the", rng.choice(ADJECTIVES), rng.choice(NOUNS)]
    if rng.random() < 0.3:
        words.insert(4, rng.choice(ADVERBS))        # before "by": "signed quietly by"
    if rng.random() < 0.25:
        emphasise(words, rng.randrange(1, len(words)), "*")
    if rng.random() < 0.15:
        emphasise(words, rng.randrange(1, len(words)), "**")
    sentence = " ".join(words)
    if rng.random() < 0.3:
        sentence = rng.choice(CONNECTIVES) + ", " + sentence[0].lower() + sentence[1:]
    return sentence + "."


def emphasise(words: list[str], index: int, mark: str) -> None:
    words[index] = mark + words[index] + mark


def draw_paragraph(rng: random.Random, entities: list[str], sentences: int = 2) -> str:
    return " ".join(draw_sentence(rng, entities) for _ in range(sentences))


def draw_metadata(rng: random.Random, index: int, taken: set[str]) -> Brief:
    """Everything but the body: the body's cross-links need every brief's slug first."""
    title = " ".join([rng.choice(ADJECTIVES).capitalize(), rng.choice(NOUNS), rng.choice(TITLE_LINKS),
                      rng.choice(COUNTRIES)])
    slug = slugify(title)
    if slug in taken:
        slug = f"{slug}-{index}"
    taken.add(slug)
    date = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS_SPANNED))
    # sample(population, randint(...)): the count is drawn before the sample.
    topics = rng.sample(TOPICS, rng.randint(1, 3))
    entities = rng.sample(ENTITIES, rng.randint(2, 5))
    summary = (f"A short explainer on the {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} "
               f"and how {entities[0]} {rng.choice(AUXILIARIES)} responded.")
    events = sorted(draw_event(rng, date) for _ in range(rng.randint(0, 4)))
    return Brief(title, slug, date, topics, entities, summary, events)


def draw_event(rng: random.Random, brief_date: dt.date) -> Event:
    # The date (days before the brief) is drawn before the words of the title.
    date = brief_date - dt.timedelta(days=rng.randrange(0, 400))
    return Event(date, f"{rng.choice(ENTITIES)} {rng.choice(VERBS)} the {rng.choice(NOUNS)}")


def draw_links(rng: random.Random, index: int, briefs: list[Brief]) -> list[Link]:
    """Three to five other briefs (fewer if there are not that many), in corpus order."""
    n = len(briefs)
    if n < 2:
        return []
    wanted = min(rng.randint(3, 5), n - 1)
    picked: set[int] = set()
    while len(picked) < wanted:
        other = rng.randrange(n)
        if other != index:
            picked.add(other)
    return [Link(briefs[other].title, briefs[other].slug) for other in sorted(picked)]


def draw_body(rng: random.Random, brief: Brief) -> list[Block]:
    """An intro, three or four sections, a closing paragraph and a footnote, padded to 620..780 words."""
    entities = brief.entities
    sections = rng.randint(3, 4)
    headings = rng.sample(HEADINGS, sections)
    unused_links = list(brief.links)
    body: list[Block] = [Paragraph([draw_paragraph(rng, entities)])]
    # Which section gets the list, the table and the footnote mark: drawn once, up front.
    list_at, table_at, footnote_at = (rng.randrange(sections) for _ in range(3))
    for section in range(sections):
        body.append(Heading(headings[section]))
        for number in range(rng.randint(2, 3)):
            segments: list[str | Link] = [draw_paragraph(rng, entities)]
            # No draw at all once the links are used up (the `and` short-circuits).
            if unused_links and rng.random() < 0.6:
                segments += [" See also ", unused_links.pop(), " for context."]
            if section == footnote_at and number == 0:
                segments.append("[^1]")
            body.append(Paragraph(segments))
        if section == list_at:
            body.append(BulletList([draw_list_item(rng, entities) for _ in range(rng.randint(3, 5))]))
        if section == table_at:
            body.append(Table([draw_table_row(rng) for _ in range(rng.randint(3, 4))]))
    body.append(closing_paragraph(draw_paragraph(rng, entities), unused_links))
    body.append(Footnote(f"Figures are illustrative; source: {rng.choice(ORGANISATIONS)} briefing notes, "
                         f"{brief.date.year}."))
    pad(rng, body, entities, target=rng.randint(620, 780))
    return body


def draw_list_item(rng: random.Random, entities: list[str]) -> str:
    return (f"{rng.choice(ADJECTIVES).capitalize()} {rng.choice(NOUNS)} {rng.choice(VERBS)} "
            f"{rng.choice(entities)}")


def draw_table_row(rng: random.Random) -> tuple[str, str, str]:
    country = rng.choice(COUNTRIES)
    change = f"{rng.randint(0, 12)}.{rng.randint(0, 9)}%"
    return country, change, str(rng.randint(2015, 2024))


def closing_paragraph(prose: str, links: list[Link]) -> Paragraph:
    """The links no section used, listed in their original order."""
    segments: list[str | Link] = [prose]
    if links:
        segments.append(" Related briefs: ")
        for number, link in enumerate(links):
            segments += [", ", link] if number else [link]
        segments.append(".")
    return Paragraph(segments)


def pad(rng: random.Random, body: list[Block], entities: list[str], target: int) -> None:
    """Add sentences to randomly chosen paragraphs until the body weighs `target` words.

    The total is kept up to date rather than recounted: appending " " + a sentence adds
    exactly that sentence's words, so the stopping point is the same, without the
    quadratic recount."""
    paragraphs = [block for block in body if isinstance(block, Paragraph)]
    words = sum(block.words() for block in body)
    while words < target:
        paragraph = rng.choice(paragraphs)
        sentence = draw_sentence(rng, entities)
        paragraph.segments[0] += " " + sentence
        words += len(sentence.split())


def draw_briefs(n: int, seed: int) -> list[Brief]:
    rng = random.Random(seed)
    taken: set[str] = set()
    briefs = [draw_metadata(rng, index, taken) for index in range(n)]
    for index, brief in enumerate(briefs):
        brief.links = draw_links(rng, index, briefs)
        brief.body = draw_body(rng, brief)
    return briefs


# ---------------------------------------------------------------- writing them out

def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid ones), non-ASCII kept as is."""
    return json.dumps(text, ensure_ascii=False)


def front_matter(brief: Brief) -> str:
    lines = ["---", "title: " + quoted(brief.title), "date: " + brief.date.isoformat(),
             "summary: " + quoted(brief.summary),
             "topics: [" + ", ".join(map(quoted, brief.topics)) + "]",
             "entities: [" + ", ".join(map(quoted, brief.entities)) + "]"]
    if brief.events:
        lines.append("events:")
        for event in brief.events:
            lines += ["  - date: " + event.date.isoformat(), "    title: " + quoted(event.title)]
    else:
        lines.append("events: []")
    return "\n".join([*lines, "---"]) + "\n\n"


def markdown_file(brief: Brief, target: Callable[[str], str]) -> str:
    return front_matter(brief) + "\n\n".join(block.markdown(target) for block in brief.body) + "\n"


def sibling_file(slug: str) -> str:
    return slug + ".md"


def save(path: Path, text: str) -> None:
    # Text mode, like the shared generator, so both write the same line endings on any system.
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_generic(briefs: list[Brief], out: Path) -> None:
    for brief in briefs:
        save(out / f"{brief.slug}.md", markdown_file(brief, sibling_file))


HUGO_CONFIG = '''baseURL = "http://example.org/"
languageCode = "en-us"
title = "Explainers"

[taxonomies]
  topic = "topics"
  entity = "entities"

[markup.goldmark.renderer]
  unsafe = false
'''

HUGO_BASEOF = '''<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }} | {{ .Site.Title }}</title></head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
'''

HUGO_SINGLE = '''{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time>{{ .Date.Format "2006-01-02" }}</time></p>
<p>{{ .Params.summary }}</p>
<p>Topics: {{ range .GetTerms "topics" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
<p>Entities: {{ range .GetTerms "entities" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}</p>
{{ with .Params.events }}<ul class="events">{{ range . }}<li>{{ .date }}: {{ .title }}</li>{{ end }}</ul>{{ end }}
{{ .Content }}
</article>
{{ end }}
'''

HUGO_LIST = '''{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul>
{{ end }}
'''  # noqa: E501 (layout text kept as the shared generator writes it)

HUGO_INDEX = '''{{ define "main" }}
<h1>Timeline</h1>
<ol>{{ range (where .Site.RegularPages "Section" "briefs").ByDate.Reverse }}<li><time>{{ .Date.Format "2006-01-02" }}</time> <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ol>
{{ end }}
'''  # noqa: E501 (as above)

# Hugo sees the generic links (other-slug.md); this hook points them at the built pages.
HUGO_RENDER_LINK = '''{{- $d := .Destination -}}
{{- if strings.HasSuffix $d ".md" -}}{{- $d = printf "../%s/" (strings.TrimSuffix ".md" $d) -}}{{- end -}}
<a href="{{ $d | safeURL }}">{{ .Text | safeHTML }}</a>'''

HUGO_SITE_FILES = {
    "config.toml": HUGO_CONFIG,
    "layouts/_default/baseof.html": HUGO_BASEOF,
    "layouts/_default/single.html": HUGO_SINGLE,
    "layouts/_default/list.html": HUGO_LIST,
    "layouts/_default/_markup/render-link.html": HUGO_RENDER_LINK,
    "layouts/index.html": HUGO_INDEX,
}


def write_hugo(briefs: list[Brief], out: Path) -> None:
    for name, text in HUGO_SITE_FILES.items():
        save(out / name, text)
    for brief in briefs:
        save(out / "content" / "briefs" / f"{brief.slug}.md", markdown_file(brief, sibling_file))


WRITERS: dict[str, Callable[[list[Brief], Path], None]] = {"generic": write_generic, "hugo": write_hugo}


def write_corpus(n: int, out: Path, fmt: str = "generic", seed: int = DEFAULT_SEED) -> Path:
    """Write `n` briefs into `out` (created if need be; must be empty) and return `out`."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown corpus format {fmt!r}; choose from {', '.join(sorted(WRITERS))}")
    out = Path(out)
    # Refuse to mix a new corpus with an old one: stale briefs would skew the figures.
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty")
    WRITERS[fmt](draw_briefs(n, seed), out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, required=True, help="number of briefs")
    parser.add_argument("--format", choices=sorted(WRITERS), default="generic")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (must be empty or absent)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    try:
        write_corpus(args.n, args.out, args.format, args.seed)
    except FileExistsError:
        parser.error(f"--out {args.out} exists and is not empty")
    print(f"wrote {args.n} briefs ({args.format}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
