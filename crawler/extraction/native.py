"""Whether the compiled build of this package (``setup.py``, mypyc) runs, or its ``.py`` files.

An install compiles the extraction modules when it can, and records the SHA-256 of each source it
compiled in ``_compiled.json``. A compiled module shadows its ``.py``: after an edit in an
editable install, or a checkout of another commit, the old ``.so`` would run and the edit would
be silently ignored. So before the package's modules load (:func:`choose`, from ``__init__``),
each recorded source is hashed again; when one differs, all of them run from their ``.py`` files
(compiled modules call each other directly, so they are switched together) and a warning says
how to rebuild. ``CRAWLER_PURE_PYTHON=1`` asks for the ``.py`` files whatever the build.

This module itself is never compiled: it has to run before any compiled module is imported.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

logger = logging.getLogger(__name__)

MANIFEST = "_compiled.json"
"""Written by ``setup.py`` next to the modules it compiled: ``{"modules": {name: sha256}}``."""
PURE_ENV = "CRAWLER_PURE_PYTHON"
"""Set (to anything but ``0``) to run the ``.py`` files even when a build is there."""


@dataclass(frozen=True, slots=True)
class Build:
    """What :func:`choose` found, and so what runs."""

    compiled: tuple[str, ...]
    """Modules the install compiled (empty: no build, e.g. no C compiler)."""
    stale: tuple[str, ...]
    """Compiled modules whose ``.py`` changed since the build."""
    pure_requested: bool
    """``CRAWLER_PURE_PYTHON`` is set."""

    @property
    def runs_compiled(self) -> bool:
        return bool(self.compiled) and not self.stale and not self.pure_requested

    def describe(self) -> str:
        if self.runs_compiled:
            return f"compiled ({len(self.compiled)} modules, mypyc)"
        if not self.compiled:
            return "plain Python (this install has no compiled build)"
        if self.pure_requested:
            return f"plain Python ({PURE_ENV} is set)"
        return f"plain Python (the compiled build is older than {', '.join(self.stale)})"


def pure_requested() -> bool:
    """Whether ``CRAWLER_PURE_PYTHON`` asks for the ``.py`` files."""
    return os.environ.get(PURE_ENV, "").strip() not in {"", "0"}


def recorded(package_dir: Path) -> dict[str, str]:
    """The modules of the build in ``package_dir`` and their sources' hashes at build time."""
    try:
        data = json.loads((package_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {str(name): str(digest) for name, digest in data["modules"].items()}


def source_of(package_dir: Path, module: str) -> Path:
    return package_dir / f"{module.rpartition('.')[2]}.py"


def stale_modules(package_dir: Path, modules: dict[str, str]) -> tuple[str, ...]:
    """Compiled modules whose ``.py`` is no longer the source they were compiled from (a missing
    ``.py``, as in an install that ships only the build, is never stale)."""
    stale = []
    for module, digest in sorted(modules.items()):
        source = source_of(package_dir, module)
        if source.is_file() and hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            stale.append(module)
    return tuple(stale)


class SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the named modules as their ``.py`` files, ahead of the compiled ones."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        source = self.sources.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def choose(package_dir: Path) -> Build:
    """Decide, before any module of the package is imported, whether the compiled build runs;
    when it must not, put a :class:`SourceFinder` for its modules first on ``sys.meta_path``."""
    modules = recorded(package_dir)
    build = Build(tuple(sorted(modules)), stale_modules(package_dir, modules), pure_requested())
    if modules and not build.runs_compiled:
        sources = {m: source_of(package_dir, m) for m in modules}
        missing = [str(path) for path in sources.values() if not path.is_file()]
        if missing:  # nothing to fall back to: the build runs, whatever was asked
            logger.warning("%s: no source to run instead of the build", ", ".join(missing))
            return Build(build.compiled, (), False)
        if not any(isinstance(f, SourceFinder) for f in sys.meta_path):
            sys.meta_path.insert(0, SourceFinder(sources))
        if build.stale:
            logger.warning(
                "extraction runs as plain Python, more slowly: %s changed since it was compiled; "
                "reinstall (`make install`, or `pip install -e .`) to compile it again",
                ", ".join(build.stale),
            )
    return build
