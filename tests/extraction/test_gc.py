"""Extraction pauses the cyclic garbage collector: it must make no reference cycles, and it must
leave the collector as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from crawler.extraction import extract, extract_from_bytes

from . import pages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _corpus() -> list[tuple[bytes, str, str | None]]:
    found: list[tuple[bytes, str, str | None]] = [
        (path.read_bytes(), f"http://example.gov.cn/{path.name}", None)
        for path in sorted(FIXTURES.glob("*/pages/*.html"))
    ]
    found.append((pages.govcn_fragment().encode(), "http://www.gov.cn/a.htm", "article"))
    return found


def test_extraction_makes_no_reference_cycles() -> None:
    corpus = _corpus()
    assert len(corpus) > 20
    for body, url, kind in corpus:  # warm-up: imports and caches made on first use
        extract_from_bytes(body, url, kind=kind)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        for body, url, kind in corpus:
            page = extract_from_bytes(body, url, kind=kind)
            assert page.kind in ("article", "list", "not_article")
        del page
        unreachable = gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    # every object extraction made was freed by reference counting: nothing was left for the
    # collector (which extraction pauses) to find
    assert unreachable == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(enabled: bool) -> None:
    was_enabled = gc.isenabled()
    try:
        if enabled:
            gc.enable()
        else:
            gc.disable()
        page = extract_from_bytes(pages.govcn_fragment().encode(), "http://www.gov.cn/a.htm")
        assert page.kind == "article"
        assert gc.isenabled() is enabled
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_the_collector_resumes_when_extraction_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        assert not gc.isenabled()  # paused while a page is extracted
        raise RuntimeError("parser bug")

    monkeypatch.setattr(extract, "_extract_page", broken)
    assert gc.isenabled()
    page = extract_from_bytes(b"<html><body><p>x</p></body></html>", "http://a.cn/")
    assert page.reason == "extraction failed: RuntimeError"
    assert gc.isenabled()
