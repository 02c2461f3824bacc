"""Entity and topic records (content/_entities/, content/_topics/): loaded and checked like
briefs, matched to the names briefs use, and shown on their pages (issue 14)."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import brief, run_cli

DAR = """---
name: Ishaq Dar
aliases: [Mohammad Ishaq Dar]
kind: person
description: Deputy Prime Minister and Foreign Minister of Pakistan.
wikidata: Q1387498
sources:
  - {id: dawn, title: "Pakistan, Russia sign MoU", publisher: Dawn, url: "https://www.dawn.com/news/1859919",
     date: 2024-09-20}
---
Met [[entity:alexei-overchuk|Russia's deputy prime minister]] in Islamabad [@dawn]; see [[talks]] and [[topic:trade]].
"""
OVERCHUK = """---
name: Alexei Overchuk
kind: person
description: Deputy Prime Minister of Russia.
---
"""
PLACE = """---
name: Bürgenstock
kind: place
description: A resort above Lake Lucerne in Switzerland.
---
"""
TRADE = """---
name: trade
description: Goods, services and the payments between countries.
---
Trade runs through [[talks]].
"""


def records(**extra: str) -> dict[str, str]:
    files = {"_entities/ishaq-dar.md": DAR, "_entities/alexei-overchuk.md": OVERCHUK,
             "_entities/burgenstock.md": PLACE, "_topics/trade.md": TRADE,
             "talks.md": brief(title="The talks", topics="[trade]", entities="[Mohammad Ishaq Dar, Alexei Overchuk]",
                               events='[{date: 2024-09-18, title: "Talks in Islamabad", entities: [ishaq dar]}]'),
             "summit.md": brief(title="The summit", date="2024-06-16", entities="[Burgenstock, Ishaq Dar]")}
    files.update(extra)
    return files


@pytest.fixture
def built(make_site):
    run = make_site(records())
    assert run.code == 0, run.err
    return run


def test_records_are_not_briefs_and_every_spelling_finds_its_record(built):
    assert not (built.site / "briefs/ishaq-dar.html").exists()
    assert "has no record" not in built.err and "also spelt" not in built.err, built.err
    names = {p.name for p in (built.site / "entities").iterdir()}
    assert names == {"ishaq-dar.html", "alexei-overchuk.html", "burgenstock.html"}, names     # one page each
    page = built.html("entities/ishaq-dar.html")
    briefs = [a.get_text(strip=True) for a in page.select("#group-briefs ~ ul a, .brief-list a")]
    assert "The talks" in briefs and "The summit" in briefs         # by alias, by slug spelt with spaces
    assert "The summit" in built.text("entities/burgenstock.html")  # diacritics ignored


def test_an_entity_page_shows_the_record(built):
    page = built.html("entities/ishaq-dar.html")
    assert page.h1.get_text(strip=True) == "Ishaq Dar"
    assert page.select_one(".kicker").get_text(strip=True) == "Person"
    assert "Deputy Prime Minister and Foreign Minister of Pakistan." in page.select_one(".lede").get_text()
    assert "Mohammad Ishaq Dar" in built.text("entities/ishaq-dar.html")
    profile = page.select_one(".profile")
    links = {a.get_text(strip=True): a["href"] for a in profile.select("a")}
    assert links["Russia's deputy prime minister"] == "alexei-overchuk.html"
    assert links["The talks"] == "../briefs/talks.html" and links["trade"] == "../topics/trade.html"
    citation = profile.select_one("sup a")                        # the citation [@dawn], and its source below
    assert citation["href"] == "#src-dawn" and page.find(id="src-dawn") is not None
    assert page.find(id="src-dawn").select_one(".cited-at a")["href"] == "#" + citation["id"]
    assert "Talks in Islamabad" in built.text("entities/ishaq-dar.html")     # its own timeline
    companions = {li.a.get_text(strip=True): li.select_one(".count").get_text() for li in page.select(".companions li")}
    assert companions == {"Alexei Overchuk": "1 brief", "Bürgenstock": "1 brief"}, companions


def test_entity_pages_and_articles_carry_schema_org(built):
    data = json.loads(built.html("entities/ishaq-dar.html").find("script", type="application/ld+json").string)
    person = data["@graph"][0]
    assert person["@type"] == "Person" and person["name"] == "Ishaq Dar"
    assert person["alternateName"] == ["Mohammad Ishaq Dar"]
    assert person["sameAs"] == "https://www.wikidata.org/wiki/Q1387498"
    place = json.loads(built.html("entities/burgenstock.html").find("script", type="application/ld+json").string)
    assert place["@graph"][0]["@type"] == "Place"
    article = json.loads(built.html("briefs/talks.html").find("script", type="application/ld+json").string)
    about = {thing["name"]: thing["@type"] for thing in article["about"]}
    assert about == {"Ishaq Dar": "Person", "Alexei Overchuk": "Person"}, about


def test_a_topic_record_introduces_its_page(built):
    page = built.html("topics/trade.html")
    assert page.h1.get_text(strip=True) == "trade" or page.h1.get_text(strip=True) == "Trade"
    assert "Goods, services and the payments between countries." in page.select_one(".lede").get_text()
    assert page.select_one(".profile a")["href"] == "../briefs/talks.html"


def test_a_name_without_a_record_gets_a_bare_page_and_a_warning(make_site):
    run = make_site(records(**{"other.md": brief(title="Other", entities="[Viola Amherd]")}))
    assert run.code == 0 and (run.site / "entities/viola-amherd.html").exists()
    assert "entity 'Viola Amherd' has no record; add content/_entities/viola-amherd.md" in run.err
    assert run_cli("check", "--content", str(run.content), "--config", str(run.content.parent / "site.yml"),
                   "--strict")[0] == 1


@pytest.mark.parametrize("name, text, message", [
    ("_entities/dar-again.md", "---\nname: Dar\naliases: [Mohammad Ishaq Dar]\nkind: person\ndescription: D.\n---\n",
     "entity name 'Mohammad Ishaq Dar' is also claimed by"),
    ("_entities/x.md", "---\nname: X\nkind: planet\ndescription: D.\n---\n", "kind: 'planet' is not a kind of entity"),
    ("_entities/x.md", "---\nname: X\nkind: other\ndescription: " + "d" * 201 + "\n---\n",
     "description: is 201 characters; at most 200"),
    ("_entities/x.md", "---\nname: X\nkind: other\ndescription: D.\nwikidata: 123\n---\n",
     "wikidata: '123' is not a Wikidata id"),
    ("_entities/x.md", "---\nkind: other\ndescription: D.\n---\n", "name: is required"),
    ("_topics/x.md", "---\nname: X\ndescription: D.\naliases: [Y]\n---\n", "unknown key 'aliases'"),
    ("talks2.md", brief(title="T2", body="See [[entity:ishaq-darr]]."),
     "link '[[entity:ishaq-darr]]': no entity record 'ishaq-darr'; did you mean 'ishaq-dar'?"),
    ("talks3.md", brief(title="T3", body="See [[topic:nope]]."), "no topic record 'nope'"),
])
def test_bad_records_are_reported_with_file_and_line(make_site, name, text, message):
    run = make_site(records(**{name: text}))
    assert message in run.err, run.err
    if "unknown key" not in message:
        assert run.code == 1


def test_editing_a_record_rebuilds_its_pages_and_equals_a_clean_build(make_site, tmp_path):
    run = make_site(records())
    assert run.code == 0, run.err
    (run.content / "_entities/ishaq-dar.md").write_text(DAR.replace("Foreign Minister of Pakistan.",
                                                                    "Foreign Minister, Pakistan."))
    again = make_site({})
    assert again.code == 0 and "up to date" not in again.out, again.out
    assert "Foreign Minister, Pakistan." in again.text("entities/ishaq-dar.html")
    clean = tmp_path / "clean"
    code, _, err = run_cli("build", "--content", str(run.content), "--out", str(clean), "--no-cache",
                           "--config", str(run.content.parent / "site.yml"))
    assert code == 0, err
    tree = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()
                           for p in sorted(folder.rglob("*")) if p.is_file()}
    assert tree(run.site) == tree(clean)
    shutil.rmtree(run.content / "_topics")      # the record goes; the name stays, with a bare page
    failed = make_site({})
    assert failed.code == 1 and "link '[[topic:trade]]': no topic record 'trade'" in failed.err, failed.err
    (run.content / "_entities/ishaq-dar.md").write_text(DAR.replace(" and [[topic:trade]]", ""))
    bare = make_site({})
    assert bare.code == 0 and "topic 'trade' has no record" in bare.err, bare.err
    assert "Goods, services" not in bare.text("topics/trade.html") and "The talks" in bare.text("topics/trade.html")


# -- auto-links ------------------------------------------------------------------------------

MENTIONS = brief(title="Mentions", entities="[Ishaq Dar]", sources="[{id: s, title: S}]", body="""\
## Ishaq Dar in a heading

`Ishaq Dar` in code, and [a link about Ishaq Dar](https://example.org) stay as they are.

Then Mohammad Ishaq Dar spoke [@s]. Later Ishaq Dar spoke again, and Dar once more.

Alexei Overchuk came too; the Bürgenstock resort was elsewhere.
""")


def autolinks(run, page="briefs/mentions.html"):
    return [(a.get_text(), a["href"]) for a in run.html(page).select("a.autolink")]


def test_the_first_mention_of_each_recorded_entity_links_to_its_page(make_site):
    run = make_site(records(**{"mentions.md": MENTIONS}))
    assert run.code == 0, run.err
    assert autolinks(run) == [("Mohammad Ishaq Dar", "../entities/ishaq-dar.html"),
                              ("Alexei Overchuk", "../entities/alexei-overchuk.html"),
                              ("Bürgenstock", "../entities/burgenstock.html")]
    page = run.html("briefs/mentions.html")
    assert not page.select("h2 a.autolink, code a, sup a.autolink")
    # Not listed in the front matter: a suggestion, which check --strict lets pass.
    shown = run.err.replace(f"{run.content.as_posix()}/", "")
    assert "mentions.md:15: suggestion: mentions 'Alexei Overchuk', which has an entity record" in shown, run.err
    assert "'Mohammad Ishaq Dar'" not in shown.split("suggestion")[0]
    config = str(run.content.parent / "site.yml")
    code, out, err = run_cli("check", "--content", str(run.content), "--config", config, "--strict")
    assert code == 0 and "suggestion" in out, (out, err)
    # The entity page lists the brief under "Referenced by"; the article names it under mentions.
    assert "Mentions" in [a.get_text(strip=True) for a in
                          run.html("entities/alexei-overchuk.html").select("#group-referenced ~ ul a")]
    article = json.loads(page.find("script", type="application/ld+json").string)
    assert [m["name"] for m in article["mentions"]] == ["Alexei Overchuk", "Bürgenstock"]


def test_autolink_false_in_a_brief_or_in_site_yml_turns_them_off(make_site):
    run = make_site(records(**{"mentions.md": MENTIONS.replace("entities: [Ishaq Dar]",
                                                               "entities: [Ishaq Dar]\nautolink: false")}))
    assert run.code == 0 and autolinks(run) == []
    run = make_site(records(**{"mentions.md": MENTIONS}))
    assert autolinks(run)
    (run.content.parent / "site.yml").write_text("title: Test site\nautolink: false\n")
    assert autolinks(make_site({})) == []


def test_a_new_alias_links_mentions_in_briefs_that_did_not_change(make_site, tmp_path):
    run = make_site(records(**{"mentions.md": MENTIONS.replace("Bürgenstock resort", "Burgenstock Resort")}))
    assert ("Burgenstock Resort", "../entities/burgenstock.html") not in autolinks(run)
    (run.content / "_entities/burgenstock.md").write_text(PLACE.replace("kind: place", "kind: place\n"
                                                                       "aliases: [Burgenstock Resort]"))
    again = make_site({})
    assert ("Burgenstock Resort", "../entities/burgenstock.html") in autolinks(again)
    code, _, err = run_cli("build", "--content", str(run.content), "--out", str(tmp_path / "clean"), "--no-cache",
                           "--config", str(run.content.parent / "site.yml"))
    assert code == 0, err
    assert (tmp_path / "clean/briefs/mentions.html").read_bytes() == (again.site / "briefs/mentions.html").read_bytes()


def prose_text(run, page: str) -> str:
    return " ".join(run.html(page).select_one(".prose").get_text().split())     # a link adds no space


def test_auto_links_never_change_the_words_or_their_order(make_site):
    """Many mentions in one paragraph, in a list, a table and beside other markup: the text
    reads exactly as with auto-links off."""
    body = ("Ishaq Dar met Alexei Overchuk, then **Bürgenstock** came up, and Ishaq Dar spoke; "
            "Alexei Overchuk replied near Bürgenstock.\n\n"
            "- Alexei Overchuk and *Ishaq Dar* in a list with Bürgenstock.\n\n"
            "| Who | Where |\n| --- | --- |\n| Alexei Overchuk | Bürgenstock |\n\n"
            "Then [[entity:ishaq-dar]] again, and Ishaq Dar once more.")
    files = records(**{"many.md": brief(title="Many", entities="[Ishaq Dar, Alexei Overchuk, Bürgenstock]",
                                        body=body)})
    on = make_site(files)
    assert on.code == 0, on.err
    linked = prose_text(on, "briefs/many.html")
    texts = [a.get_text() for a in on.html("briefs/many.html").select("a.autolink")]
    assert texts == ["Alexei Overchuk"] or sorted(texts) == ["Alexei Overchuk", "Bürgenstock"], texts
    (on.content.parent / "site.yml").write_text("title: Test site\nautolink: false\n")
    off = make_site({})
    assert prose_text(off, "briefs/many.html") == linked


def test_the_shipped_briefs_read_the_same_with_and_without_auto_links(tmp_path):
    from conftest import PROJECT
    (tmp_path / "off.yml").write_text((PROJECT / "site.yml").read_text() + "autolink: false\n")
    assert run_cli("build", "--out", str(tmp_path / "on"), "--no-cache")[0] == 0
    assert run_cli("build", "--out", str(tmp_path / "off"), "--no-cache", "--config", str(tmp_path / "off.yml"),
                   "--cache", str(tmp_path / "cache"))[0] == 0
    from bs4 import BeautifulSoup
    read = lambda path: " ".join(BeautifulSoup(path.read_text(), "html.parser").select_one(".prose")
                                 .get_text().split())
    pages = sorted((tmp_path / "on/briefs").glob("*.html"))
    assert pages and all(read(page) == read(tmp_path / "off/briefs" / page.name) for page in pages)
    assert any(BeautifulSoup(p.read_text(), "html.parser").select("a.autolink") for p in pages)


def test_profiles_link_headings_of_briefs_and_of_their_own_page(make_site):
    profile = DAR.replace("see [[talks]] and [[topic:trade]].",
                          "see [[talks#the-talks]], [the file](../talks.md) and [below](#later).\n\n## Later\n\nMore.")
    talks = brief(title="The talks", topics="[trade]", entities="[Mohammad Ishaq Dar, Alexei Overchuk]",
                  body="## The talks\n\nText.")
    run = make_site(records(**{"_entities/ishaq-dar.md": profile, "talks.md": talks}))
    assert run.code == 0, run.err
    hrefs = [a["href"] for a in run.html("entities/ishaq-dar.html").select(".profile a")]
    assert "../briefs/talks.html#the-talks" in hrefs and "#later" in hrefs
    bad = make_site({"_entities/ishaq-dar.md": profile.replace("#the-talks", "#nope").replace("#later", "#nowhere")})
    assert bad.code == 1 and "talks.md has no heading with id 'nope'" in bad.err, bad.err
    assert "the entity page of 'ishaq-dar' has no heading with id 'nowhere'" in bad.err, bad.err
    assert "Traceback" not in bad.err
