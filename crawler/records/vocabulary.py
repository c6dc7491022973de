"""Topic tags from a documented, editable vocabulary (``crawler/data/vocabulary.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from crawler.extraction.normalize import to_simplified

DEFAULT_VOCABULARY = Path(__file__).parent.parent / "data" / "vocabulary.toml"


class VocabularyError(ValueError):
    """The vocabulary file is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Vocabulary:
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    """(tag, terms) pairs in file order."""

    @classmethod
    def load(cls, path: Path | str | None = None) -> Vocabulary:
        path = Path(path) if path else DEFAULT_VOCABULARY
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise VocabularyError(f"TAG_VOCABULARY {path}: {exc}") from exc
        pairs = []
        for tag, table in data.items():
            terms = table.get("terms") if isinstance(table, dict) else None
            if not isinstance(terms, list) or not all(isinstance(t, str) and t for t in terms):
                raise VocabularyError(f'TAG_VOCABULARY {path}: [{tag}] needs terms = ["..."]')
            pairs.append((tag, tuple(to_simplified(t) for t in terms)))
        return cls(tuple(pairs))

    def tags(self, *texts: str | None) -> list[str]:
        """The tags whose terms occur in any of ``texts`` (compared in simplified characters)."""
        text = to_simplified("\n".join(t for t in texts if t))
        return [tag for tag, terms in self.terms if any(term in text for term in terms)]
