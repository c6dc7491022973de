"""Generic article extractor for Chinese government policy pages and news pages.

No per-site selectors are needed: CMS meta conventions (TRS, Hanweb), label–value tables and
lines, and paragraph scoring find the fields; optional selectors win when they match.
"""

from __future__ import annotations

from .decode import decode_body
from .extract import extract_article, extract_from_bytes, extract_links, to_eval_dict
from .model import Attachment, ExtractedPage, Image

__all__ = [
    "Attachment",
    "ExtractedPage",
    "Image",
    "decode_body",
    "extract_article",
    "extract_from_bytes",
    "extract_links",
    "to_eval_dict",
]
