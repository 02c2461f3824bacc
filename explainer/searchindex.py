"""The site search's index, made at build time and cut into small scripts that the browser
loads only as a query needs them (scripts, not fetch: search then works from file://).

What the output holds (paths from urls.py):
- `search-index.js`, the manifest: how many documents, which term file holds which term
  prefixes, where the document and facet files are;
- `search/terms/<hex of the first prefix>.js`: for each term, the documents that hold it
  (all of them, as a bitmap or a list of gaps) and the best-scoring of them with their scores;
- `search/docs/<n>.js`: what a result shows of document n (title, address, summary, the
  sentences a snippet is cut from, its facets); loaded only for the results shown;
- `search/facets.js`: for each topic, entity and year, the documents under it; loaded by
  search.html only, after its first results.

Scores are BM25 per field (title and a record's aliases weigh most), summed with weights and
fixed here, so the browser only adds and sorts. Term and document numbers are stable for a
given site: documents are numbered oldest brief first (a new brief usually goes last, so
adding one renumbers nothing), then topics, then entities.

Normalizing is the one contract with the browser: `normalize` here and `normalize` in
static/search.js must agree (tests/test_search.py runs both on the same strings):
lower case, then NFD, then every combining mark (Unicode category Mn) dropped; a term is a
run of letters and digits of what is left.
"""
from __future__ import annotations

import base64
import html
import json
import math
import re
import sys
import unicodedata
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import ClassVar

from .models import Body
from .prose import TAG, tidy

MIN_TERM = 2            # one letter matches too much to be worth its postings
TOP_POSTINGS = 100      # per term, the documents kept with their own score; the rest share one
CHUNK_BYTES = 12_000    # a term file grows to about this before its prefix is split
FIELD_WEIGHTS = {"title": 6.0, "aliases": 6.0, "tags": 2.0, "summary": 2.0, "headings": 2.0, "body": 1.0}
RECORD_BOOST = 2.0      # an entity's or topic's own page above the briefs that mention it
K1, B = 1.2, 0.75
# BM25 weighs a term less in a longer field, measured against a pivot length: fixed here
# (about what a brief's field holds) rather than the site's average, so a document's
# weights depend on that document alone and an edit never rescores the others.
PIVOT_LENGTHS = {"title": 10, "aliases": 4, "tags": 8, "summary": 30, "headings": 12, "body": 400}
NAME_FIELDS = ("title", "aliases")
WORD = re.compile(r"[^\W_]+")
MARK_CATEGORY = "Mn"


def normalize(text: str) -> str:
    """'Bürgenstock' -> 'burgenstock': lower case, NFD, combining marks dropped."""
    lowered = text.lower()
    if lowered.isascii():           # most text: nothing to decompose
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(c for c in decomposed if unicodedata.category(c) != MARK_CATEGORY)


def terms(text: str) -> list[str]:
    """The normalized words of a text, in order, each of at least MIN_TERM characters."""
    return [w for w in WORD.findall(normalize(text)) if len(w) >= MIN_TERM]


@dataclass(frozen=True)
class Document:
    """One searchable page: a brief, or a topic's or entity's own page. Its digest is made of
    its fields' (the body's is its fingerprint), so keying it never reprs a whole body."""
    digest_by_parts: ClassVar[bool] = True
    url: str            # from the output folder's root
    kind: str           # "Brief", "Topic" or "Entity": what a result says it is
    title: str
    aliases: str
    summary: str
    tags: str           # the names of its topics and entities
    body: Body | None   # its rendered text, if any
    date: str           # as shown, or ""
    facets: tuple[tuple[str, str], ...]     # ("topic", slug), ("entity", slug), ("year", "2024")
    record: bool        # a topic's or entity's page: its name is what it is about

    @property
    def body_html(self) -> str:
        return self.body.html if self.body is not None else ""


@dataclass(frozen=True)
class Analysis:
    """What the index reads of one document: each term's
    weight in it (BM25's term-frequency part, summed over the fields with their weights).
    It depends on this document alone, so it is made once per document and kept under the
    document's digest (see `analyse.stored`): an edit analyses only what changed, and only
    each word's rarity (idf) is worked out over the whole site. Weights are packed (8 bytes
    each, not an object each) and words interned, so a large site's analyses stay small."""
    terms: tuple[str, ...]      # sorted
    packed: bytes               # the terms' weights, in the same order, as array("d") bytes

    @property
    def weights(self) -> dict[str, float]:
        return dict(zip(self.terms, array("d", self.packed)))


def make_analysis(weights: Iterable[tuple[str, float]]) -> Analysis:
    pairs = sorted(weights)
    return Analysis(tuple(sys.intern(term) for term, _ in pairs),
                    array("d", [weight for _, weight in pairs]).tobytes())


HEADING = re.compile(r"<h[1-6]\b[^>]*>(.*?)</h[1-6]>", re.DOTALL)
HEADER_LINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.DOTALL)


def headings(body_html: str) -> list[str]:
    """The body's headings as text: searched, though snippets (sentences) leave them out."""
    return [tidy(html.unescape(TAG.sub("", HEADER_LINK.sub("", inner)))) for inner in HEADING.findall(body_html)]


def analyse(doc: Document) -> Analysis:
    prose = doc.body.sentences if doc.body is not None else ()
    texts = {"title": doc.title, "aliases": doc.aliases, "tags": doc.tags, "summary": doc.summary,
             "headings": " ".join(headings(doc.body_html)), "body": " ".join(prose)}
    weights: dict[str, float] = defaultdict(float)
    for field, field_weight in FIELD_WEIGHTS.items():
        words = terms(texts[field])
        if not words:
            continue
        counts: dict[str, int] = defaultdict(int)
        for word in words:
            counts[word] += 1
        b = B if field not in NAME_FIELDS else 0.0      # a long title is not a weaker match
        norm = K1 * (1 - b + b * len(words) / PIVOT_LENGTHS[field])
        # The boost is for a record's own name: its description and profile count as a brief's text.
        weight = field_weight * (RECORD_BOOST if doc.record and field in NAME_FIELDS else 1.0)
        for word, tf in counts.items():
            weights[word] += weight * tf * (K1 + 1) / (tf + norm)
    return make_analysis(weights.items())


def analysis_to_text(analysis: Analysis) -> str:
    return json.dumps(list(zip(analysis.terms, array("d", analysis.packed))), ensure_ascii=False,
                      separators=(",", ":"))


def analysis_from_text(text: str) -> Analysis:
    return make_analysis((str(term), float(weight)) for term, weight in json.loads(text))


analyse.stored = (analysis_to_text, analysis_from_text)


# A term's postings: the numbers of the documents that hold it, ascending, and its weight in
# each, packed as array("I") and array("d") bytes (12 bytes a posting rather than a dict entry
# and a float object; at 100,000 briefs a site has tens of millions).
Postings = tuple[bytes, bytes]


def pack(pairs: Iterable[tuple[int, float]]) -> Postings:
    numbers, weights = array("I"), array("d")
    for number, weight in pairs:
        numbers.append(number)
        weights.append(weight)
    return numbers.tobytes(), weights.tobytes()


def unpack(postings: Postings) -> Iterable[tuple[int, float]]:
    return zip(array("I", postings[0]), array("d", postings[1]))


def term_weights(analyses: tuple[Analysis, ...]) -> dict[str, Postings]:
    """term -> its postings: the analyses turned inside out."""
    numbers: dict[str, array] = {}
    weights: dict[str, array] = {}
    for number, analysis in enumerate(analyses):
        for word, weight in zip(analysis.terms, array("d", analysis.packed)):
            held = numbers.get(word)
            if held is None:
                held = numbers[word] = array("I")
                weights[word] = array("d")
            held.append(number)
            weights[word].append(weight)
    return {word: (held.tobytes(), weights[word].tobytes()) for word, held in numbers.items()}


def term_scores(postings: Postings, total: int) -> dict[int, int]:
    """{document number: score} for one term: each document's weight for it times the term's
    rarity over the site (BM25's idf), in tenths."""
    count = len(postings[0]) // array("I").itemsize
    idf = 10 * math.log(1 + (total - count + 0.5) / (count + 0.5))
    return {n: max(1, round(idf * s)) for n, s in unpack(postings)}


def member_set(numbers: Iterable[int], total: int) -> str | list[int]:
    """A set of document numbers, whichever is shorter: a base64 bitmap (a string, bit i of
    byte i // 8 from the low end) or the gaps between sorted numbers (a list)."""
    ordered = sorted(numbers)
    gaps = [n - p for n, p in zip(ordered, [-1, *ordered[:-1]])]
    bitmap = bytearray((total + 7) // 8)
    for n in ordered:
        bitmap[n >> 3] |= 1 << (n & 7)
    as_bits = base64.b64encode(bytes(bitmap)).decode("ascii")
    return as_bits if len(as_bits) < len(json.dumps(gaps, separators=(",", ":"))) else gaps


def term_entry(postings: Mapping[int, int], total: int) -> list:
    """[best, rest, all]: `best` the gaps and scores of up to TOP_POSTINGS best documents in
    number order, flat ([gap, score, gap, score, ...]); when there are more, `rest` is the
    highest score of the others and `all` every document (member_set); else 0 and 0."""
    ranked = sorted(postings.items(), key=lambda item: (-item[1], item[0]))
    best = sorted(ranked[:TOP_POSTINGS])
    flat, previous = [], -1
    for number, score in best:
        flat += [number - previous, score]
        previous = number
    if len(ranked) <= TOP_POSTINGS:
        return [flat, 0, 0]
    return [flat, ranked[TOP_POSTINGS][1], member_set(postings, total)]


def prefix_groups(sizes: Mapping[str, int], budget: int = CHUNK_BYTES) -> list[tuple[str, ...]]:
    """Term prefixes, one file each: a prefix holds every term that starts with it (no longer
    prefix is listed) in about `budget` bytes of entries at most. A prefix whose terms hold
    more is split by its next letter, its own term kept apart. A prefix's file changes only
    when its own terms do, so an edit rewrites few files. (Returned as 1-tuples: the manifest
    keeps room for a file that holds several prefixes.)"""
    leaves: list[str] = []

    def split(prefix: str, words: list[str]) -> None:
        if sum(sizes[w] for w in words) <= budget or all(len(w) <= len(prefix) for w in words):
            leaves.append(prefix)
            return
        if words[0] == prefix:
            leaves.append(prefix)      # the term itself: no longer prefix names it alone
            words = words[1:]
        by_next: dict[str, list[str]] = defaultdict(list)
        for word in words:
            by_next[word[:len(prefix) + 1]].append(word)
        for child in sorted(by_next):
            split(child, by_next[child])

    by_first: dict[str, list[str]] = defaultdict(list)
    for word in sorted(sizes):
        by_first[word[0]].append(word)
    for first in sorted(by_first):
        split(first, by_first[first])
    return [(prefix,) for prefix in leaves]


def file_name(group: tuple[str, ...]) -> str:
    """A term file's name: the hex of its first prefix's UTF-8 (file names stay ASCII)."""
    return group[0].encode("utf-8").hex()


def owner(word: str, prefixes: frozenset[str]) -> str:
    """The longest listed prefix of a word: the one whose file holds it."""
    for end in range(len(word), 0, -1):
        if word[:end] in prefixes:
            return word[:end]
    raise KeyError(word)


def script_safe(text: str) -> str:
    """JSON text made safe to end up inside any script (idempotent, so parts may be joined)."""
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def as_script_data(value) -> str:
    """JSON for a script file: compact, keys sorted; safe to end up inside any script."""
    return script_safe(json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def entry_data(postings: Postings, total: int) -> str:
    """One term's entry (term_entry) as script data."""
    return as_script_data(term_entry(term_scores(postings, total), total))


def term_file_data(words: Iterable[str], entries: Mapping[str, str]) -> str:
    """A term file's data, {word: entry, ...} with its words in order: as_script_data of the
    entries, joined from each entry's own text."""
    return script_safe("{" + ",".join(f"{json.dumps(word, ensure_ascii=False)}:{entries[word]}"
                                      for word in sorted(words)) + "}")


@dataclass(frozen=True)
class SearchIndex:
    """The index's files as script data (JSON text), keyed as their paths are made (urls.py),
    and what they were made from, step by step, so that `update_index` redoes only the steps
    whose inputs an edit changed. Nothing here is changed once made (an update makes new
    mappings for what it changes and shares the rest)."""
    manifest: str
    terms: Mapping[str, str]     # term file name -> its data
    docs: Mapping[int, str]      # document number -> what a result shows of it
    facets: str
    made_from: tuple             # (documents, analyses, facet_labels): the arguments of build_index
    weights: Mapping[str, Postings]                 # term_weights(analyses)
    entries: Mapping[str, str]   # term -> entry_data of its weights
    groups: tuple[tuple[str, ...], ...]             # prefix_groups of the entries' sizes
    files: Mapping[str, tuple[str, ...]]            # term file name -> its words


def entry_sizes(entries: Mapping[str, str]) -> dict[str, int]:
    return {word: len(word) + len(text) + 4 for word, text in entries.items()}


def files_of(groups, words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Term file name -> the words it holds (the longest listed prefix of each)."""
    prefixes = frozenset(p for g in groups for p in g)
    file_of = {p: file_name(g) for g in groups for p in g}
    held: dict[str, list[str]] = defaultdict(list)
    for word in words:
        held[file_of[owner(word, prefixes)]].append(word)
    return {name: tuple(sorted(held[name])) for name in sorted(held)}


def manifest_data(total: int, groups) -> str:
    return as_script_data({"documents": total, "files": {file_name(g): list(g) for g in groups},
                           "min_term": MIN_TERM})


def facets_data(documents: tuple[Document, ...], facet_labels: Mapping[tuple[str, str], str]) -> str:
    total = len(documents)
    facets: dict[str, dict[str, list]] = {"topic": {}, "entity": {}, "year": {}}
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for number, doc in enumerate(documents):
        for facet in doc.facets:
            members[facet].append(number)
    for (kind, value), numbers in sorted(members.items()):
        facets[kind][value] = [facet_labels.get((kind, value), value), member_set(numbers, total)]
    return as_script_data(facets)


def doc_data(doc: Document) -> str:
    """What a result shows of a document; its sentences are its body's (made with the body)."""
    return as_script_data(doc_details(doc, list(doc.body.sentences) if doc.body is not None else []))


def build_index(documents: tuple[Document, ...], analyses: tuple[Analysis, ...],
                facet_labels: Mapping[tuple[str, str], str]) -> SearchIndex:
    """The index's files; `analyses` are analyse(d) for each document, in order."""
    total = len(documents)
    weights = term_weights(analyses)
    entries = {word: entry_data(by_doc, total) for word, by_doc in weights.items()}
    groups = tuple(prefix_groups(entry_sizes(entries)))
    files = files_of(groups, entries)
    return SearchIndex(manifest=manifest_data(total, groups),
                       terms=MappingProxyType({name: term_file_data(words, entries) for name, words in files.items()}),
                       docs=MappingProxyType({n: doc_data(d) for n, d in enumerate(documents)}),
                       facets=facets_data(documents, facet_labels),
                       made_from=(documents, analyses, facet_labels), weights=MappingProxyType(weights),
                       entries=MappingProxyType(entries), groups=groups, files=MappingProxyType(files))


def update_index(last: SearchIndex, documents: tuple[Document, ...], analyses: tuple[Analysis, ...],
                 facet_labels: Mapping[tuple[str, str], str]) -> SearchIndex:
    """build_index(documents, analyses, facet_labels), redoing only what differs from `last`
    (tests/test_search.py checks the two agree over random edits). An edit that keeps the
    number of documents changes the entries of the terms whose weights it changed and
    nothing else; one that adds or removes a document changes every term's rarity, so the
    whole index is made again."""
    old_documents, old_analyses, old_labels = last.made_from
    total = len(documents)
    if total != len(old_documents):
        return build_index(documents, analyses, facet_labels)
    changed = [n for n in range(total) if documents[n] != old_documents[n]]
    touched: set[str] = set()
    new_weights: dict[int, dict[str, float]] = {}
    for n in changed:
        if (old_analyses[n].terms, old_analyses[n].packed) != (analyses[n].terms, analyses[n].packed):
            before, after = old_analyses[n].weights, analyses[n].weights
            new_weights[n] = after
            touched.update(term for term in before.keys() | after.keys() if before.get(term) != after.get(term))
    weights, entries = dict(last.weights), dict(last.entries)
    for term in touched:
        by_doc = {n: w for n, w in unpack(weights.get(term, (b"", b""))) if n not in new_weights}
        by_doc.update((n, after[term]) for n, after in new_weights.items() if term in after)
        if by_doc:
            weights[term] = pack(sorted(by_doc.items()))
            entries[term] = entry_data(weights[term], total)
        else:
            del weights[term], entries[term]
    old_sizes = {word: len(word) + len(last.entries[word]) + 4 for word in touched if word in last.entries}
    same_sizes = old_sizes == {word: len(word) + len(entries[word]) + 4 for word in touched if word in entries}
    groups = last.groups if same_sizes else tuple(prefix_groups(entry_sizes(entries)))
    files = last.files if same_sizes else files_of(groups, entries)
    stale = {name for name, words in files.items() if last.files.get(name) != words or not touched.isdisjoint(words)}
    terms = {name: (term_file_data(words, entries) if name in stale else last.terms[name])
             for name, words in files.items()}
    docs = dict(last.docs)
    docs.update((n, doc_data(documents[n])) for n in changed)
    same_facets = old_labels == facet_labels and all(documents[n].facets == old_documents[n].facets for n in changed)
    return SearchIndex(manifest=last.manifest if groups == last.groups else manifest_data(total, groups),
                       terms=MappingProxyType(terms), docs=MappingProxyType(docs),
                       facets=last.facets if same_facets else facets_data(documents, facet_labels),
                       made_from=(documents, analyses, facet_labels), weights=MappingProxyType(weights),
                       entries=MappingProxyType(entries), groups=groups, files=MappingProxyType(files))


build_index.update = update_index


def doc_details(doc: Document, prose: list[str]) -> dict:
    return {"url": doc.url, "kind": doc.kind, "title": doc.title, "summary": doc.summary, "date": doc.date,
            "sentences": prose,
            "facets": [list(f) for f in doc.facets]}
