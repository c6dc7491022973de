"""The compiled build of the extractor (setup.py, mypyc): this install runs it, it gives what the
``.py`` files give, and a build older than its sources never runs (crawler.extraction.native)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import crawler
from crawler.extraction import BUILD, extract, native

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PURE = native.pure_requested()


def test_this_install_runs_the_compiled_extractor() -> None:
    if PURE:  # the developer asked for plain Python: then it must be plain Python
        assert not BUILD.runs_compiled and extract.__file__.endswith(".py")
        return
    # `make install` compiles (gcc and the Python headers are needed): were this to fail, every
    # crawl would run at the speed of plain Python without a word
    assert BUILD.runs_compiled, f"extraction is {BUILD.describe()}: run `make install` again"
    assert not extract.__file__.endswith(".py")
    assert set(BUILD.compiled) >= {"crawler.extraction.dom", "crawler.extraction.extract"}


_DUMP = """
import dataclasses, json, sys
from pathlib import Path
from crawler.extraction import BUILD, extract_from_bytes
print(BUILD.describe())
for path in sorted(Path(sys.argv[1]).glob("*/pages/*.html")):
    page = extract_from_bytes(path.read_bytes(), f"http://example.gov.cn/{path.name}")
    print(json.dumps(dataclasses.asdict(page), ensure_ascii=False, sort_keys=True, default=str))
"""


def dump(**env: str) -> list[str]:
    """Which build ran, then every fixture page's fields, one JSON line each, from a fresh
    interpreter with ``env`` added."""
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, str(FIXTURES)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_compiled_and_plain_python_extract_every_fixture_page_alike() -> None:
    plain = dump(**{native.PURE_ENV: "1"})
    installed = dump()
    assert plain[0].startswith("plain Python") and len(plain) > 40
    assert installed[0] == BUILD.describe()
    assert plain[1:] == installed[1:]


# --- a build older than its sources ----------------------------------------------------------


def package_copy(tmp_path: Path) -> Path:
    """This install's ``crawler`` package, its build included, copied under ``tmp_path``."""
    shutil.copytree(
        Path(crawler.__file__).parent,
        tmp_path / "crawler",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    group = importlib.util.find_spec("crawler_extraction__mypyc")
    assert group is not None and group.origin, "no compiled build: run `make install`"
    shutil.copy2(group.origin, tmp_path)
    return tmp_path / "crawler" / "extraction"


_WHICH = """
import json, sys
import crawler.extraction as e
from crawler.extraction import dom, extract
print(json.dumps([e.BUILD.describe(), dom.__file__, extract.__file__, hasattr(dom, "EDITED")]))
"""


def which(root: Path, **env: str) -> tuple[list[object], str]:
    done = subprocess.run(
        [sys.executable, "-c", _WHICH],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), **env},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


@pytest.mark.skipif(PURE, reason=f"{native.PURE_ENV} is set: this install may have no build")
def test_an_edited_source_runs_instead_of_its_stale_build(tmp_path: Path) -> None:
    package = package_copy(tmp_path)
    (describe, dom_file, extract_file, edited), _ = which(tmp_path)
    assert describe.startswith("compiled") and not str(dom_file).endswith(".py")
    assert str(extract_file).startswith(str(tmp_path))

    with (package / "dom.py").open("a", encoding="utf-8") as fh:
        fh.write("\nEDITED = True\n")
    (describe, dom_file, extract_file, edited), stderr = which(tmp_path)
    assert describe == "plain Python (the compiled build is older than crawler.extraction.dom)"
    # the edit runs, and so do the other modules' sources: compiled code calls compiled code
    assert edited is True and dom_file == str(package / "dom.py")
    assert extract_file == str(package / "extract.py")
    assert "dom changed since it was compiled" in stderr and "make install" in stderr


@pytest.mark.skipif(PURE, reason=f"{native.PURE_ENV} is set: this install may have no build")
def test_the_switch_runs_the_sources_of_an_up_to_date_build(tmp_path: Path) -> None:
    package = package_copy(tmp_path)
    (describe, dom_file, _, _), stderr = which(tmp_path, **{native.PURE_ENV: "1"})
    assert describe == f"plain Python ({native.PURE_ENV} is set)"
    assert dom_file == str(package / "dom.py") and "changed" not in stderr


def test_the_recorded_hashes_tell_stale_sources(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("A = 1\n")
    (tmp_path / "b.py").write_text("B = 1\n")
    digest = hashlib.sha256(b"A = 1\n").hexdigest()
    modules = {"pkg.a": digest, "pkg.b": digest, "pkg.gone": digest}
    (tmp_path / native.MANIFEST).write_text(json.dumps({"modules": modules}))
    assert native.recorded(tmp_path) == modules
    # b differs from its build; a build whose source is not installed cannot be stale
    assert native.stale_modules(tmp_path, modules) == ("pkg.b",)
    assert native.recorded(tmp_path / "elsewhere") == {}


def test_without_a_build_nothing_is_switched(tmp_path: Path) -> None:
    before = list(sys.meta_path)
    build = native.choose(tmp_path)
    assert build == native.Build((), (), PURE)
    assert build.describe() == "plain Python (this install has no compiled build)"
    assert sys.meta_path == before
