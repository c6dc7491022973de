"""Generic article extractor for Chinese government policy pages and news pages.

No per-site selectors are needed: CMS meta conventions (TRS, Hanweb), label–value tables and
lines, and paragraph scoring find the fields; optional selectors win when they match.

An install compiles these modules with mypyc when it can (``setup.py``); they run the same either
way, and :data:`BUILD` says which runs.
"""

from __future__ import annotations

from pathlib import Path

from . import native

BUILD = native.choose(Path(__file__).parent)
"""Whether the compiled build of these modules runs (:mod:`crawler.extraction.native`)."""

# only now, once the choice is made, may the package's modules load
from .decode import decode_body  # noqa: E402
from .extract import extract_article, extract_from_bytes, extract_links, to_eval_dict  # noqa: E402
from .model import Attachment, ExtractedPage, Image  # noqa: E402

__all__ = [
    "BUILD",
    "Attachment",
    "ExtractedPage",
    "Image",
    "decode_body",
    "extract_article",
    "extract_from_bytes",
    "extract_links",
    "to_eval_dict",
]
