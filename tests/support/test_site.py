"""The local site answers alike from nginx and from the Python server that stands in for it."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.site import StaticSite, generate, nginx_binary

SERVERS = [
    pytest.param("nginx", marks=pytest.mark.nginx),
    "python",
]


@pytest.mark.parametrize("prefer", SERVERS)
def test_the_site_is_served_with_its_charsets_and_logged(prefer: str, tmp_path: Path) -> None:
    if prefer == "nginx" and nginx_binary() is None:
        pytest.fail("nginx is not installed (apt-get install nginx)")
    info = generate(tmp_path / "site", 1, 1, 2)
    (tmp_path / "site" / "gbk").mkdir()
    (tmp_path / "site" / "gbk" / "a.html").write_bytes("通知".encode("gbk"))
    charsets = {"/gbk/": None}
    with StaticSite(
        tmp_path / "site", tmp_path / "run", charsets=charsets, access_log=True, prefer=prefer
    ) as site:
        assert site.kind == ("nginx" if prefer == "nginx" else "python-prefork")
        with urllib.request.urlopen(site.base + info["articles"][0]) as response:
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            modified = response.headers["Last-Modified"]
            assert "<h1>" in response.read().decode("utf-8")
        with urllib.request.urlopen(site.base + "/gbk/a.html") as response:
            assert response.headers["Content-Type"] == "text/html"  # none declared
        request = urllib.request.Request(
            site.base + info["articles"][0], headers={"If-Modified-Since": modified}
        )
        with pytest.raises(urllib.error.HTTPError) as answer:
            urllib.request.urlopen(request)
        assert answer.value.code == 304
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(site.base + "/nowhere.html")
        assert missing.value.code == 404
        assert site.requests()[info["articles"][0]] == 2
        assert site.pids()
    assert site.proc is not None and site.proc.poll() is not None  # stopped
