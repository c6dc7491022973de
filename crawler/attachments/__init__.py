"""Attachments' contents: the text of the PDF, Word, WPS, Excel, OFD and archive files that
articles link to.

- :mod:`crawler.attachments.detect`: what a file is, from its bytes;
- :mod:`crawler.attachments.extract`: its text, per type (a pure function of the bytes);
- :mod:`crawler.attachments.ofd`: the OFD reader;
- :mod:`crawler.attachments.sandbox`: extraction in worker processes bounded in time and memory;
- :mod:`crawler.attachments.store`: the ``files`` and ``file_urls`` tables.

The downloads themselves are Scrapy's: :class:`crawler.pipelines.attachments.AttachmentsPipeline`.
"""

from crawler.attachments.extract import Extracted, Limits, extract_bytes

__all__ = ["Extracted", "Limits", "extract_bytes"]
