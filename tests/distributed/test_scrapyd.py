"""Scrapyd: deploy the project with scrapyd-deploy, schedule a spider over the HTTP API, find its
articles in the database. Scrapyd runs on a free 127.0.0.1 port with deploy/scrapyd.conf as the
template; the job replays the bundled cn_gov fixtures into a throw-away PostgreSQL database,
through the shared Redis frontier.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawler.db import make_engine
from crawler.db.models import Article, CrawlRun
from tests.support.net import free_port
from tests.support.paths import FIXTURES, ROOT
from tests.support.scaleout import REDIS_URL

pytestmark = pytest.mark.postgres

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
PROJECT = "policy-crawler"


def api(base: str, path: str, data: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"{base}/{path}", data=body, timeout=30) as answer:
        result: dict[str, Any] = json.loads(answer.read())
    return result


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[str]:
    """Scrapyd on a free port, configured from deploy/scrapyd.conf; its base URL."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    conf = (DEPLOY / "scrapyd.conf").read_text(encoding="utf-8")
    overrides = {
        "http_port": str(port),
        "eggs_dir": str(home / "eggs"),
        "logs_dir": str(home / "logs"),
        "dbs_dir": str(home / "dbs"),
        "poll_interval": "0.5",
        "max_proc": "2",
    }
    for key, value in overrides.items():
        conf, n = re.subn(rf"(?m)^{key}\s*=.*$", f"{key} = {value}", conf)
        assert n == 1, f"{key} not in deploy/scrapyd.conf"
    (home / "scrapyd.conf").write_text(conf, encoding="utf-8")
    env = {
        **os.environ,
        "FEED_DIR": str(tmp_path / "feeds"),
        "SPOOL_DIR": str(tmp_path / "spool"),
        "LOCK_FILE": str(tmp_path / "crawler.lock"),
    }
    env.pop("SCRAPY_SETTINGS_MODULE", None)  # the egg's entry point names it
    log = (home / "scrapyd.out").open("w")
    process = subprocess.Popen(
        [str(BIN / "scrapyd")], cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if api(base, "daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("scrapyd did not start:\n" + (home / "scrapyd.out").read_text())
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def deploy(tmp_path: Path, base: str) -> subprocess.CompletedProcess[str]:
    """scrapyd-deploy from a copy of deploy/ (the build leaves files behind) to ``base``."""
    build = tmp_path / "deploy"
    shutil.copytree(DEPLOY, build, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    cfg = (build / "scrapy.cfg").read_text(encoding="utf-8")
    cfg = cfg.replace("url = http://127.0.0.1:6800/", f"url = {base}/")
    (build / "scrapy.cfg").write_text(cfg, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        [str(BIN / "scrapyd-deploy"), "local", "-p", PROJECT, "--version", "r1"],
        cwd=build,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_schedule_and_store(
    tmp_path: Path, scrapyd: str, pg_url: str, redis_prefix: str
) -> None:
    deployed = deploy(tmp_path, scrapyd)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert '"status": "ok"' in deployed.stdout + deployed.stderr
    assert PROJECT in api(scrapyd, "listprojects.json")["projects"]
    spiders = api(scrapyd, f"listspiders.json?project={PROJECT}")["spiders"]
    assert "cn_gov" in spiders and "sh_edu" in spiders

    settings = {
        "DATABASE_URL": pg_url,
        "REPLAY_DIR": str(FIXTURES),
        # until crawler/settings.py lists the add-on and reads REDIS_URL itself:
        "ADDONS": json.dumps({"crawler.distributed.addon.DistributedAddon": 0}),
        "REDIS_URL": REDIS_URL,
        "DISTRIBUTED_KEY_PREFIX": redis_prefix,
        "DISTRIBUTED_IDLE_TIMEOUT": "1",
    }
    jobs = []
    for spider in ("cn_gov", "sh_edu"):
        answer = api(
            scrapyd,
            "schedule.json",
            [("project", PROJECT), ("spider", spider)]
            + [("setting", f"{k}={v}") for k, v in settings.items()],
        )
        assert answer["status"] == "ok", answer
        jobs.append(answer["jobid"])

    deadline = time.monotonic() + 120
    while True:
        listed = api(scrapyd, f"listjobs.json?project={PROJECT}")
        finished = {job["id"]: job for job in listed["finished"]}
        if all(job in finished for job in jobs):
            break
        assert time.monotonic() < deadline, f"jobs not finished: {listed}"
        time.sleep(0.5)

    logs = {
        job: (tmp_path / "scrapyd" / "logs" / PROJECT / spider / f"{job}.log").read_text()
        for job, spider in zip(jobs, ("cn_gov", "sh_edu"), strict=True)
    }
    for log in logs.values():
        assert "Shared frontier" in log  # the job ran on the Redis frontier
        assert "Spider closed (finished)" in log

    engine = make_engine(pg_url)
    with engine.connect() as conn:
        stored = {site: 0 for site in ("cn_gov", "sh_edu")}
        for (site,) in conn.execute(select(Article.site)):
            stored[site] += 1
        runs = {row.site: row.status for row in conn.execute(select(CrawlRun))}
    engine.dispose()
    for site in stored:
        expected = len(json.loads((FIXTURES / site / "expected.json").read_text())["articles"])
        assert stored[site] == expected, (site, logs)
    assert set(runs) == {"cn_gov", "sh_edu"}
    assert all(status in ("ok", "warning") for status in runs.values()), runs
