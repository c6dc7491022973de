"""Compiles the article extractor (``crawler/extraction``) with mypyc; everything else about the
package is in ``pyproject.toml``.

Extraction is the crawler's hot loop; compiled, it is faster (docs/benchmarks.md). The modules
stay plain Python too, and nothing depends on the build:

- ``CRAWLER_PURE_PYTHON=1`` at install time builds nothing (and at run time ignores a build);
- with no C compiler, or when mypyc refuses the code, the install goes on without the compiled
  modules and says so in the build's output (``pip install -v`` shows it);
- each build records the hash of every source it compiled (``_compiled.json``); at import,
  ``crawler.extraction.native`` runs the ``.py`` files instead when a source no longer matches its
  build, so an edit in an editable install is never shadowed by a stale ``.so``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

PACKAGE = Path("crawler") / "extraction"
# every module of the package but __init__.py and native.py, which must stay Python: native.py
# decides at import whether the compiled modules may run at all
COMPILED = sorted(p for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "native.py"})
MANIFEST = "_compiled.json"  # the name crawler.extraction.native reads
# only the commands that build code compile: not metadata (egg_info, dist_info), not sdists
BUILDS = {"bdist_wheel", "editable_wheel", "build_ext", "build", "develop", "install"}


def say(message: str) -> None:
    print(f"policy-crawler setup: {message}", file=sys.stderr)


def module_name(path: Path) -> str:
    return ".".join(path.with_suffix("").parts)


def compiled_extensions() -> list[Extension]:
    if os.environ.get("CRAWLER_PURE_PYTHON", "").strip() not in {"", "0"}:
        say("CRAWLER_PURE_PYTHON is set: extraction stays plain Python")
        return []
    if not BUILDS & set(sys.argv[1:]):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        say("mypyc (mypy) is not installed: extraction stays plain Python")
        return []
    try:
        extensions = mypycify(
            # this type check only guides compilation (`mypy crawler` is the lint). Installed
            # packages are not looked at, so that every build compiles the same code whatever
            # the environment holds: lxml, Scrapy and the rest are Any here
            [
                "--no-site-packages",
                "--ignore-missing-imports",
                "--follow-imports=silent",
                *map(str, COMPILED),
            ],
            opt_level="3",
            group_name="crawler_extraction",
        )
    except SystemExit as exc:  # mypyc prints its errors, then exits
        say(f"mypyc could not compile extraction (exit {exc.code}): it stays plain Python")
        return []
    for ext in extensions:
        ext.optional = True  # no C compiler: a warning, and the Python modules are installed
    return list(extensions)


class BuildExt(build_ext):
    """``build_ext`` that records the sources it compiled, for the stale-build check."""

    def run(self) -> None:
        super().run()
        built = {e.name for e in self.extensions if Path(self.get_ext_fullpath(e.name)).is_file()}
        modules = {
            module_name(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in COMPILED
            if module_name(p) in built
        }
        if not modules:
            return
        in_place = self.inplace or getattr(self, "editable_mode", False)
        target = PACKAGE if in_place else Path(self.build_lib) / PACKAGE
        target.mkdir(parents=True, exist_ok=True)
        (target / MANIFEST).write_text(json.dumps({"modules": modules}, indent=1) + "\n")
        say(f"compiled {len(modules)} extraction modules with mypyc")


setup(ext_modules=compiled_extensions(), cmdclass={"build_ext": BuildExt})
