"""Issue 8.5: bad input.

- Mutated page bytes (bit flips, insertions, deletions, truncation, a changed charset) go through
  the extractor and the normalisation stage: no exception escapes, none is swallowed by the
  extractor's last line of defence, and nothing but DropItem comes out of normalisation.
- A well-formed page whose only change is a wrong charset declaration (HTTP header, ``<meta>``,
  or both) yields the same title and body as the original: no mojibake.
- Invalid settings and environment values stop ``scrapy crawl`` at start, naming the setting.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.exceptions import DropItem

from crawler.extraction import ExtractedPage, extract_from_bytes
from crawler.items import PolicyArticle
from crawler.records.normalize import normalize_article
from crawler.records.prepare import ArticleContext, build_article
from tests.reliability.sites import NOTICES
from tests.support.paths import FIXTURES, ROOT

PAGES: list[Path] = sorted(
    p for p in FIXTURES.glob("*/pages/*") if p.suffix in {".html", ".htm", ".shtml"}
)
META_CHARSET = re.compile(rb"""(<meta[^>]*charset\s*=\s*["']?)([A-Za-z0-9_-]+)""", re.I)
MOJIBAKE = ("\ufffd", "锟斤拷", "烫烫烫", "屯屯屯")
CHARSETS = [
    "utf-8",
    "UTF8",
    "gbk",
    "gb2312",
    "gb18030",
    "big5",
    "iso-8859-1",
    "windows-1252",
    "shift_jis",
    "euc-kr",
    "utf-16",
    "x-bogus",
]
BOUNDED = settings(
    max_examples=int(os.environ.get("RELIABILITY_EXAMPLES", "400")),
    deadline=None,
    derandomize=os.environ.get("RELIABILITY_EXAMPLES") is None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@functools.cache
def corpus() -> list[tuple[str, bytes, str]]:
    """(name, well-formed bytes, true charset): every fixture page, and a GBK copy of each
    UTF-8 one and of the test notices (what a GBK site would serve)."""
    out = []
    for path in PAGES:
        body = path.read_bytes()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            out.append((path.name, body, "gb18030"))
            continue
        out.append((path.name, body, "utf-8"))
        gbk = META_CHARSET.sub(rb"\1gbk", text.encode("gbk", "xmlcharrefreplace"))
        out.append((f"{path.name} (GBK)", gbk, "gbk"))
    for n, notice in enumerate(NOTICES):
        out.append((f"notice {n}", notice.html().encode(), "utf-8"))
        out.append((f"notice {n} (GBK)", notice.html(charset="gbk").encode("gbk"), "gbk"))
    return out


def url_of(name: str) -> str:
    return f"http://127.0.0.1:9/{name.split()[0]}"


def extract(body: bytes, name: str, charset: str | None) -> ExtractedPage:
    headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}
    return extract_from_bytes(body, url_of(name), headers=headers)


@functools.cache
def baseline(index: int) -> ExtractedPage:
    name, body, charset = corpus()[index]
    return extract(body, name, charset)


def declare(body: bytes, meta: str | None) -> bytes:
    """``body`` with its ``<meta>`` charset changed to ``meta`` (removed when None)."""
    if meta is None:
        return META_CHARSET.sub(rb"\1", body)
    return META_CHARSET.sub(lambda m: m.group(1) + meta.encode(), body)


def item_of(page: ExtractedPage) -> PolicyArticle:
    return build_article(page, page.url, ArticleContext(site="test_faulty"))


# --- mutations ---------------------------------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes, str | None]:
    name, body, charset = draw(st.sampled_from(corpus()))
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "charset"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(
                st.one_of(
                    st.binary(min_size=1, max_size=64),
                    st.sampled_from(
                        [b"<", b"</div>", b"<!--", b"]]>", b"\xef\xbb\xbf", b"\xff\xfe", b"\x00"]
                    ),
                )
            )
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 2000))]
        elif kind == "truncate":
            del data[at:]
        else:
            data = bytearray(declare(bytes(data), draw(st.sampled_from(CHARSETS))))
    header = draw(st.one_of(st.none(), st.just(charset), st.sampled_from(CHARSETS)))
    return name, bytes(data), header


@BOUNDED
@given(mutated(), st.sampled_from([None, "article", "list"]))
def test_mutated_pages_never_break_extraction_or_normalisation(
    case: tuple[str, bytes, str | None], kind: str | None
) -> None:
    name, body, charset = case
    headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}
    page = extract_from_bytes(body, url_of(name), headers=headers, kind=kind)
    assert isinstance(page, ExtractedPage)
    # the extractor's catch-all keeps a crawl alive, but an exception inside it is still a bug
    assert not (page.reason or "").startswith("extraction failed"), page.reason
    try:
        item = normalize_article(item_of(page))
    except DropItem:
        return
    assert item.content_hash
    for text in (item.title, item.body_text):
        assert text is None or "锟斤拷" not in text


@BOUNDED
@given(
    st.integers(0, len(corpus()) - 1),
    st.one_of(st.none(), st.sampled_from(CHARSETS)),
    st.one_of(st.none(), st.sampled_from(CHARSETS)),
)
def test_a_lying_charset_declaration_changes_nothing(
    index: int, header: str | None, meta: str | None
) -> None:
    """Only the declaration changes (header, meta, both, or removed): the same text comes out."""
    name, body, _ = corpus()[index]
    base = baseline(index)
    page = extract(declare(body, meta), name, header)
    assert (page.kind, page.title) == (base.kind, base.title), name
    assert page.body_text == base.body_text, name
    for before, after in ((base.title, page.title), (base.body_text, page.body_text)):
        for marker in MOJIBAKE:
            assert (after or "").count(marker) <= (before or "").count(marker), (name, marker)
    if page.kind == "article":
        item = normalize_article(item_of(page))
        assert item.content_hash == normalize_article(item_of(base)).content_hash


def test_the_corpus_is_well_formed() -> None:
    """The baseline the charset test compares with has no mojibake of its own."""
    assert len(corpus()) > 60
    articles = 0
    for index, (name, _, _) in enumerate(corpus()):
        page = baseline(index)
        articles += page.kind == "article"
        for text in (page.title, page.body_text):
            assert not any(m in (text or "") for m in MOJIBAKE), name
    assert articles > 30


# --- invalid settings --------------------------------------------------------------------------

INVALID = {
    "DATABASE_URL": (["DATABASE_URL=notaurl"], []),
    "STORAGE_BATCH_SIZE": ([], ["-s", "STORAGE_BATCH_SIZE=0"]),
    "ALERT_URLS": (["ALERT_URLS=bogus://x"], []),
    "REVISIT_DAYS": ([], ["-s", "REVISIT_DAYS=abc"]),
    "mode": ([], ["-a", "mode=sideways"]),
}


@pytest.fixture(scope="module")
def invalid_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """``scrapy crawl cn_gov`` with each invalid value, side by side. REPLAY_DIR answers every
    request from the fixtures, so nothing leaves the machine even if a value were accepted."""
    tmp = tmp_path_factory.mktemp("settings")
    processes = {}
    for name, (env_values, args) in INVALID.items():
        env = {k: v for k, v in os.environ.items() if k != "ALERT_URLS"}
        env.update(
            DATABASE_URL=f"sqlite:///{tmp / name / 'policy.db'}",
            REPLAY_DIR=str(FIXTURES),
            FEED_DIR=str(tmp / name / "feeds"),
            SPOOL_DIR=str(tmp / name / "spool"),
        )
        env.update(dict(v.split("=", 1) for v in env_values))
        processes[name] = subprocess.Popen(
            [sys.executable, "-m", "scrapy", "crawl", "cn_gov", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    results = {}
    for name, process in processes.items():
        output, _ = process.communicate(timeout=120)
        results[name] = (process.returncode, output)
    return results


@pytest.mark.parametrize("name", list(INVALID))
def test_an_invalid_setting_stops_the_crawl_at_start_naming_it(
    invalid_runs: dict[str, tuple[int, str]], name: str
) -> None:
    code, output = invalid_runs[name]
    assert code != 0, output[-2000:]
    assert re.search(rf"(setting |-a ){re.escape(name)}\b", output), output[-2000:]
    assert "Spider opened" not in output  # stopped before crawling anything
    assert "replay/hit" not in output


def test_an_invalid_setting_exits_2_with_a_one_line_message(
    invalid_runs: dict[str, tuple[int, str]],
) -> None:
    for name, (code, output) in invalid_runs.items():
        assert code == 2, name
        assert "Traceback" not in output, name
