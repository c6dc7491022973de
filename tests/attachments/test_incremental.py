"""Incremental attachments: what a URL fetched before costs the next time, and bad settings."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.attachments.store import KnownUrl, Wanted
from crawler.extensions.config import ConfigError, validate
from crawler.pipelines.attachments import AttachmentJob, AttachmentsPipeline

NOW = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
URL = "https://www.example.gov.cn/f/1.pdf"


def known(**changes: object) -> KnownUrl:
    values: dict[str, object] = {
        "url": URL,
        "status": "stored",
        "sha256": "ab" * 32,
        "etag": '"v1"',
        "last_modified": "Mon, 02 Dec 2024 08:00:00 GMT",
        "checked_at": NOW - dt.timedelta(days=40),
        "next_retry_at": None,
        "attempts": 0,
        "file_status": "ok",
    }
    values.update(changes)
    return KnownUrl(**values)  # type: ignore[arg-type]


@pytest.fixture
def pipeline(tmp_path: Path) -> AttachmentsPipeline:
    crawler = get_crawler(
        settings_dict={
            "DATABASE_URL": f"sqlite:///{tmp_path / 'policy.db'}",
            "FILES_STORE": str(tmp_path / "files"),
        }
    )
    return AttachmentsPipeline.from_crawler(crawler)


def test_which_urls_fetched_before_are_fetched_again(pipeline: AttachmentsPipeline) -> None:
    assert not pipeline._due(known(checked_at=NOW - dt.timedelta(days=3)), NOW)  # stored, read
    assert pipeline._due(known(), NOW)  # checked 40 days ago: conditionally again
    assert pipeline._due(known(file_status="pending"), NOW)  # downloaded, never read
    failed = known(status="failed", sha256=None, file_status=None)
    assert not pipeline._due(_as_dict(failed, next_retry_at=NOW + dt.timedelta(hours=1)), NOW)
    assert pipeline._due(_as_dict(failed, next_retry_at=NOW - dt.timedelta(minutes=1)), NOW)


def _as_dict(entry: KnownUrl, **changes: object) -> KnownUrl:
    values = {name: getattr(entry, name) for name in KnownUrl.__slots__}
    values.update(changes)
    return KnownUrl(**values)  # type: ignore[arg-type]


def test_a_stored_file_is_asked_for_with_its_validators_and_a_304_downloads_nothing(
    pipeline: AttachmentsPipeline,
) -> None:
    job = AttachmentJob(Wanted(URL, "1.pdf", "pdf", "https://www.example.gov.cn/a/1.htm"), known())
    (request,) = pipeline.get_media_requests(job, pipeline_info())
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 02 Dec 2024 08:00:00 GMT"
    assert request.headers[b"Referer"] == b"https://www.example.gov.cn/a/1.htm"
    assert request.meta["download_maxsize"] == 50 * 1024 * 1024
    info = asyncio.run(
        pipeline.media_downloaded(
            Response(URL, status=304, request=request), request, pipeline_info(), item=job
        )
    )
    assert (job.outcome, job.body, info["checksum"]) == ("unchanged", None, "ab" * 32)
    fresh = AttachmentJob(Wanted(URL, "1.pdf", "pdf", None))
    (request,) = pipeline.get_media_requests(fresh, pipeline_info())
    assert b"If-None-Match" not in request.headers


def pipeline_info() -> object:
    return object()


@pytest.mark.parametrize(
    ("name", "value"),
    [("ATTACHMENTS_MAX_FILE_SIZE", "0"), ("ATTACHMENTS_CONCURRENT", "none"),
     ("ATTACHMENTS_EXTRACT_MEMORY_MB", "10")],
)  # fmt: skip
def test_a_bad_attachment_setting_is_a_configuration_error(name: str, value: str) -> None:
    from scrapy.settings import Settings

    with pytest.raises(ConfigError, match=name):
        validate(Settings({name: value}))
