"""The search index brought up to date from its last result (`update_index`) must be the
index made from nothing (`build_index`), whatever edits came between: the dev server and
every rebuild rely on it."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explainer.searchindex import Document, analyse, build_index, update_index

# Few letters, so words share prefixes and the term files split (CHUNK_BYTES) as a real site's do.
WORDS = st.text(alphabet="abcde", min_size=2, max_size=4)
TEXT = st.lists(WORDS, max_size=40).map(" ".join)
FACETS = st.lists(st.sampled_from([("topic", "energy"), ("topic", "trade"), ("entity", "india"), ("year", "2024")]),
                  unique=True, max_size=3).map(tuple)


@st.composite
def documents(draw, number: int) -> Document:
    return Document(url=f"briefs/d{number}.html", kind=draw(st.sampled_from(["Brief", "Topic", "Entity"])),
                    title=draw(TEXT), aliases=draw(st.sampled_from(["", "abc", "de dea"])), summary=draw(TEXT),
                    tags=draw(TEXT), body=None, date=draw(st.sampled_from(["", "2024"])), facets=draw(FACETS),
                    record=draw(st.booleans()))


@st.composite
def sites(draw) -> tuple[Document, ...]:
    return tuple(draw(documents(n)) for n in range(draw(st.integers(1, 60))))


@st.composite
def edits(draw, site: tuple[Document, ...]) -> tuple[Document, ...]:
    """One edit: a document changed, one added, one removed, or the same site again."""
    docs = list(site)
    kind = draw(st.sampled_from(["change", "change", "add", "remove", "same"]))
    if kind == "change":
        at = draw(st.integers(0, len(docs) - 1))
        docs[at] = draw(documents(at))
    elif kind == "add":
        docs.append(draw(documents(len(docs))))
    elif kind == "remove" and len(docs) > 1:
        docs.pop(draw(st.integers(0, len(docs) - 1)))
    return tuple(docs)


LABELS = st.sampled_from([{}, {("topic", "energy"): "Energy"}, {("topic", "energy"): "Power"}])


def files(index) -> tuple:
    return index.manifest, dict(index.terms), dict(index.docs), index.facets


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_an_updated_index_is_the_index_made_from_nothing(data):
    site = data.draw(sites())
    labels = data.draw(LABELS)
    index = build_index(site, tuple(map(analyse, site)), labels)
    for _ in range(data.draw(st.integers(1, 6))):
        site = data.draw(edits(site))
        labels = data.draw(LABELS)
        analyses = tuple(map(analyse, site))
        index = update_index(index, site, analyses, labels)
        assert files(index) == files(build_index(site, analyses, labels))


def test_an_edit_remakes_only_the_term_files_of_the_words_it_changed():
    site = tuple(Document(url=f"d{n}.html", kind="Brief", title=f"alpha{n} beta", aliases="", summary="gamma delta",
                          tags="", body=None, date="", facets=(), record=False) for n in range(30))
    index = build_index(site, tuple(map(analyse, site)), {})
    edited = (*site[:5], Document(**{**vars(site[5]), "summary": "gamma epsilon"}), *site[6:])
    updated = update_index(index, edited, tuple(map(analyse, edited)), {})
    remade = {name for name, text in updated.terms.items() if text is not index.terms.get(name)}
    # "gamma" keeps its weight (the summary keeps its length): only the files of the words gone and come
    assert remade == {name for name, words in {**index.files, **updated.files}.items()
                      if {"delta", "epsilon"} & set(words)} != set()
    assert [n for n in updated.docs if updated.docs[n] is not index.docs[n]] == [5]
    assert files(updated) == files(build_index(edited, tuple(map(analyse, edited)), {}))
