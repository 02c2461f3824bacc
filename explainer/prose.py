"""The readable sentences of a rendered body: what search snippets are cut from. Made once
per body, where its Markdown is rendered (on every core), and kept with it."""
from __future__ import annotations

import html
import re

TAG = re.compile(r"<[^>]*>")
TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL)
CELL = re.compile(r"<t([hd])\b[^>]*>(.*?)</t[hd]>", re.DOTALL)
SKIPPED = re.compile(r'<h[1-6]\b.*?</h[1-6]>|<sup class="cite">.*?</sup>|<sup id="fnref:[^"]*">.*?</sup>'
                     r'|<a class="(?:footnote-backref|headerlink)"[^>]*>.*?</a>|<pre\b.*?</pre>'
                     r'|<div class="footnote">.*?</div>|<figcaption\b.*?</figcaption>', re.DOTALL)
BLOCK = re.compile(r"</?(?:p|li|ul|ol|div|br|hr|blockquote|dd|dt|dl|figure|section|table)\b[^>]*>")
SPACE_BEFORE_MARK = re.compile(r"\s+([.,;:!?)\]])")
SPACE_AFTER_OPENING = re.compile(r"([(\[])\s+")
SENTENCE_END = re.compile(r"(?<=[.!?])([\"\u201d\u2019)]?)\s+(?=[\"\u201c\u2018(]?[A-Z0-9\u00c0-\u024f])")
LAST_WORD = re.compile(r"(\S+)\.\W*$")
ABBREVIATIONS = frozenset(("gen", "col", "capt", "lt", "sgt", "maj", "adm", "mr", "mrs", "ms", "dr", "prof", "sen",
                           "rep", "gov", "st", "mt", "no", "nos", "vs", "jr", "sr", "inc", "ltd", "co", "corp",
                           "dept", "est", "approx", "fig", "e.g", "i.e", "cf", "al"))
MARK_AFTER_MARK = re.compile(r"([,;:])\.")     # "the table: [cite]." once the citation is gone


def sentences(body_html: str) -> list[str]:
    """The body's prose as sentences that read on their own: citation marks and headings gone,
    no space before a full stop, a table row as 'Header: cell; Header: cell.'"""
    text = SKIPPED.sub("", body_html).replace("\n", " ")      # a line break in the source is a space
    text = TABLE.sub(lambda m: "\0" + "\0".join(table_sentences(m.group(0))) + "\0", text)
    found = []
    for block in BLOCK.sub("\0", text).split("\0"):
        clean = tidy(html.unescape(TAG.sub("", block)))
        if clean:
            found += split_sentences(clean)
    return found


def split_sentences(text: str) -> list[str]:
    """A paragraph's sentences: split after . ! or ? before a capital, but not after an
    abbreviation ("Gen. Asim Munir") or an initial ("J. Smith")."""
    found, start = [], 0
    for match in SENTENCE_END.finditer(text):
        # The last word before the mark: only the last token is searched, not the sentence (tidy
        # has removed every space before a mark, so the token holds all the pattern can match).
        tokens = text[start:match.start()].rsplit(None, 1)
        before = LAST_WORD.search(tokens[-1]) if tokens else None
        word = before.group(1).lower() if before else ""
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        found.append(text[start:match.start()].strip() + match.group(1))
        start = match.end()
    found.append(text[start:].strip())
    return [s for s in found if s]


def table_sentences(table_html: str) -> list[str]:
    header: list[str] = []
    rows = []
    for row in ROW.findall(table_html):
        cells = [(kind, tidy(html.unescape(TAG.sub("", inner)))) for kind, inner in CELL.findall(row)]
        if cells and all(kind == "h" for kind, _ in cells):
            header = [text for _, text in cells]
            continue
        texts = [text for _, text in cells]
        pairs = [f"{header[i]}: {text}" if i < len(header) and header[i] else text
                 for i, text in enumerate(texts) if text]
        if pairs:
            rows.append("; ".join(pairs) + ".")
    return rows


def tidy(text: str) -> str:
    text = " ".join(text.split())
    text = SPACE_AFTER_OPENING.sub(r"\1", SPACE_BEFORE_MARK.sub(r"\1", text))
    return MARK_AFTER_MARK.sub(".", text)


# -- documents and their scores ------------------------------------------------------------
