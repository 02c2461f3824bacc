"""Images (issue 13): local files only, copied into the site with their width and height and
alt text required; remote images only from hosts site.yml lists, which the CSP names."""
from __future__ import annotations

import struct
import zlib

import pytest

from conftest import brief, run_cli


def png(width: int, height: int) -> bytes:
    rows = b"".join(b"\x00" + b"\x10\x20\x30" * width for _ in range(height))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_a_local_image_is_copied_and_linked_with_its_size(make_site):
    run = make_site({"trade/a.md": brief(body="![Trade by year](img/chart.png)\n\n<img src='img/chart.png' alt='Raw'>"),
                     "trade/img/chart.png": png(40, 20)})
    assert run.code == 0, run.err
    images = run.html("briefs/a.html").select(".prose img")
    assert [(i["src"], i["width"], i["height"], i["alt"]) for i in images] == [
        ("../images/trade/img/chart.png", "40", "20", "Trade by year"),
        ("../images/trade/img/chart.png", "40", "20", "Raw")]
    assert (run.site / "images/trade/img/chart.png").read_bytes() == png(40, 20)


@pytest.mark.parametrize("body, message", [
    ("![](chart.png)", "image 'chart.png' has no alt text"),
    ("<img src='chart.png'>", "image 'chart.png' has no alt text"),
    ("![A chart](charts.png)", "image 'charts.png': no image at charts.png in the content folder; did you mean"),
    ("![Pixel](https://tracker.example/p.gif)", "image 'https://tracker.example/p.gif' is on another host "
                                                "(tracker.example)"),
    ("<img src='https://tracker.example/p.gif' alt='x'>", "is on another host (tracker.example)"),
])
def test_bad_images_are_errors_with_their_line(make_site, body, message):
    run = make_site({"a.md": brief(body=f"Text.\n\n{body}\n"), "chart.png": png(2, 2)})
    assert run.code == 1 and message in run.err, run.err
    assert "a.md:9:" in run.err.replace(f"{run.content.as_posix()}/", "")


def test_an_empty_alt_needs_the_decorative_class(make_site):
    run = make_site({"a.md": brief(body="![](chart.png){: .decorative }"), "chart.png": png(2, 2)})
    assert run.code == 0, run.err
    image = run.html("briefs/a.html").select_one(".prose img")
    assert image["alt"] == "" and image["class"] == ["decorative"]


def test_remote_images_only_from_listed_hosts_which_the_csp_names(make_site, tmp_path):
    (tmp_path / "site.yml").write_text("title: T\nremote_images: [images.example.org]\n")
    run = make_site({"a.md": brief(body="![A map](https://images.example.org/map.png)")})
    assert run.code == 0, run.err
    assert run.html("briefs/a.html").select_one(".prose img")["src"] == "https://images.example.org/map.png"
    csp = run.html("index.html").find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    assert "img-src 'self' data: https://images.example.org;" in csp and "https:;" not in csp
    (tmp_path / "site.yml").write_text("title: T\nremote_images: ['https://bad/*']\n")
    assert "remote_images[0]: 'https://bad/*' is not a host name" in make_site({}).err


def test_a_changed_image_changes_its_size_in_an_incremental_build(make_site, tmp_path):
    run = make_site({"a.md": brief(body="![A chart](chart.png)"), "chart.png": png(10, 10)})
    (run.content / "chart.png").write_bytes(png(30, 15))
    again = make_site({})
    assert again.html("briefs/a.html").select_one(".prose img")["width"] == "30"
    code, _, err = run_cli("build", "--content", str(run.content), "--out", str(tmp_path / "clean"), "--no-cache",
                           "--config", str(tmp_path / "site.yml"))
    assert code == 0, err
    assert (tmp_path / "clean/briefs/a.html").read_bytes() == (again.site / "briefs/a.html").read_bytes()
    assert (tmp_path / "clean/images/chart.png").read_bytes() == (again.site / "images/chart.png").read_bytes()
