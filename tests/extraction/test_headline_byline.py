"""Headlines, dates and authors on templates the extractor had never seen (issue 20).

Each page is invented and reproduces one structure real pages have: an old news or forum
template whose ``<title>`` names only the site, a date printed beside the headline in its own
cell or span, a byline in the many ways Chinese pages print one. The expected fields are those a
reader sees.
"""

from __future__ import annotations

import pytest

from crawler.extraction import ExtractedPage, extract_from_bytes
from crawler.extraction.byline import names
from crawler.extraction.normalize import parse_date

URL = "https://www.example.com/news/a1b2c3.html"
TEXT = (
    "今年以来，示例市持续推进社区托育服务建设，新增普惠托位两千余个，覆盖全部街道。",
    "市卫生健康部门表示，下一步将完善托育机构质量评估制度，加强从业人员培训，让家长放心。",
    "不少家长反映，家门口的托育点收费合理、服务规范，解决了双职工家庭的后顾之忧。",
)
PARAS = "".join(f"<p>{p}</p>" for p in TEXT)
NAV = (
    '<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a> <a href="/bbs/">论坛</a></div>'
)
FOOT = '<div class="foot">版权所有 示例网 联系电话：010-00000000</div>'


def _html(head: str, body: str) -> str:
    return f"<html><head><meta charset='utf-8'>{head}</head><body>{NAV}{body}{FOOT}</body></html>"


def _extract(html: str, encoding: str = "utf-8") -> ExtractedPage:
    return extract_from_bytes(html.encode(encoding), URL, kind="article")


# ------------------------------------------------------------------------------- headlines


def test_markup_inside_a_meta_title_is_not_part_of_the_headline() -> None:
    head = (
        '<title>示例网</title><meta name="ArticleTitle" content="为社区托育凝聚合力'
        '&lt;div&gt;——写在示例市托育工作会议召开之际&lt;/div&gt;">'
    )
    page = _extract(_html(head, f"<div class='content'>{PARAS}</div>"))
    assert page.title == "为社区托育凝聚合力——写在示例市托育工作会议召开之际"


def test_a_field_label_is_never_the_headline() -> None:
    body = f"""<table class="bg_tit"><tr><td class="cnt_td2">社区托育点开到了家门口</td>
    <td align="right"><span class="cnt_date">2005-09-11 18:04:42</span></td></tr></table>
    <div class="title">内容：</div><div class="post">{PARAS}</div>"""
    page = _extract(_html("<title></title>", body))
    assert page.title == "社区托育点开到了家门口"
    assert page.publish_date == "2005-09-11T18:04:42+08:00"


@pytest.mark.parametrize(
    "title",
    ["托育观察 | 家门口的托育点怎么样", "社区托育——家门口的幸福", "对比调查—两种托育模式"],
)
def test_a_subtitle_after_a_bar_or_dash_stays_in_the_headline(title: str) -> None:
    page = _extract(_html(f"<title>{title}</title>", f"<div class='content'>{PARAS}</div>"))
    assert page.title == title


def test_a_site_name_after_an_underscore_or_hyphen_goes() -> None:
    head = "<title>社区托育点开到了家门口_社会新闻_示例新闻网</title>"
    page = _extract(_html(head, f"<div class='content'>{PARAS}</div>"))
    assert page.title == "社区托育点开到了家门口"


def test_the_shown_headline_wins_over_a_title_with_other_dashes() -> None:
    head = "<title>托育新观察丨服务增多——前三季度托位稳步增长-示例头条</title>"
    body = (
        "<h1>托育新观察丨服务增多——前三季度托位稳步增长</h1>"
        f"<div class='meta'>2024-05-09 22:30·示例社</div><div class='content'>{PARAS}</div>"
    )
    page = _extract(_html(head, body))
    assert page.title == "托育新观察丨服务增多——前三季度托位稳步增长"
    assert page.publish_date == "2024-05-09T22:30+08:00"


def test_blog_post_title_under_the_blog_name() -> None:
    """The ``<title>`` and the ``<h1>`` name the blog; the post's own title is the marked line
    right above its text, its date in the cell beside it."""
    body = f"""<h1><a href="/">小茶的博客</a></h1>
    <table><tr><td class="post-title">周末去郊外看油菜花 (图)</td>
    <td class="post-title" align="right"><nobr>2005-6-14 03:25:55</nobr></td></tr>
    <tr><td class="post-body" colspan="2">{PARAS}</td></tr></table>"""
    page = _extract(_html("<title>小茶的博客 | blog.example.com</title>", body))
    assert page.title == "周末去郊外看油菜花 (图)"
    assert page.publish_date == "2005-06-14T03:25:55+08:00"


def test_the_first_of_several_posts_is_the_page_s_own() -> None:
    posts = "".join(
        f"""<table><tr><td class="post-title">{t}</td><td class="post-title">{d}</td></tr>
        <tr><td class="post-body">{b}</td></tr></table>
        <div class="post-footer">由小茶张贴 @ {d}</div>"""
        for t, d, b in (
            ("周末去郊外看油菜花", "2005-06-14 03:25:55", PARAS),
            ("旧文：七十年代的游戏", "2005-06-10 10:00:00", PARAS.replace("托育", "游戏") * 4),
        )
    )
    page = _extract(_html("<title>小茶 | blog.example.com</title>", posts))
    assert page.title == "周末去郊外看油菜花"
    assert page.publish_date == "2005-06-14T03:25:55+08:00"
    assert page.author == "小茶"
    assert page.body_text == "\n".join(TEXT)


def test_forum_subject_after_a_label_and_a_long_thread_list_below() -> None:
    replies = "".join(
        f"<li><a href='/t/{k}'>回复：说得对，托育点确实方便了不少家庭……</a> 网友{k} 08-1{k} 16:58 "
        f"138字，谢谢分享。</li>"
        for k in range(10)
    )
    body = f"""<table><tr><td class="large"><b>主题：</b> 家门口的托育点你们觉得怎么样？</td></tr>
    <tr><td><b>作者：</b><a href="forumbbsui.jsp?id=x">小区宝妈</a> <b>时间：</b>2005-08-22 19:13:18
    </td></tr><tr><td class="line_h24">{"".join(TEXT)}</td></tr></table><ul>{replies}</ul>"""
    page = _extract(_html("<title>示例论坛 :: 网闻贴吧</title>", body))
    assert page.title == "家门口的托育点你们觉得怎么样？"
    assert page.author == "小区宝妈"
    assert page.publish_date == "2005-08-22T19:13:18+08:00"
    assert page.body_text == "".join(TEXT)


def test_old_template_headline_in_a_bold_font_in_gbk() -> None:
    body = f"""<table><tr><td align="center"><b><font size="3" color="blue">示例：我为什么去做托育
    </font></b></td></tr><tr><td><font color="#008000">作者： 发布日期： 7/5/2005 9:23:57 PM
    </font></td></tr><tr><td>{PARAS}</td></tr></table>"""
    html = _html("<title>谢谢您访问〖示例中心〗</title>", body).replace("utf-8", "gbk")
    page = _extract(html, "gbk")
    assert page.title == "示例：我为什么去做托育"
    assert page.publish_date == "2005-07-05T21:23:57+08:00"


# ----------------------------------------------------------------------------------- dates


def test_forum_post_published_at_label() -> None:
    body = f"""<div class="subject"><a href="more.asp?id=1">托育经验分享</a></div>
    <div><a href="blog.asp?name=chayuan">chayuan</a> 发表于 2005-9-15 11:46:00</div>
    <div class="body">{PARAS}</div>"""
    page = _extract(_html("<title>茶园博客</title>", body))
    assert page.title == "托育经验分享"
    assert page.publish_date == "2005-09-15T11:46:00+08:00"
    assert page.author == "chayuan"


def test_date_alone_in_a_right_aligned_span_of_the_post_header() -> None:
    body = f"""<div class="post-head"><span class="subject">社会资本与再就业</span>
    <span style="float:right" align="right">2003-5-29 09:07</span></div>
    <div class="post-body">{PARAS}</div>"""
    page = _extract(_html("<title>学术论坛 - Powered by Discuz!</title>", body))
    assert page.title == "社会资本与再就业"
    assert page.publish_date == "2003-05-29T09:07+08:00"


def test_an_old_date_quoted_in_the_text_is_not_the_page_s_date() -> None:
    text = (
        "<p>时间：2004年12月11日 9:51，地点：示例大学报告厅。</p>"
        "<p>会议回顾了2001年以来托育服务的发展历程，并对下一阶段工作作出部署。</p>" + PARAS
    )
    body = f"""<h2>示例年会会议议程</h2><div class="info">2004-12-10 阅读10544次</div>
    <div class="content">{text}</div>"""
    page = _extract(_html("<title>示例年会会议议程_示例研究中心</title>", body))
    assert page.publish_date == "2004-12-10"


def test_a_comment_s_date_label_after_the_article_is_not_its_date() -> None:
    body = f"""<h1>社区托育点开到了家门口</h1><div class="content">{PARAS}</div>
    <div class="comments">发表人：网友 发表时间：2004-12-11 9:51:00 写得好</div>"""
    head = '<title>社区托育点开到了家门口</title><meta name="publishdate" content="2004-12-10">'
    assert _extract(_html(head, body)).publish_date == "2004-12-10"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("发布日期： 7/5/2005 9:23:57 PM", "2005-07-05T21:23:57+08:00"),
        ("9/17/2004 5:54:13 AM", "2004-09-17T05:54:13+08:00"),
        ("17/9/2004", "2004-09-17"),
        ("06/02/2022", None),  # day or month first: unknown
    ],
)
def test_slash_dates_month_first_only_when_certain(text: str, date: str | None) -> None:
    assert parse_date(text) == date


# --------------------------------------------------------------------------------- authors


def _news(byline: str, head_text: str = "", tail: str = "") -> ExtractedPage:
    body = f"""<h1>社区托育点开到了家门口</h1><div class="info">2024-05-09 08:00 {byline}</div>
    <div class="content"><p>{head_text}{TEXT[0]}</p><p>{TEXT[1]}</p><p>{TEXT[2]}</p>{tail}</div>"""
    return _extract(_html("<title>社区托育点开到了家门口_示例网</title>", body))


@pytest.mark.parametrize(
    ("byline", "author"),
    [
        ("作者：李小明", "李小明"),
        ("来源：示例日报 作者：王芳", "王芳"),
        ("本报记者 王乐文 方 敏", "王乐文、方敏"),
        ("文/张晓", "张晓"),
        ("文丨特约评论员 韩明", "韩明"),
        ("示例日报记者 王建宏 张文攀", "王建宏、张文攀"),
        ("2024年7月16日08:19 [ 黄宇 ] 来源：[ 示例金融报 ]", "黄宇"),
        ("来源：示例日报 编辑：赵六 责任编辑：钱七", None),
        ("顶端新闻·示例商报记者李小明/文 受访者供图", "李小明"),
        ("本报实习生 刘东 周炜</div><div>本报记者 王平 方芳", "刘东、周炜、王平、方芳"),
        ("第A04版：小记者训练营", None),
        ("本报记者 王平发自上海", "王平"),
        ("在线荐稿 记者博客 联系记者", None),
        ("页面功能 【 我来说两句( 0 ) 】【 收藏本文 】【 打印 】", None),
    ],
)
def test_byline_between_headline_and_text(byline: str, author: str | None) -> None:
    assert _news(byline).author == author


@pytest.mark.parametrize(
    ("head_text", "tail", "author"),
    [
        ("示例社北京5月9日电（记者邹伟）", "", "邹伟"),
        ("本报讯（特约通讯员：刘洋）", "", "刘洋"),
        ("本报讯（记者叶婉 实习生 周周）", "", "叶婉"),
        ("", "<p>（记者 胡晓蓉）</p>", "胡晓蓉"),
        ("", "<p>（常书香 马丹阳 ）</p>", "常书香、马丹阳"),
        ("", "<p>（姚峰 上海报道）</p>", "姚峰"),
        ("", "<p>作者 王之言 高孜然编辑 周褶褶 ｜ 排版 魏蔚</p>", "王之言、高孜然"),
        ("", "<p>□ 本报记者 葛灵丹</p><p>(责编：萧潇、张妍)</p>", "葛灵丹"),
        ("", "<p>（责任编辑：刘光博）</p>", None),
        ("", "<p>示例日报记者了解到，这一做法已在多地推广。</p>", None),
        ("", "<p>（示例信报记者 蔡小婧）</p>", "蔡小婧"),
    ],
)
def test_byline_in_the_text(head_text: str, tail: str, author: str | None) -> None:
    assert _news("来源：示例网", head_text, tail).author == author


def test_forum_poster_from_the_link_to_the_profile_page() -> None:
    body = f"""<h1 class="ts">建议托育点延长开放时间</h1><div class="authi">
    <a href="home.php?mod=space&amp;uid=1021" class="xw1">1657811359</a> 当前离线
    <a href="home.php?mod=spacecp&amp;ac=usergroup&amp;gid=10">新手上路</a></div>
    <div class="authi">楼主 发表于 2024-5-18 19:27:00 | 只看该作者</div>
    <td class="t_f">{"".join(TEXT)}</td>"""
    page = _extract(
        _html("<title>建议托育点延长开放时间 - 意见反馈 - Powered by Discuz!</title>", body)
    )
    assert page.author == "1657811359"
    assert page.publish_date == "2024-05-18T19:27:00+08:00"


def test_names_split_and_join_as_printed() -> None:
    assert names("王乐文 方 敏 2024年05月10日") == ["王乐文", "方敏"]
    assert names("王建宏 张文攀 土豆，听名字就土得掉渣") == ["王建宏", "张文攀"]
    assert names("了解到，这一做法") == []
    assert names("格桑边觉") == ["格桑边觉"]
    assert names("1657811359 当前离线", usernames=True) == ["1657811359"]


def test_site_named_before_the_headline_in_the_title() -> None:
    body = f"""<table><tr><td><font size="4">示例周刊 周末趣谈</font></td></tr>
    <tr><td><p class="slugText"><strong>给托育机构新人的建议</strong></p>
    <font size="2">作者： 王小明<br>2005年1月2日</font></td></tr>
    <tr><td>{PARAS}</td></tr></table>"""
    page = _extract(_html("<title>示例周刊 - 给托育机构新人的建议</title>", body))
    assert page.title == "给托育机构新人的建议"
    assert page.author == "王小明"
    assert page.publish_date == "2005-01-02"


def test_a_template_s_dangling_separator_is_not_in_the_headline() -> None:
    head = "<title>谁来为托育点的房租埋单？--小茶的博客</title>"
    body = f"<h2 class='title'>谁来为托育点的房租埋单？- -</h2><div class='post'>{PARAS}</div>"
    assert _extract(_html(head, body)).title == "谁来为托育点的房租埋单？"


def test_a_wiki_heading_wins_over_the_site_s_tagline() -> None:
    body = f"""<h1 id="firstHeading" class="firstHeading"><span>托育</span></h1>
    <div id="siteSub">示例百科，自由的百科全书</div><div id="content">{PARAS}</div>"""
    page = _extract(_html("<title>托育 - 示例百科，自由的百科全书</title>", body))
    assert page.title == "托育"


def test_forum_footer_date_label_before_the_number_and_by_poster() -> None:
    body = f"""<table><tr><td class="p4"><font color="#FFFBB5">托育点的一天：观察与思考</font>
    </td></tr><tr><td class="p4"><a href="user.php?lookuserid=1">茶园主人</a></td>
    <td class="p4">{PARAS}</td></tr></table>
    <div>发布时间 2005/05/17 22:11:42 by 茶园主人 〓← 返回</div>"""
    page = _extract(_html("<title>示例论坛</title>", body))
    assert page.title == "托育点的一天：观察与思考"
    assert page.publish_date == "2005-05-17T22:11:42+08:00"
    assert page.author == "茶园主人"


@pytest.mark.parametrize(
    "footer",
    [
        "作者:chayuan 阅读(1660) 评论(5) 编辑 发表于:2005-07-31 12:30",
        "本贴由chayuan于2005年7月31日12:30:00在〖托育茶座〗发表.",
    ],
)
def test_a_post_s_date_in_its_footer_under_the_text(footer: str) -> None:
    body = f"""<h2 class="title">托育点的一天</h2><div class="post">{PARAS}</div>
    <div class="postfoot">{footer}</div><div class="comments"><h3>评论</h3></div>"""
    page = _extract(_html("<title>茶园博客</title>", body))
    assert page.publish_date is not None
    assert page.publish_date[:10] == "2005-07-31"


def test_a_subheading_in_the_text_is_not_a_name_but_a_pen_name_under_the_headline_is() -> None:
    """A bare line of two to four characters is a name only with a family name, unless it
    stands right under the headline repeated in the text (an essay's pen name)."""
    subheading = _extract(
        _html(
            "<title>社区托育点开到了家门口</title>",
            f"<h1>社区托育点开到了家门口</h1><div class='content'><p><b>人物画像</b></p>{PARAS}"
            "<p>（示例信报记者 蔡小婧）</p></div>",
        )
    )
    assert subheading.author == "蔡小婧"
    essay = _extract(
        _html(
            "<title>示例论坛</title>",
            "<h1>茉莉：托育点的一天</h1><div class='content'><p>托育点的一天</p><p>茉莉</p>"
            f"{PARAS}</div>",
        )
    )
    assert essay.author == "茉莉"


def test_an_article_reposted_on_a_forum_is_by_its_authors_not_the_poster() -> None:
    body = f"""<div class="post"><span class="right">2003-5-29 09:07</span><b>高山流水</b>
    <div class="msg"><b>社区托育服务的供给与需求</b><br><br>社区托育服务的供给与需求<br>
    赵一东、风小天<br>{"<br>".join(TEXT)}</div></div>"""
    page = _extract(_html("<title>社区托育服务的供给与需求 - 示例论坛</title>", body))
    assert page.author == "赵一东、风小天"
    assert page.publish_date == "2003-05-29T09:07+08:00"


def test_a_post_s_signature_inside_a_long_thread_dates_and_signs_it() -> None:
    """The signature line stands under the post, with the replies' list after it in the
    same container."""
    replies = "".join(
        f"<li><a href='{k}.html'>回复：托育 {k}</a> <b>访客{k}</b> <i>09:0{k}:51 5/23/06</i></li>"
        for k in range(1, 8)
    )
    body = f"""<div class="main"><h2>托育点的一天（二）</h2>{PARAS}
    <p><center>本贴由<b>茶园主人</b>于2005年8月12日16:12:21在〖托育茶座〗发表.</center>
    <hr>原标题：【托育点的一天】<ul>{replies}</ul></div>"""
    page = _extract(_html("<title>托育点的一天（二）</title>", body))
    assert page.publish_date == "2005-08-12T16:12:21+08:00"
    assert page.author == "茶园主人"


# ------------------------------------------------------------------- dates kept in markup


def test_a_date_only_a_script_prints_comes_from_its_variable() -> None:
    """WeChat-style: the header's time element is empty and a script fills it from ``ct``."""
    body = f"""<h1 class="rich_media_title">社区托育点开到了家门口</h1>
    <div class="meta"><span>示例公众号</span> <em id="publish_time"></em></div>
    <div id="js_content">{PARAS}</div>
    <script>var nickname = "示例公众号";
    var ct = "1659274471";
    var user_name = "gh_x";</script>"""
    page = _extract(_html("<title>社区托育点开到了家门口</title>", body))
    assert page.publish_date == "2022-07-31T21:34:31+08:00"


def test_json_ld_dates_the_page_only_when_it_prints_no_date() -> None:
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"pubDate": "2024-05-06T15:44:46", "title": "社区托育点开到了家门口"}</script>'
    )
    bare = _extract(_html(ld, f"<h1>社区托育点开到了家门口</h1><div class='content'>{PARAS}</div>"))
    assert bare.publish_date == "2024-05-06T15:44:46+08:00"
    shown = _extract(
        _html(
            ld,
            "<h1>社区托育点开到了家门口</h1><div class='info'>本页面最后修订于2024年6月1日</div>"
            f"<div class='content'>{PARAS}</div>",
        )
    )
    assert shown.publish_date == "2024-06-01"


def test_another_article_s_date_under_the_headline_is_not_the_page_s() -> None:
    body = f"""<h1>社区托育点开到了家门口</h1>
    <div class="up-time">最新推荐文章于 2024-05-07 22:12:13 发布</div>
    <div class="bar">于 2024-05-06 15:44:46 发布</div><div class="content">{PARAS}</div>"""
    page = _extract(_html("<title>社区托育点开到了家门口</title>", body))
    assert page.publish_date == "2024-05-06T15:44:46+08:00"


def test_a_relative_time_is_read_from_its_title_attribute() -> None:
    body = f"""<h1>社区托育点开到了家门口</h1><p class="meta"><a href="/u/1">托育观察员</a> /
    <a data-tooltip="2023-05-28 10:28:25">创建于 <span title="2023-05-28 10:28:25">11个月前</span>
    </a></p><div class="content">{PARAS}</div>"""
    page = _extract(_html("<title>社区托育点开到了家门口</title>", body))
    assert page.publish_date == "2023-05-28T10:28:25+08:00"


def test_a_post_header_date_with_a_two_digit_year() -> None:
    body = f"""<h1>社区托育点开到了家门口</h1>
    <div class="head"><a class="name" href="/n/1">示例新闻</a>
    <a class="head-info"> 24-5-13 17:07 </a></div><div class="detail">{PARAS}</div>"""
    page = _extract(_html("<title>示例微博</title>", body))
    assert page.publish_date == "2024-05-13T17:07+08:00"
    assert parse_date("第24-5-13 17:07期") is None  # only a date standing alone


def test_microdata_dates_and_signs_a_post_over_the_newest_reply() -> None:
    body = f"""<div class="topic-header"><div class="who">
    <a href="#" itemprop="author" itemscope itemtype="http://schema.org/Person">鹿小町</a></div>
    <h1 itemprop="headline">社区托育点开到了家门口</h1>
    <span>发布于 <time datetime="2020-12-30 19:24:15" itemprop="datePublished">2020-12-30</time>
    </span></div><div class="topic-content">{PARAS}</div>
    <div class="comments"><div class="comment">说得好 <time>2021-01-01 10:34:38</time></div>
    </div>"""
    page = _extract(_html("<title>社区托育点开到了家门口 - 示例社区</title>", body))
    assert page.publish_date == "2020-12-30T19:24:15+08:00"
    assert page.author == "鹿小町"


# --------------------------------------------------------------- who is not the author


@pytest.mark.parametrize(
    ("meta_author", "footer", "author"),
    [
        ("张倩", "<span class='liability'>责编：张倩</span>", None),  # the editor
        ("新浪财经", "", None),  # the publisher
        ("sina_mobile", "", None),
        ("李晓明", "", "李晓明"),
    ],
)
def test_a_meta_author_who_is_the_editor_or_the_publisher_is_not_the_author(
    meta_author: str, footer: str, author: str | None
) -> None:
    head = f'<title>社区托育点开到了家门口</title><meta name="author" content="{meta_author}">'
    body = f"<h1>社区托育点开到了家门口</h1><div class='content'>{PARAS}</div>{footer}"
    assert _extract(_html(head, body)).author == author


def test_a_photo_credit_is_not_a_byline() -> None:
    tail = "<p>5月19日，示例社区托育中心的孩子们在做游戏。 示例社记者 李梦馨 摄</p>"
    assert _news("", "", tail).author is None


def test_a_dateline_names_its_reporters_without_the_word() -> None:
    assert _news("", "示例社北京5月19日电（刘艺、杨吉）").author == "刘艺、杨吉"


def test_a_menu_of_profile_links_is_not_a_poster() -> None:
    menu = "".join(
        f'<li><a href="/user/{k}">{w}</a></li>'
        for k, w in enumerate(["用户", "认证", "媒体", "达人"])
    )
    body = f"""<h1>托育点周末开放吗</h1><ul class="nav">{menu}</ul>
    <div class="time">2021-10-18 19:45:23</div><div class="question">{PARAS}</div>"""
    page = _extract(_html("<title>托育点周末开放吗_示例知道</title>", body))
    assert page.author is None


def _document(first_line: str) -> ExtractedPage:
    info = (
        "<table class='xxgk'><tr><td>索引号：</td><td>000000000/2024-00001</td>"
        "<td>发文字号：</td><td>示卫发〔2024〕3号</td></tr>"
        "<tr><td>发文机关：</td><td>示例市卫生健康委员会</td><td>成文日期：</td>"
        "<td>2024年05月09日</td></tr></table>"
    )
    body = f"""{info}<h1>关于做好托育机构备案工作的通知</h1><div class="content">
    <p>{first_line}</p>{PARAS}</div>"""
    return _extract(_html("<title>关于做好托育机构备案工作的通知</title>", body))


def test_an_official_document_names_its_issuer_not_a_poster() -> None:
    """With an information-disclosure block only a labelled or a reporter's byline counts: the
    contact line under the headline is no author."""
    assert _document("高晓明").author is None
    assert _document("示例社北京5月9日电（记者邹伟）").author == "邹伟"


def test_a_platform_s_nickname_element_names_the_author_but_not_inside_the_text() -> None:
    header = f"""<h1>社区托育点开到了家门口</h1><div class="article-info">
    <span class="follow-nickName">A-示例老师</span><span class="time">2024-05-06</span></div>
    <div class="content">{PARAS}</div>"""
    assert _extract(_html("<title>示例博客</title>", header)).author == "A-示例老师"
    infobox = f"""<h1>金小明</h1><div class="content"><table class="infobox">
    <tr><td class="nickname">김소명</td></tr></table>{PARAS}</div>"""
    assert _extract(_html("<title>金小明 - 示例百科</title>", infobox)).author is None
