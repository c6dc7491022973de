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
from crawler.items import PolicyArticle
from crawler.records.prepare import ArticleContext, extract_prepared
from crawler.records.workers import ArticleExtractor, Signer, page_args
from tests.support.paths import FIXTURES, ROOT

CONTEXT = ArticleContext(site="test")


def article_responses(site: str) -> list[HtmlResponse]:
    """The fixture's article pages as downloaded (raw bytes with their recorded headers)."""
    out = []
    for entry in json.loads((FIXTURES / site / "responses.json").read_text(encoding="utf-8")):
        if "file" not in entry or ("/art/" not in entry["url"] and "content_" not in entry["url"]):
            continue
        body = (FIXTURES / site / entry["file"]).read_bytes()
        out.append(HtmlResponse(entry["url"], body=body, headers=entry.get("headers") or {}))
    return out


def record_here(response: HtmlResponse) -> dict[str, object]:
    """The record of an article page prepared on this thread (fetch time and signature aside)."""
    return record_of(extract_prepared(*page_args(response, None), CONTEXT))


def record_of(item: object) -> dict[str, object]:
    assert isinstance(item, PolicyArticle)
    return {k: v for k, v in asdict(item).items() if k not in ("fetched_at", "signature")}


def test_a_dead_worker_costs_no_page(caplog: pytest.LogCaptureFixture) -> None:
    response = article_responses("zj_jyt")[0]
    extractor = ArticleExtractor(workers=1)

    async def kill_then_extract() -> dict[str, object]:
        await extractor.prepared(response, None, CONTEXT)  # the worker is up
        pids = extractor.pids()
        assert pids
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        return record_of(await extractor.prepared(response, None, CONTEXT))

    try:
        record = asyncio.run(kill_then_extract())
    finally:
        extractor.close()
    assert record == record_here(response)
    assert not extractor.in_workers  # the rest of the run extracts on the crawl's thread
    assert "Extraction worker process failed" in caplog.text


def test_no_workers_means_extraction_on_the_crawl_thread() -> None:
    extractor = ArticleExtractor(workers=0)
    assert not extractor.in_workers
    response = article_responses("cn_gov")[0]
    record = asyncio.run(extractor.prepared(response, None, CONTEXT))
    assert record_of(record) == record_here(response)


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
    root = ROOT
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

    extract_in_workers = True

    def __init__(self) -> None:
        self.extracted: list[str] = []

    async def extract_page(self, response: HtmlResponse, request: object) -> object:
        assert request is response.request
        self.extracted.append(response.url)
        return extract_article(response)


def test_the_middleware_extracts_article_pages_before_their_callback() -> None:
    from types import SimpleNamespace

    from scrapy import Request

    from crawler.middlewares.extraction import ArticleExtractionMiddleware
    from crawler.spiders.meta_keys import PAGE as PAGE_META

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
def test_records_prepared_in_workers_equal_those_prepared_in_the_crawl(site: str) -> None:
    """One path: the same preparation in a worker process and in the crawl's process (no worker,
    or a page not extracted on its way) gives the same record, normalised, tagged and signed."""
    from crawler.items import PolicyArticle
    from crawler.records.prepare import ArticleContext, extract_prepared
    from crawler.records.workers import page_args

    responses = article_responses(site)
    assert responses
    context = ArticleContext(site=site, source_name="某某局", listed={"topic": "列表里的主题"})

    def record(item: object) -> dict[str, object]:
        assert isinstance(item, PolicyArticle)
        return {k: v for k, v in asdict(item).items() if k not in ("fetched_at", "signature")}

    extractor = ArticleExtractor(workers=1)
    try:

        async def prepare_all() -> list[object]:
            return await asyncio.gather(*(extractor.prepared(r, None, context) for r in responses))

        prepared = asyncio.run(prepare_all())
    finally:
        extractor.close()
    tagged = 0
    for response, item in zip(responses, prepared, strict=True):
        here = extract_prepared(*page_args(response, None), context)
        assert isinstance(item, PolicyArticle) and isinstance(here, PolicyArticle)
        assert record(item) == record(here)
        assert item.topic == "列表里的主题" and item.content_hash
        assert item.page_chars is not None and item.page_chars == here.page_chars
        made_here = signature(item.body_text)
        assert made_here is not None and item.signature is not None  # signed in the worker
        assert here.signature is not None
        assert item.signature.values.tolist() == made_here.values.tolist()
        assert here.signature.values.tolist() == made_here.values.tolist()
        assert item.signature.band_keys() == made_here.band_keys()
        tagged += bool(item.tags)
    assert tagged  # the vocabulary found something: the comparison covers the tags


def test_workers_run_at_the_configured_lower_cpu_priority() -> None:
    def nice(pid: int) -> int:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])

    own = nice(os.getpid())
    extractor, signer = ArticleExtractor(1, nice=5), Signer(1, nice=3)
    try:
        # a job done by each: the workers have started (and set their priority first)
        assert signer([None]) == [None]
        context = ArticleContext(site="zj_jyt")
        record = asyncio.run(extractor.prepared(article_responses("zj_jyt")[0], None, context))
        assert isinstance(record, PolicyArticle)
        assert [nice(pid) for pid in extractor.pids()] == [min(19, own + 5)]
        assert [nice(pid) for pid in signer.pids()] == [min(19, own + 3)]
    finally:
        extractor.close()
        signer.close()


def test_a_spider_that_builds_its_own_records_prepares_them_in_the_crawl() -> None:
    """``extract_in_workers = False``: the middleware leaves its pages alone, and the spider
    extracts, builds (its own way) and prepares them in the crawl's process, the same way."""
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.items import PolicyArticle
    from crawler.middlewares.extraction import ArticleExtractionMiddleware
    from crawler.spiders.cn_gov import CnGovSpider
    from crawler.spiders.meta_keys import PAGE as PAGE_META

    class OwnRecords(CnGovSpider):
        name = "own_records"
        extract_in_workers = False

        def build_item(self, page, response, listed):  # type: ignore[no-untyped-def]
            item = super().build_item(page, response, listed)
            item.topic = " 自定 "
            return item

    page = article_responses("cn_gov")[0]
    spider = OwnRecords.from_crawler(get_crawler(OwnRecords, {"EXTRACTION_WORKERS": 0}))
    request = Request(page.url, meta={"pc_kind": "article"}, cb_kwargs={"listed": {}})
    response = page.replace(request=request)
    middleware = ArticleExtractionMiddleware(SimpleNamespace(spider=spider))  # type: ignore[arg-type]
    asyncio.run(middleware.process_response(request, response))
    assert PAGE_META not in request.meta  # not extracted on its way
    [item] = spider.parse_article(response, {})
    assert isinstance(item, PolicyArticle)
    assert item.topic == "自定"  # its own build, then normalised
    assert item.content_hash and item.signature is not None  # and prepared: hashed, signed
