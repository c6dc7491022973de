"""A misbehaving local web site on 127.0.0.1 and the policy notices it serves.

:class:`LocalSite` is a threaded HTTP server whose answers are set per path (:class:`Answer`):
a status, headers and body, an optional delay, or a fault injected on the socket (a TCP reset, a
body cut short of its ``Content-Length``, no answer at all until the client gives up). It logs
every request path, so that tests can prove what was (not) fetched. Answers can be changed between
runs (a URL that failed heals). Always close it (the fixtures do, in teardown).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Fault = Literal["reset", "truncate", "hang"]


@dataclass(frozen=True)
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering."""
    fault: Fault | None = None


def html_answer(text: str, encoding: str = "utf-8", declared: str | None = None) -> Answer:
    """``text`` encoded with ``encoding`` and a Content-Type that declares ``declared``."""
    return Answer(
        body=text.encode(encoding),
        headers={"Content-Type": f"text/html; charset={declared or encoding}"},
    )


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status=status, headers={"Location": location, "Content-Length": "0"})


class LocalSite:
    """An HTTP server on 127.0.0.1 (a free port) answering from :attr:`answers`."""

    def __init__(self, answers: dict[str, Answer] | None = None) -> None:
        self.answers: dict[str, Answer] = dict(answers or {})
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.answer(self)

            def log_message(self, *args: Any) -> None:
                pass

            def finish(self) -> None:
                with contextlib.suppress(OSError):  # the socket was reset or cut on purpose
                    super().finish()

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128  # a crawl opens many connections at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def set(self, path: str, answer: Answer) -> None:
        with self._lock:
            self.answers[path] = answer

    def served(self, path: str) -> int:
        """How many requests for ``path`` arrived."""
        with self._lock:
            return self.requests.count(path)

    def paths(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(path)
            answer = self.answers.get(path)
        if answer is None:
            answer = Answer(404, b"not found", {"Content-Type": "text/plain"})
        if answer.delay and self._stop.wait(answer.delay):
            return
        if answer.fault == "hang":
            self._stop.wait(30)  # longer than any DOWNLOAD_TIMEOUT of the tests
            return
        if answer.fault == "reset":
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()
            handler.close_connection = True
            return
        try:
            handler.send_response(answer.status)
            headers = {"Content-Length": str(len(answer.body)), **answer.headers}
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if answer.fault == "truncate":
                handler.wfile.write(answer.body[: len(answer.body) // 3])
                handler.wfile.flush()
                handler.connection.shutdown(socket.SHUT_RDWR)
                handler.close_connection = True
                return
            handler.wfile.write(answer.body)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# --- pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A policy notice as a government site publishes it."""

    title: str
    issuer: str
    doc_number: str
    written: str
    published: str
    paragraphs: tuple[str, ...]
    index_number: str = "11330000002482870B/2024-00123"

    def html(self, charset: str = "utf-8", extra_body: str = "") -> str:
        paras = "\n".join(f"<p>{p}</p>" for p in self.paragraphs)
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{self.title}_通知公告_测试市教育局</title>
<meta name="ArticleTitle" content="{self.title}">
<meta name="PubDate" content="{self.published} 09:30">
<meta name="ContentSource" content="{self.issuer}">
</head>
<body>
<div class="header"><a href="/">首页</a> <a href="/list.html">通知公告</a>
<a href="/zwgk/">政务公开</a></div>
<div class="xxgk">
<table class="info">
<tr><td>索引号：</td><td>{self.index_number}</td><td>主题分类：</td><td>教育</td></tr>
<tr><td>发文机关：</td><td>{self.issuer}</td><td>成文日期：</td><td>{self.written}</td></tr>
<tr><td>发文字号：</td><td>{self.doc_number}</td><td>发布日期：</td><td>{self.published}</td></tr>
</table>
</div>
<div class="article">
<h1>{self.title}</h1>
<div class="content" id="zoom">
{paras}
{extra_body}
</div>
</div>
<div class="footer">主办单位：测试市教育局　网站标识码：3300000001
ICP备案号：浙ICP备00000000号</div>
</body>
</html>
"""


NOTICES: tuple[Notice, ...] = (
    Notice(
        title="关于做好2025年春季学期幼儿园招生工作的通知",
        issuer="测试市教育局",
        doc_number="测教发〔2025〕3号",
        written="2025-01-10",
        published="2025-01-13",
        paragraphs=(
            "各区县（市）教育局，各直属幼儿园：",
            "为进一步规范幼儿园招生行为，保障适龄幼儿平等接受学前教育的权利，"
            "根据《中华人民共和国学前教育法》和省教育厅有关文件精神，现就做好2025年春季学期"
            "幼儿园招生工作通知如下。",
            "一、坚持就近入园原则。各地要根据学龄前人口变化情况，科学划定招生片区，"
            "公办幼儿园和普惠性民办幼儿园招生计划应于2月15日前向社会公布。",
            "二、严禁组织任何形式的入园考试或测查，不得将各类竞赛证书、培训结果作为招生依据。",
            "三、各地要加强招生工作宣传，及时回应家长关切，确保招生工作平稳有序。",
        ),
    ),
    Notice(
        title="测试市卫生健康委关于开展托育机构质量评估工作的通知",
        issuer="测试市卫生健康委员会",
        doc_number="测卫人家〔2024〕21号",
        written="2024-11-18",
        published="2024-11-20",
        paragraphs=(
            "各区县（市）卫生健康局：",
            "为贯彻落实《托育机构质量评估标准》，推动托育服务高质量发展，"
            "市卫生健康委决定在全市范围内开展托育机构质量评估工作。",
            "评估对象为已完成备案且正常运营满一年的各类托育机构，评估内容包括办托条件、"
            "托育队伍、保育照护、卫生保健、养育支持、安全保障和机构管理等七个方面。",
            "各地要于2024年12月31日前完成自评和初评工作，并将评估结果报送市卫生健康委"
            "人口监测与家庭发展处。",
        ),
    ),
    Notice(
        title="关于印发《测试市普惠托育服务专项行动实施方案》的通知",
        issuer="测试市发展和改革委员会、测试市卫生健康委员会",
        doc_number="测发改社会〔2024〕88号",
        written="2024-10-08",
        published="2024-10-12",
        paragraphs=(
            "各有关单位：",
            "现将《测试市普惠托育服务专项行动实施方案》印发给你们，请结合实际认真贯彻执行。",
            "到2025年，全市每千人口拥有3岁以下婴幼儿托位数达到4.5个，普惠托位占比不低于60%，"
            "基本形成多元主体参与、覆盖城乡的普惠托育服务体系。",
            "对新建、改扩建普惠性托育机构，按每个新增托位1万元的标准给予一次性建设补助。",
        ),
    ),
    Notice(
        title="测试市教育局关于公布2024年度家庭教育指导服务示范点名单的通知",
        issuer="测试市教育局",
        doc_number="测教基〔2024〕56号",
        written="2024-12-02",
        published="2024-12-05",
        paragraphs=(
            "各区县（市）教育局：",
            "根据《测试市家庭教育指导服务示范点建设标准》，经学校申报、区县推荐、专家评审和"
            "社会公示，确定30所学校为2024年度家庭教育指导服务示范点。",
            "各示范点要充分发挥示范引领作用，健全家校社协同育人机制，"
            "定期开展家庭教育公益讲座，帮助家长树立科学育儿观念。",
            "市教育局将对示范点实行动态管理，每三年复核一次。",
        ),
    ),
    Notice(
        title="关于进一步做好育儿补贴发放工作的通知",
        issuer="测试市卫生健康委员会、测试市财政局",
        doc_number="测卫发〔2025〕7号",
        written="2025-02-20",
        published="2025-02-24",
        paragraphs=(
            "各区县（市）卫生健康局、财政局：",
            "为落实国家育儿补贴制度，减轻家庭生育养育负担，现就进一步做好育儿补贴发放工作通知如下。",
            "一、育儿补贴按年发放，对3周岁以下婴幼儿每孩每年发放3600元，申领人可通过"
            "政务服务平台在线申请。",
            "二、各地要简化申领流程，实现“一次申请、按年发放”，确保补贴资金及时足额发放到位。",
            "三、财政部门要做好资金保障，卫生健康部门要加强审核，严防虚报冒领。",
        ),
    ),
    Notice(
        title="测试市教育局关于加强中小学生课后服务管理的意见",
        issuer="测试市教育局",
        doc_number="测教发〔2024〕40号",
        written="2024-09-01",
        published="2024-09-03",
        paragraphs=(
            "各区县（市）教育局，市直属各学校：",
            "为深化“双减”工作，提升课后服务质量，现就加强中小学生课后服务管理提出如下意见。",
            "课后服务坚持学生家长自愿原则，服务时间一般不早于下午5点30分结束，"
            "服务内容以作业辅导、体育锻炼、艺术活动和科普活动为主。",
            "各校要建立课后服务质量评价机制，广泛听取学生和家长意见，持续改进服务。",
        ),
    ),
)


def numbered_notice(n: int) -> Notice:
    """A distinct notice for bulk crawls (the same template, its own number and text)."""
    base = NOTICES[n % len(NOTICES)]
    return Notice(
        title=f"{base.title}（第{n}号）",
        issuer=base.issuer,
        doc_number=f"测教通〔2025〕{n}号",
        written=base.written,
        published=base.published,
        paragraphs=(
            *base.paragraphs,
            f"本通知编号为第{n}号，自印发之日起施行，由测试市教育局办公室负责解释（{n * 7919}）。",
        ),
        index_number=f"11330000002482870B/2025-{n:05d}",
    )


def list_page(links: Iterable[tuple[str, str]], next_href: str | None = None) -> str:
    """A list page of (href, title) links, newest first, with a 下一页 link when paged."""
    items = "\n".join(
        f'<li><a href="{href}" target="_blank">{title}</a><span class="date">2025-01-13</span></li>'
        for href, title in links
    )
    pager = f'<a href="{next_href}">下一页</a>' if next_href else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>通知公告_测试市教育局</title></head>
<body>
<div class="header"><a href="/">首页</a> <a href="/list.html">通知公告</a></div>
<div class="main"><h2>通知公告</h2>
<ul class="news-list">
{items}
</ul>
<div class="pager">{pager}</div>
</div>
<div class="footer">主办单位：测试市教育局</div>
</body></html>
"""


def gzip_bomb(size: int, prefix: bytes = b"") -> bytes:
    """``prefix`` and then ``size`` bytes of spaces, gzip-compressed (about 1000:1)."""
    chunk = b" " * (1024 * 1024)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as gz:
        gz.write(prefix)
        for _ in range(-(-size // len(chunk))):
            gz.write(chunk)
    return buffer.getvalue()
