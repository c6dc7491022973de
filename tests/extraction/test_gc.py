"""Extraction pauses the cyclic garbage collector: it must make no reference cycles, and it must
leave the collector as it found it."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.extraction import extract, extract_from_bytes

from . import pages

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# Run in a fresh interpreter: in the test session other threads (a reactor's, a browser test's)
# may make garbage of their own while the collector is off.
_NO_CYCLES = """
import collections, gc, sys
from pathlib import Path
from crawler.extraction import extract_from_bytes
sys.path.insert(0, sys.argv[2])
import pages
corpus = [(p.read_bytes(), f"http://example.gov.cn/{p.name}", None)
          for p in sorted(Path(sys.argv[1]).glob("*/pages/*.html"))]
corpus.append((pages.govcn_fragment().encode(), "http://www.gov.cn/a.htm", "article"))
assert len(corpus) > 20, len(corpus)
for body, url, kind in corpus:  # warm-up: imports and caches made on first use
    extract_from_bytes(body, url, kind=kind)
gc.collect()
gc.disable()
gc.set_debug(gc.DEBUG_SAVEALL)
for body, url, kind in corpus:
    page = extract_from_bytes(body, url, kind=kind)
    assert page.kind in ("article", "list", "not_article"), page.kind
del page
found = gc.collect()
print(found, dict(collections.Counter(type(o).__name__ for o in gc.garbage).most_common(8)))
"""


def test_extraction_makes_no_reference_cycles() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _NO_CYCLES, str(FIXTURES), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    unreachable, kinds = done.stdout.split(" ", 1)
    # every object extraction made was freed by reference counting: nothing was left for the
    # collector (which extraction pauses) to find
    assert unreachable == "0", kinds


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


def test_the_collector_is_paused_within_and_resumed_after_an_error() -> None:
    # what _extract_text wraps each page in (a compiled build cannot be patched to fail inside)
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="parser bug"), extract._gc_paused():
        assert not gc.isenabled()
        raise RuntimeError("parser bug")
    assert gc.isenabled()
