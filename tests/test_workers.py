"""Article extraction in worker processes: the same fields as on the crawl's thread, and no page
lost when a worker dies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.db.store import sign_here
from crawler.dedup.minhash import signature
from crawler.extensions.config import ConfigError, validate
from crawler.extraction import extract_article
from crawler.records.workers import ArticleExtractor, Signer

FIXTURES = Path(__file__).parent / "fixtures"


def article_responses(site: str) -> list[HtmlResponse]:
    """The fixture's article pages as downloaded (raw bytes with their recorded headers)."""
    out = []
    for entry in json.loads((FIXTURES / site / "responses.json").read_text(encoding="utf-8")):
        if "file" not in entry or ("/art/" not in entry["url"] and "content_" not in entry["url"]):
            continue
        body = (FIXTURES / site / entry["file"]).read_bytes()
        out.append(HtmlResponse(entry["url"], body=body, headers=entry.get("headers") or {}))
    return out


@pytest.mark.parametrize("site", ["zj_jyt", "cn_gov"])
def test_workers_extract_what_the_crawl_thread_extracts(site: str) -> None:
    responses = article_responses(site)
    assert len(responses) >= 2
    extractor = ArticleExtractor(workers=1)
    try:
        assert extractor.in_workers

        async def extract_all() -> list[dict[str, object]]:
            pages = await asyncio.gather(*(extractor.article(r) for r in responses))
            return [asdict(page) for page in pages]

        in_workers = asyncio.run(extract_all())
    finally:
        extractor.close()
    inline = [asdict(extract_article(r)) for r in responses]
    assert in_workers == inline
    assert all(page["kind"] == "article" and page["title"] for page in in_workers)


def test_a_dead_worker_costs_no_page(caplog: pytest.LogCaptureFixture) -> None:
    response = article_responses("zj_jyt")[0]
    extractor = ArticleExtractor(workers=1)

    async def kill_then_extract() -> dict[str, object]:
        await extractor.article(response)  # the worker is up
        pids = extractor.pids()
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return asdict(await extractor.article(response))

    try:
        page = asyncio.run(kill_then_extract())
    finally:
        extractor.close()
    assert page == asdict(extract_article(response))
    assert not extractor.in_workers  # the rest of the run extracts on the crawl's thread
    assert "Extraction worker process failed" in caplog.text


def test_no_workers_means_extraction_on_the_crawl_thread() -> None:
    extractor = ArticleExtractor(workers=0)
    assert not extractor.in_workers
    response = article_responses("cn_gov")[0]
    page = asyncio.run(extractor.article(response))
    assert asdict(page) == asdict(extract_article(response))


def test_a_negative_worker_count_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="EXTRACTION_WORKERS"):
        ArticleExtractor(workers=-1)
    with pytest.raises(ConfigError, match="EXTRACTION_WORKERS"):
        validate({"EXTRACTION_WORKERS": "-2"})  # type: ignore[arg-type]


def test_signatures_from_workers_equal_those_made_here(caplog: pytest.LogCaptureFixture) -> None:
    bodies: list[str | None] = [
        page.body_text for page in map(extract_article, article_responses("cn_gov"))
    ]
    bodies += [None, "短文"]
    signer = Signer(workers=1)
    try:
        from_workers = signer(bodies)
        pids = signer.pids()
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        after_death = signer(bodies)  # signed in the calling thread, nothing lost
    finally:
        signer.close()
    here = sign_here(bodies)
    for made in (from_workers, after_death):
        assert [s.to_bytes() if s else None for s in made] == [
            s.to_bytes() if s else None for s in here
        ]
    assert here[0] is not None and here[-1] is None
    assert "Signature worker process failed" in caplog.text


KILLED_CRAWL = """
import os, signal, time
from crawler.records.workers import ArticleExtractor, Signer

if __name__ == "__main__":
    extractor, signer = ArticleExtractor(1), Signer(1)
    signer(["x" * 200])
    time.sleep(0.5)
    print(" ".join(str(pid) for pid in extractor.pids() + signer.pids()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # like cron's timeout or the OOM killer
"""


def test_workers_exit_when_the_crawl_process_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "killed_crawl.py"
    script.write_text(KILLED_CRAWL)
    root = Path(__file__).parent.parent
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    )
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == -signal.SIGKILL
    pids = [int(pid) for pid in proc.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in pids if _alive(pid)]
    assert alive == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


class _Spider:
    """What the middleware needs of a PolicySpider: an ``extract_page`` coroutine."""

    def __init__(self) -> None:
        self.extracted: list[str] = []

    async def extract_page(self, response: HtmlResponse, request: object) -> object:
        assert request is response.request
        self.extracted.append(response.url)
        return extract_article(response)


def test_the_middleware_extracts_article_pages_before_their_callback() -> None:
    from types import SimpleNamespace

    from scrapy import Request

    from crawler.middlewares.extraction import PAGE_META, ArticleExtractionMiddleware

    spider = _Spider()
    middleware = ArticleExtractionMiddleware(SimpleNamespace(spider=spider))  # type: ignore[arg-type]
    page = article_responses("cn_gov")[0]

    def passed(status: int, kind: str) -> dict[str, object]:
        request = Request(page.url, meta={"pc_kind": kind})
        response = page.replace(status=status, request=request)
        out = asyncio.run(middleware.process_response(request, response))
        assert out is response
        return request.meta

    meta = passed(200, "article")
    assert asdict(meta[PAGE_META]) == asdict(extract_article(page))  # type: ignore[call-overload]
    assert PAGE_META not in passed(200, "list")
    assert PAGE_META not in passed(304, "article")
    assert spider.extracted == [page.url]


@pytest.mark.parametrize("site", ["zj_jyt", "cn_gov"])
def test_records_prepared_in_workers_equal_what_the_pipelines_make(site: str) -> None:
    from types import SimpleNamespace

    from crawler.items import PolicyArticle, PreparedArticle
    from crawler.pipelines.normalize import NormalizePipeline
    from crawler.pipelines.tagging import TaggingPipeline
    from crawler.records.prepare import ArticleContext, build_article
    from crawler.records.vocabulary import Vocabulary

    responses = article_responses(site)
    assert responses
    context = ArticleContext(site=site, source_name="某某局", listed={"topic": "列表里的主题"})
    crawler = SimpleNamespace(spider=None)
    normalize = NormalizePipeline(crawler)  # type: ignore[arg-type]
    tagging = TaggingPipeline(crawler, Vocabulary.load())  # type: ignore[arg-type]

    def pipelines(item: object) -> dict[str, object]:
        out = tagging.process_item(normalize.process_item(item))
        assert isinstance(out, PolicyArticle)
        return {k: v for k, v in asdict(out).items() if k != "fetched_at"}

    extractor = ArticleExtractor(workers=1)
    try:

        async def prepare_all() -> list[object]:
            return await asyncio.gather(*(extractor.prepared(r, None, context) for r in responses))

        prepared = asyncio.run(prepare_all())
    finally:
        extractor.close()
    tagged = 0
    for response, record in zip(responses, prepared, strict=True):
        assert type(record) is PreparedArticle
        inline = build_article(extract_article(response), response.url, context)
        assert type(inline) is PolicyArticle
        expected = pipelines(inline)  # normalised and tagged by the pipelines
        got = {k: v for k, v in asdict(record).items() if k != "fetched_at"}
        assert got == expected
        assert pipelines(record) == got  # and the pipelines pass a prepared record as it is
        assert record.topic == "列表里的主题" and record.content_hash
        made_here = signature(record.body_text)
        assert made_here is not None and record.signature is not None  # signed in the worker
        assert record.signature.values.tolist() == made_here.values.tolist()
        assert record.signature.band_keys() == made_here.band_keys()
        tagged += bool(record.tags)
    assert tagged  # the vocabulary found something: the comparison covers the tags


def test_workers_run_at_the_configured_lower_cpu_priority() -> None:
    def nice(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])

    own = nice(os.getpid())
    extractor, signer = ArticleExtractor(1, nice=5), Signer(1, nice=3)
    try:
        # a job done by each: the workers have started (and set their priority first)
        assert signer([None]) == [None]
        page = asyncio.run(extractor.article(article_responses("zj_jyt")[0]))
        assert page.kind == "article"
        assert [nice(pid) for pid in extractor.pids()] == [min(19, own + 5)]
        assert [nice(pid) for pid in signer.pids()] == [min(19, own + 3)]
    finally:
        extractor.close()
        signer.close()


def test_a_spider_that_builds_its_own_records_gets_extracted_pages() -> None:
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.extraction import ExtractedPage
    from crawler.items import PolicyArticle, PreparedArticle
    from crawler.spiders.cn_gov import CnGovSpider

    class OwnRecords(CnGovSpider):
        name = "own_records"

        def build_item(self, page, response, listed):  # type: ignore[no-untyped-def]
            item = super().build_item(page, response, listed)
            item.topic = "自定"
            return item

    response = article_responses("cn_gov")[0]
    request = Request(response.url, cb_kwargs={"listed": {}})
    results = {}
    for cls in (CnGovSpider, OwnRecords):
        crawler = get_crawler(cls, {"EXTRACTION_WORKERS": 0})
        spider = cls.from_crawler(crawler)
        results[cls] = asyncio.run(spider.extract_page(response, request))
    assert type(results[CnGovSpider]) is PreparedArticle
    own = results[OwnRecords]
    assert isinstance(own, ExtractedPage)  # only extracted: its record is built by the spider
    item = OwnRecords.from_crawler(get_crawler(OwnRecords)).build_item(own, response, {})
    assert isinstance(item, PolicyArticle) and item.topic == "自定"
