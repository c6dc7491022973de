"""A deterministic, seeded local copy of a government policy site, for the crawl benchmarks.

The pages follow the conventions of gov.cn and of the TRS CMS used by most local governments:

* list pages ``index.html``, ``index_1.html``, ... (20 links each, newest first, a ``下一页`` link
  and TRS's ``createPageHTML`` script), one list column per site size:
  ``/zhengce/zuixin_<N>/`` lists the newest ``N`` articles, so one generated tree serves both the
  5k and the 50k crawl (the 5k articles are the 50k site's newest);
* article pages of 20–60 KB with the header / navigation / sidebar / footer chrome and inline
  scripts of a real page, the body in ``#UCAP-CONTENT``, the 信息公开 info table ``table.bd1``
  (索引号 / 主题分类 / 发文机关 / 成文日期 / 发文字号 / 发布日期) on policy documents, news-style
  date and 来源 lines on the others, and attachment links on a share of them;
* a share of pages in GBK, in sections whose server headers are right (``charset=GBK``), missing
  (only the ``<meta>`` says gb2312) or wrong (the header claims UTF-8), see :data:`SECTIONS`.

Every page is a pure function of ``(seed, index)``, so the site is identical from run to run and
the pages can be generated in parallel; file modification times are the articles' publish times
(what a static server sends as ``Last-Modified``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

LIST_PAGE_SIZE = 20
NEWEST = dt.datetime(2026, 11, 27, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
FIRST_ID = 7_100_000


@dataclass(frozen=True, slots=True)
class Section:
    """A part of the site: its URL prefix, page encoding and the charset its server declares."""

    prefix: str
    encoding: str
    """Codec of the page bytes."""
    header_charset: str | None
    """Charset the server puts in ``Content-Type`` (``None``: none, only the page's ``<meta>``)."""
    share: float
    url_style: str
    """``gov`` (``content_<id>.htm``) or ``trs`` (``t<yyyymmdd>_<id>.html``)."""


SECTIONS: tuple[Section, ...] = (
    Section("/zhengce/content/", "utf-8", "utf-8", 0.80, "gov"),
    # GBK pages: the header right, missing, or realistically wrong (TRS sites behind a proxy that
    # stamps UTF-8 on everything).
    Section("/zwgk/zcwj/", "gbk", "GBK", 0.12, "trs"),
    Section("/xxgk/tzgg/", "gbk", None, 0.04, "trs"),
    Section("/xxgk/gzdt/", "gbk", "utf-8", 0.04, "trs"),
)


@dataclass(slots=True)
class SiteInfo:
    """What was generated (saved as ``site.json`` in the site root)."""

    root: str
    seed: int
    articles: int
    list_columns: dict[int, str]
    """Site size → URL path of its first list page."""
    list_pages: dict[int, int]
    article_bytes: int = 0
    min_page_bytes: int = 0
    max_page_bytes: int = 0
    gbk_pages: int = 0
    info_table_pages: int = 0
    attachment_pages: int = 0
    sample_paths: list[str] = field(default_factory=list)
    """Root-relative paths of a spread of article pages (the extraction benchmark's sample)."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


# --- vocabulary ----------------------------------------------------------------------------------
ISSUERS = (
    "国务院办公厅",
    "教育部",
    "国家卫生健康委员会",
    "民政部",
    "财政部",
    "人力资源社会保障部",
    "住房城乡建设部",
    "国家发展改革委",
    "市教育委员会",
    "省卫生健康委员会",
    "市人民政府办公厅",
    "区教育局",
    "国家疾控局",
    "国家医保局",
)
DOC_PREFIX = ("国办发", "教基", "国卫人口发", "民发", "财社", "人社部发", "沪教委基", "苏卫规")
TOPICS = (
    "托育服务",
    "学前教育",
    "义务教育",
    "婴幼儿照护",
    "妇幼健康",
    "基层医疗卫生",
    "职业教育",
    "教师队伍建设",
    "校园安全",
    "儿童营养",
    "养老服务",
    "公共卫生应急",
)
VERBS = ("加快构建", "进一步加强", "深入推进", "规范", "做好", "全面提升", "促进", "健全")
DOC_TYPES = ("的意见", "的通知", "的实施方案", "的指导意见", "的若干措施", "管理办法", "工作方案")
TOPIC_CLASSES = (
    "人口与计划生育、妇女儿童工作\\妇女儿童",
    "科技、教育\\教育",
    "卫生、体育\\卫生",
    "民政、扶贫、救灾\\社会福利",
    "财政、金融、审计\\财政",
)
PHRASES = (
    "各地区各部门",
    "要坚持以人民为中心的发展思想",
    "认真贯彻落实党中央、国务院决策部署",
    "普惠托育服务体系",
    "婴幼儿照护服务",
    "按照每千人口不少于4.5个托位的标准",
    "统筹推进",
    "城乡公共服务设施配套建设",
    "新建居住区",
    "老旧小区",
    "通过补建、购置、置换、租赁等方式",
    "支持有条件的幼儿园开设托班",
    "招收2至3岁幼儿",
    "合理确定服务价格",
    "落实房租、水电气热等优惠政策",
    "加强从业人员职业技能培训",
    "推动托育机构与妇幼保健机构建立协作机制",
    "做好膳食营养、生长发育监测和传染病防控",
    "把学前教育纳入经济社会发展规划",
    "完善普惠性学前教育保障机制",
    "健全教师工资待遇保障机制",
    "加大财政投入力度",
    "建立健全部门协同工作机制",
    "加强督促检查和监测评估",
    "确保各项政策措施落地见效",
    "充分发挥市场机制作用",
    "鼓励社会力量参与",
    "强化安全监管",
    "完善标准规范体系",
    "推进信息化建设",
    "提升服务质量和水平",
    "县级人民政府",
    "街道（乡镇）",
    "社区卫生服务中心",
    "用人单位",
    "依法依规",
    "因地制宜",
    "分类指导",
    "稳妥有序",
    "及时总结推广经验做法",
    "重大问题及时报告",
    "自本通知印发之日起施行",
    "有效期五年",
    "省级卫生健康行政部门",
    "教育督导部门",
    "医疗保障部门",
    "人口高质量发展",
    "生育支持政策体系",
    "幼儿园保育教育质量",
    "校外培训机构",
    "家庭教育指导服务",
    "儿童友好城市建设",
    "公办园在园幼儿占比",
    "普惠性幼儿园覆盖率",
    "基本公共卫生服务项目",
    "家庭医生签约服务",
    "0—3岁婴幼儿家庭",
    "2025年底前",
    "到2027年",
    "各级财政",
    "专项资金",
    "绩效评价",
    "社会监督",
    "数据共享",
    "一网通办",
    "跨部门联合检查",
)
PUNCT = ("，", "，", "，", "；", "、")
SOURCES = ("中国政府网", "新华社", "人民日报", "教育部网站", "国家卫生健康委网站", "本网")


def _chrome_nav() -> str:
    items = [
        ("首页", "/"),
        ("要闻", "/yaowen/"),
        ("政策", "/zhengce/"),
        ("互动", "/hudong/"),
        ("服务", "/fuwu/"),
        ("数据", "/shuju/"),
        ("国情", "/guoqing/"),
        ("国务院", "/guowuyuan/"),
        ("政务公开", "/zwgk/"),
        ("信息公开", "/xxgk/"),
        ("政策解读", "/zhengce/jiedu/"),
        ("专题", "/zhuanti/"),
    ]
    sub = "".join(
        f'<li><a href="/zhengce/zhengceku/{n:02d}/" target="_blank">{t}政策库</a></li>'
        for n, t in enumerate(TOPICS)
    )
    nav = "".join(f'<li><a href="{u}">{t}</a></li>' for t, u in items)
    return (
        '<div class="header"><div class="header_top"><div class="w1100">'
        '<div class="header_top_left"><a href="https://www.gov.cn/" target="_blank">中国政府网</a>'
        '<span>|</span><a href="/home/2014-02/18/content_5046260.htm" target="_blank">'
        "移动客户端</a>"
        '</div><div class="header_top_right"><a href="https://english.www.gov.cn/">ENGLISH</a>'
        '<a href="/zhuanti/yingyong/">无障碍</a><a href="/zhuanti/sitemap/">网站地图</a></div>'
        '</div></div><div class="header_logo w1100"><a href="/"><img src="/images/logo.png" '
        'alt="中国政府网"></a><div class="search"><form action="https://sousuo.www.gov.cn/sousuo/'
        'search.shtml" method="get" target="_blank"><input type="text" name="searchWord" '
        'placeholder="请输入搜索内容"><button type="submit">搜索</button></form></div></div>'
        f'<div class="header_nav"><ul class="w1100">{nav}</ul></div>'
        f'<div class="sub_nav"><ul class="w1100">{sub}</ul></div></div>'
    )


def _chrome_footer() -> str:
    links = "".join(
        f'<a href="http://www.{d}.gov.cn/" target="_blank">{t}</a>'
        for d, t in (
            ("npc", "全国人大"),
            ("cppcc", "全国政协"),
            ("court", "最高人民法院"),
            ("spp", "最高人民检察院"),
            ("moe", "教育部"),
            ("nhc", "国家卫生健康委"),
            ("mca", "民政部"),
            ("mof", "财政部"),
        )
    )
    return (
        '<div class="footer"><div class="footer_link w1100"><span>链接：</span>'
        f"{links}</div>"
        '<div class="footer_info w1100"><p><a href="/home/2023-03/31/content_5749601.htm">关于本网'
        '</a> | <a href="/zhuanti/sitemap/">网站声明</a> | '
        '<a href="/home/2023-03/31/content_5749602.htm">联系我们</a> | '
        '<a href="/zhuanti/jiucuo/">网站纠错</a></p>'
        "<p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>"
        "<p>版权所有：中国政府网　中文域名：中国政府网.政务</p>"
        '<p><a href="https://beian.miit.gov.cn/">网站标识码bm01000001　京ICP备05070218号</a>'
        "　京公网安备11010202000001号</p></div></div>"
    )


# Inline scripts real pages carry (statistics, sharing, font size, page numbering): a few KB of
# chrome the parser has to get through on every page.
_SCRIPT = (
    "<script>var _hmt=_hmt||[];(function(){var hm=document.createElement('script');"
    "hm.src='https://hm.baidu.com/hm.js?a1b2c3d4e5f6';var s=document.getElementsByTagName"
    "('script')[0];s.parentNode.insertBefore(hm,s);})();"
    "function doZoom(size){var el=document.getElementById('UCAP-CONTENT');if(!el)return;"
    "el.style.fontSize=size+'px';var ps=el.getElementsByTagName('p');for(var i=0;i<ps.length;"
    "i++){ps[i].style.fontSize=size+'px';ps[i].style.lineHeight=(size*1.8)+'px';}}"
    "function shareTo(type){var url=encodeURIComponent(location.href);var title="
    "encodeURIComponent(document.title);var map={weibo:'https://service.weibo.com/share/"
    "share.php?url='+url+'&title='+title,qzone:'https://sns.qzone.qq.com/cgi-bin/qzshare/"
    "cgi_qzshare_onekey?url='+url+'&title='+title};if(map[type]){window.open(map[type]);}}"
    "</script>"
)
_STYLE = (
    "<style>"
    + "".join(
        f".w1100 .col{n}{{width:{100 + n}px;margin:0 auto;padding:{n % 7}px;line-height:1.8;"
        f"font-family:'Microsoft YaHei',SimSun,sans-serif;color:#{(n * 99991) % 0xFFFFFF:06x};}}"
        for n in range(40)
    )
    + "</style>"
)
NAV = _chrome_nav()
FOOTER = _chrome_footer()


def _section(rng: random.Random) -> Section:
    x = rng.random()
    acc = 0.0
    for section in SECTIONS:
        acc += section.share
        if x < acc:
            return section
    return SECTIONS[0]


@dataclass(slots=True)
class Article:
    index: int
    article_id: int
    published: dt.datetime
    section: Section
    title: str
    path: str
    issuer: str


def article_meta(seed: int, index: int) -> Article:
    """Identity of article ``index`` (0 = newest): cheap, used by list pages and article pages."""
    rng = random.Random(seed * 1_000_003 + index)
    # about 20 articles a day, newest first
    published = NEWEST - dt.timedelta(minutes=72 * index + rng.randrange(0, 60))
    section = _section(rng)
    article_id = FIRST_ID - index
    issuer = rng.choice(ISSUERS)
    title = (
        f"{issuer}关于{rng.choice(VERBS)}{rng.choice(TOPICS)}"
        f"{rng.choice(('工作', '体系建设', '高质量发展', '试点工作'))}{rng.choice(DOC_TYPES)}"
    )
    ym = published.strftime("%Y%m")
    if section.url_style == "gov":
        path = f"{section.prefix}{ym}/content_{article_id}.htm"
    else:
        path = f"{section.prefix}{ym}/t{published:%Y%m%d}_{article_id}.html"
    return Article(index, article_id, published, section, title, path, issuer)


def _common_hanzi() -> str:
    """The 3,755 level-1 characters of GB2312 (all of them encodable in GBK)."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def _vocabulary(size: int = 6_000) -> tuple[str, ...]:
    """Fixed pseudo-words of 2–4 common characters: text whose 5-gram shingles differ from page
    to page as much as distinct real documents do (so near-duplicate detection sees no copies)."""
    rng = random.Random(20_240_601)
    hanzi = _common_hanzi()
    return tuple("".join(rng.choices(hanzi, k=rng.choice((2, 2, 2, 3, 4)))) for _ in range(size))


VOCABULARY = _vocabulary()


_SEPARATORS = ("，", "；", "、", "。", "。\n")
_SEPARATOR_WEIGHTS = (50, 8, 8, 14, 5)
"""After each part of a sentence: a comma mostly, a full stop every ~5 parts, a new paragraph
every ~4 sentences."""


def _paragraphs(rng: random.Random, chars: int) -> list[str]:
    """Paragraphs of about ``chars`` characters: policy boilerplate phrases among varied words
    (parts of three pseudo-words; one part in five a stock phrase). Drawn in bulk: fast enough
    for 50k pages."""
    n = chars // 9 + 1
    words = rng.choices(VOCABULARY, k=3 * n)
    phrases = rng.choices(PHRASES, k=n)
    stock = rng.choices((True, False), weights=(1, 4), k=n)
    seps = rng.choices(_SEPARATORS, weights=_SEPARATOR_WEIGHTS, k=n)
    seps[-1] = "。"
    text = "".join(
        (phrases[i] if stock[i] else words[3 * i] + words[3 * i + 1] + words[3 * i + 2]) + seps[i]
        for i in range(n)
    )
    return [p for p in text.split("\n") if p]


def _side_chrome(rng: random.Random, meta: Article, size: int, gbk: bool) -> str:
    """About ``size`` bytes of sidebar links (at most 60) and an inline menu-data script."""
    links = []
    used = 0
    per_link = 110 if gbk else 135
    for _ in range(min(60, size // 2 // per_link)):
        other = FIRST_ID - rng.randrange(1, 60_000)
        links.append(
            f'<li><a href="/zhengce/content/{meta.published:%Y%m}/content_{other}.htm" '
            f'target="_blank">{rng.choice(ISSUERS)}{rng.choice(VERBS)}{rng.choice(TOPICS)}'
            f"</a></li>"
        )
        used += per_link
    menu = []
    n = 0
    while used < size:
        entry = (
            f'{{id:{n},name:"{rng.choice(TOPICS)}",url:"/col/col{rng.randrange(10**6)}/'
            f'index.html",open:{n % 2}}},'
        )
        menu.append(entry)
        used += len(entry) + 8
        n += 1
    side = (
        '<div class="side_box"><div class="side_title"><h3>相关文章</h3></div>'
        f"<ul>{''.join(links)}</ul></div>"
    )
    return f"{side}<script>var channelMenu=[{''.join(menu)}];</script>"


def render_article(seed: int, index: int) -> tuple[str, bytes, dict[str, bool]]:
    """Path, bytes and a few facts of article ``index``."""
    meta = article_meta(seed, index)
    rng = random.Random((seed * 1_000_003 + index) ^ 0x5EED)
    gbk = meta.section.encoding == "gbk"
    policy = rng.random() < 0.6
    n_attach = rng.choice((1, 1, 2, 3)) if rng.random() < 0.3 else 0
    target = int(20_500 + 39_000 * rng.random() ** 2)  # bytes, skewed to the small end
    issuer = meta.issuer
    topic = rng.choice(TOPIC_CLASSES)
    written = meta.published - dt.timedelta(days=rng.randint(1, 20))
    # unique per article, as real 发文字号 are (de-duplication keys on 文号 + 发文机关)
    prefix = DOC_PREFIX[index % len(DOC_PREFIX)]
    doc_number = f"{prefix}〔{written.year}〕{index // len(DOC_PREFIX) + 1}号"
    pub_cn = f"{meta.published.year}年{meta.published.month:02d}月{meta.published.day:02d}日"
    written_cn = f"{written.year}年{written.month}月{written.day}日"
    meta_charset = "gb2312" if gbk else "utf-8"
    head = (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{meta_charset}">'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">'
        f"<title>{meta.title}_{'国务院文件' if policy else '工作动态'}_中国政府网</title>"
        f'<meta name="keywords" content="{rng.choice(TOPICS)},{issuer}">'
        f'<meta name="description" content="{meta.title}">'
        f'<meta name="firstpublishedtime" content="{meta.published:%Y-%m-%d-%H:%M:%S}">'
        f'<meta name="publishdate" content="{meta.published:%Y-%m-%d}">'
        f'<meta name="contentid" content="{meta.article_id}">'
        f'<meta name="ContentSource" content="{rng.choice(SOURCES)}">'
        '<link rel="stylesheet" href="/images/css/common.css">'
        f"{_STYLE}</head><body>"
    )
    crumbs = (
        '<div class="main w1100"><div class="BreadcrumbNav"><a href="/">首页</a> &gt; '
        '<a href="/zhengce/">政策</a> &gt; <a href="/zhengce/zuixin/">最新</a> &gt; '
        "<span>正文</span></div>"
    )
    if policy:
        info = (
            '<div class="policyLibraryOverview_header"><table class="mxxgkbox"><tbody><tr><td>'
            '<table class="bd1"><tbody>'
            f"<tr><td><b>索 引 号：</b></td><td>000014349/{written.year}-{index % 100000:05d}</td>"
            f"<td><b>主题分类：</b></td><td>{topic}</td></tr>"
            f"<tr><td><b>发文机关：</b></td><td>{issuer}</td>"
            f"<td><b>成文日期：</b></td><td>{written_cn}</td></tr>"
            f'<tr><td><b>标　　题：</b></td><td colspan="3">{meta.title}</td></tr>'
            f"<tr><td><b>发文字号：</b></td><td>{doc_number}</td>"
            f"<td><b>发布日期：</b></td><td>{pub_cn}</td></tr>"
            "</tbody></table></td></tr></tbody></table></div>"
            f'<div class="article oneColumn pub_border"><h1>{meta.title}</h1></div>'
        )
    else:
        info = (
            f'<div class="article oneColumn pub_border"><h1>{meta.title}</h1>'
            f'<div class="pages-date">{meta.published:%Y-%m-%d %H:%M}'
            f'<span class="font">来源：{rng.choice(SOURCES)}</span></div></div>'
        )
    related = "".join(
        f'<li><a href="/zhengce/content/{meta.published:%Y%m}/'
        f'content_{FIRST_ID - rng.randrange(1, 60000)}.htm" '
        f'target="_blank">{rng.choice(ISSUERS)}{rng.choice(VERBS)}{rng.choice(TOPICS)}工作</a></li>'
        for _ in range(8)
    )
    tail = (
        '<div class="editor">【我要纠错】 责任编辑：张晓雯</div>'
        '<div class="pages_print mhide"><div class="share"><span>分享到：</span>'
        "<a href=\"javascript:shareTo('weixin')\">微信</a><a href=\"javascript:shareTo('weibo')\">"
        '微博</a></div><div class="print"><span class="fontsize">【字体：'
        '<a href="javascript:void(0)" onclick="doZoom(18)">大</a> '
        '<a href="javascript:void(0)" onclick="doZoom(16)">中</a> '
        '<a href="javascript:void(0)" onclick="doZoom(14)">小</a>】</span>'
        '<a href="javascript:window.print()">打印本页</a></div></div>'
        '<div class="related mhide"><div class="related_title"><h3>相关链接</h3></div>'
        f"<ul>{related}"
        f"</ul></div></div>{FOOTER}{_SCRIPT}</body></html>"
    )
    attachments = ""
    if n_attach:
        links = "".join(
            f'<p><a href="./P0{meta.published:%Y%m%d}{index:07d}{k}.{ext}">附件{k + 1}：'
            f"{rng.choice(TOPICS)}{('统计表', '申请表', '实施细则')[k % 3]}.{ext}</a></p>"
            for k, ext in enumerate(rng.choices(("pdf", "doc", "docx", "xls", "wps"), k=n_attach))
        )
        attachments = f'<div class="attachments">{links}</div>'
    # The body is 800–8,000 characters (log-uniform, median ~2,500) as on real policy pages; the
    # rest of the page size is chrome: a sidebar of links and the inline scripts TRS pages embed.
    bytes_per_char = 2 if gbk else 3
    fixed = head + NAV + crumbs + info + tail + attachments
    fixed_len = len(fixed.encode(meta.section.encoding, "xmlcharrefreplace"))
    room = max(800, int((target - fixed_len) / (bytes_per_char * 1.12)))
    body_chars = min(room, int(800 * 10 ** rng.random()))
    paras = _paragraphs(rng, body_chars)
    body_parts = [f'<p style="text-align: center;">{doc_number}</p>'] if policy else []
    body_parts.append(
        '<p style="text-align: justify;">各省、自治区、直辖市人民政府，各有关部门：</p>'
    )
    body_parts.extend(f'<p style="text-indent: 2em; text-align: justify;">{p}</p>' for p in paras)
    if policy:
        body_parts.append(f'<p style="text-align: right;">{issuer}</p>')
        body_parts.append(f'<p style="text-align: right;">{written_cn}</p>')
    body = (
        '<div class="pages_content mhide" id="UCAP-CONTENT"><div class="TRS_UEDITOR '
        f'trs_paper_default trs_web">{"".join(body_parts)}</div>{attachments}</div>'
    )
    html = head + NAV + crumbs + info + body + tail
    pad = target - fixed_len - int(body_chars * bytes_per_char * 1.12)
    if pad > 0:
        html = head + NAV + crumbs + info + body + _side_chrome(rng, meta, pad, gbk) + tail
    data = html.encode(meta.section.encoding, "xmlcharrefreplace")
    return meta.path, data, {"gbk": gbk, "policy": policy, "attachments": bool(n_attach)}


def render_list_page(seed: int, size: int, page: int) -> bytes:
    """List page ``page`` (0 = ``index.html``) of the column of the newest ``size`` articles."""
    pages = -(-size // LIST_PAGE_SIZE)
    start = page * LIST_PAGE_SIZE
    items = []
    for index in range(start, min(start + LIST_PAGE_SIZE, size)):
        meta = article_meta(seed, index)
        items.append(
            f'<li><h4><a href="{meta.path}" target="_blank">{meta.title}</a>'
            f'<span class="date">{meta.published:%Y-%m-%d}</span></h4></li>'
        )

    def name(n: int) -> str:
        return "index.html" if n == 0 else f"index_{n}.html"

    nav = [f'<a href="{name(0)}">首页</a>']
    if page > 0:
        nav.append(f'<a href="{name(page - 1)}">上一页</a>')
    nav.append(f'<span class="current">{page + 1}</span>')
    if page + 1 < pages:
        nav.append(f'<a href="{name(page + 1)}" class="next">下一页</a>')
    nav.append(f'<a href="{name(pages - 1)}">尾页</a>')
    html = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        "<title>最新_中国政府网</title>"
        '<meta name="lanmu" content="最新"><meta name="catalogs" content="31421">'
        f"{_STYLE}</head><body>{NAV}"
        '<div class="main w1100"><div class="BreadcrumbNav"><a href="/">首页</a> &gt; '
        '<a href="/zhengce/">政策</a> &gt; <span>最新</span></div>'
        '<div class="column_title"><h2>最新</h2></div>'
        '<div class="news_box"><div class="list list_1 list_2"><ul>'
        f"{''.join(items)}</ul></div>"
        f'<div class="pages" id="page_div">{" ".join(nav)}</div>'
        f"<script>createPageHTML('page_div', {pages}, {page + 1}, 'index', 'html', 5);</script>"
        f"</div></div>{FOOTER}{_SCRIPT}</body></html>"
    )
    return html.encode("utf-8")


def _write_articles(args: tuple[str, int, int, int]) -> tuple[int, int, int, int, int, int, int]:
    root_s, seed, start, stop = args
    root = Path(root_s)
    total = gbk = policy = attach = 0
    lo, hi = 1 << 30, 0
    made: set[Path] = set()
    for index in range(start, stop):
        path, data, facts = render_article(seed, index)
        target = root / path.lstrip("/")
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        stamp = article_meta(seed, index).published.timestamp()
        os.utime(target, (stamp, stamp))
        total += len(data)
        lo, hi = min(lo, len(data)), max(hi, len(data))
        gbk += facts["gbk"]
        policy += facts["policy"]
        attach += facts["attachments"]
    return total, lo, hi, gbk, policy, attach, stop - start


def list_column(size: int) -> str:
    return f"/zhengce/zuixin_{size}/"


def generate_site(root: Path, sizes: list[int], seed: int = 9, workers: int = 2) -> SiteInfo:
    """Write the site for every size in ``sizes`` below ``root``; the articles are shared."""
    articles = max(sizes)
    info = SiteInfo(
        root=str(root),
        seed=seed,
        articles=articles,
        list_columns={s: list_column(s) + "index.html" for s in sizes},
        list_pages={s: -(-s // LIST_PAGE_SIZE) for s in sizes},
    )
    chunk = 2_000
    jobs = [(str(root), seed, a, min(a + chunk, articles)) for a in range(0, articles, chunk)]
    lo, hi = 1 << 30, 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for total, c_lo, c_hi, gbk, policy, attach, _n in pool.map(_write_articles, jobs):
            info.article_bytes += total
            lo, hi = min(lo, c_lo), max(hi, c_hi)
            info.gbk_pages += gbk
            info.info_table_pages += policy
            info.attachment_pages += attach
    info.min_page_bytes, info.max_page_bytes = lo, hi
    for size in sizes:
        column = root / list_column(size).strip("/")
        column.mkdir(parents=True, exist_ok=True)
        for page in range(info.list_pages[size]):
            name = "index.html" if page == 0 else f"index_{page}.html"
            (column / name).write_bytes(render_list_page(seed, size, page))
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /search/\n")
    step = max(1, articles // 200)
    info.sample_paths = [article_meta(seed, i).path for i in range(0, articles, step)][:200]
    return info


def content_type(path: str) -> str:
    """The ``Content-Type`` the server sends for ``path`` (for the fallback server and checks)."""
    for section in SECTIONS:
        if path.startswith(section.prefix):
            if section.header_charset:
                return f"text/html; charset={section.header_charset}"
            return "text/html"
    if path.endswith(".txt"):
        return "text/plain; charset=utf-8"
    return "text/html; charset=utf-8"
