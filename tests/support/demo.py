"""The demo database of the research tests and of docs/research-guide.md: a handful of realistic
articles from four sites, with a repost, a traditional-character page, attachments, tags, an
undated article and one body whose HTML needs sanitising."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.db.store import ArticleStore, SourceInfo
from crawler.items import Attachment, PolicyArticle
from crawler.records.normalize import normalize_article

if TYPE_CHECKING:
    from sqlalchemy import Engine

GOV = SourceInfo(site="cn_gov", name="中国政府网", region="central")
NHC = SourceInfo(site="cn_nhc", name="国家卫生健康委员会", region="central")
MOE = SourceInfo(site="cn_moe", name="中华人民共和国教育部", region="central")
SH = SourceInfo(site="sh_wsjkw", name="上海市卫生健康委员会", region="上海")
MO = SourceInfo(site="mo_ias", name="澳門社會工作局", region="澳门")

PUHUI_URL = "https://www.nhc.gov.cn/rkjcyjtfzs/c100175/202411/puhui.shtml"
TRADITIONAL_URL = "https://www.ias.gov.mo/zh-hant/news/2024/11/tuoyu.html"
UNSAFE_URL = "https://www.moe.gov.cn/srcsite/A06/s3327/202411/t20241125_1160100.html"
UNDATED_URL = "https://www.moe.gov.cn/jyb_xwfb/moe_1946/undated.html"

ITEMS: dict[SourceInfo, list[PolicyArticle]] = {
    GOV: [
        PolicyArticle(
            url="https://www.gov.cn/zhengce/content/2020-12/31/content_5575804.htm",
            site="cn_gov",
            source_name="国务院办公厅",
            title="国务院办公厅关于促进养老托育服务健康发展的意见",
            publish_date="2020-12-31",
            written_date="2020-12-14",
            doc_number="国办发〔2020〕52号",
            issuer="国务院办公厅",
            index_number="000014349/2020-00187",
            topic="卫生、体育\\其他",
            body_text=(
                "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n"
                "养老托育服务健全发展，关系亿万百姓福祉。为促进养老托育服务健康发展，"
                "经国务院同意，现提出以下意见。\n"
                "一、健全老有所养、幼有所育的政策体系。"
            ),
            body_html="<p>各省、自治区、直辖市人民政府：</p><p>养老托育服务健全发展，关系亿万百姓福祉。</p>",
            tags=["养老", "托育"],
        ),
        PolicyArticle(
            url="https://www.gov.cn/zhengce/content/202410/content_6983123.htm",
            site="cn_gov",
            source_name="国务院办公厅",
            title="国务院办公厅印发《关于加快完善生育支持政策体系推动建设生育友好型社会的若干措施》",
            publish_date="2024-10-28T17:30:00+08:00",
            written_date="2024-10-19",
            doc_number="国办发〔2024〕48号",
            issuer="国务院办公厅",
            index_number="000014349/2024-00112",
            topic="卫生、体育\\卫生",
            body_text=(
                "完善生育支持政策体系，增加普惠托育服务供给，支持用人单位办托，发展社区嵌入式托育。"
            ),
            attachments=[
                Attachment(
                    "若干措施.pdf", "https://www.gov.cn/zhengce/content/202410/P0202410.pdf", "pdf"
                )
            ],
            tags=["生育支持", "托育"],
        ),
    ],
    NHC: [
        PolicyArticle(
            url=PUHUI_URL,
            site="cn_nhc",
            source_name="人口监测与家庭发展司",
            title="关于促进普惠托育服务高质量发展的通知",
            publish_date="2024-11-20",
            written_date="2024-11-15",
            doc_number="国卫人口发〔2024〕30号",
            issuer="国家卫生健康委、国家发展改革委",
            index_number="nhc-2024-11-0030",
            body_text=(
                "各省、自治区、直辖市卫生健康委：\n"
                "为贯彻落实党中央、国务院决策部署，发展普惠托育服务体系，现就有关事项通知如下。\n"
                "一、扩大普惠托育服务供给。各地要将普惠托育纳入民生实事项目。\n"
                "二、加强托育服务人才队伍建设。"
            ),
            attachments=[
                Attachment(
                    "附件1：普惠托育机构名单.pdf", "https://www.nhc.gov.cn/att/puhui1.pdf", "pdf"
                ),
                Attachment("附件2：统计表.xlsx", "https://www.nhc.gov.cn/att/puhui2.xlsx", "xlsx"),
            ],
            tags=["普惠托育", "托育"],
        ),
    ],
    SH: [
        PolicyArticle(  # a repost of the NHC notice: the same 发文字号 on another site
            url="https://wsjkw.sh.gov.cn/fybj/20241122/repost.html",
            site="sh_wsjkw",
            source_name="上海市卫生健康委员会",
            title="转发国家卫生健康委等关于促进普惠托育服务高质量发展的通知",
            publish_date="2024-11-22",
            doc_number="国卫人口发〔2024〕30号",
            issuer="国家卫生健康委、国家发展改革委",
            body_text="各区卫生健康委：现将国家卫生健康委等关于促进普惠托育服务高质量发展的通知转发给你们，请认真贯彻执行。",
            tags=["托育"],
        ),
    ],
    MOE: [
        PolicyArticle(
            url=UNSAFE_URL,
            site="cn_moe",
            source_name="教育部基础教育司",
            title="教育部办公厅关于开展2024年全国学前教育宣传月活动的通知",
            publish_date="2024-11-25",
            written_date="2024-11-18",
            doc_number="教基厅函〔2024〕12号",
            issuer="教育部办公厅",
            body_text="各省、自治区、直辖市教育厅（教委）：学前教育宣传月活动主题为“守护育幼底线，成就美好童年”。",
            body_html=(
                '<p onclick="steal()">学前教育宣传月</p><script>alert("x")</script>'
                '<a href="javascript:alert(1)">链接</a>'
                '<img src="https://www.moe.gov.cn/a.png" onerror="x()">'
            ),
            attachments=[
                Attachment("活动方案.docx", "https://www.moe.gov.cn/att/fangan.docx", "docx")
            ],
            tags=["学前教育"],
        ),
        PolicyArticle(
            url=UNDATED_URL,
            site="cn_moe",
            source_name="教育部",
            title="学前教育法答记者问",
            body_text="学前教育法自2025年6月1日起施行。",
            tags=["学前教育"],
        ),
    ],
    MO: [
        PolicyArticle(  # a traditional-character page
            url=TRADITIONAL_URL,
            site="mo_ias",
            source_name="社會工作局",
            title="社會工作局推出普惠托育服務計劃",
            publish_date="2024-11-26",
            issuer="社會工作局",
            body_text="為支援家庭育兒，社會工作局推出普惠托育服務計劃，增加托兒所名額。",
            tags=["托育"],
        ),
    ],
}

ALL_URLS = {item.url for items in ITEMS.values() for item in items}


def build_demo(engine: Engine) -> None:
    """Store the demo articles (normalised as the crawl pipeline would)."""
    store = ArticleStore(engine)
    for source, items in ITEMS.items():
        store.write([normalize_article(_copy(item)) for item in items], source)


def _copy(item: PolicyArticle) -> PolicyArticle:
    import dataclasses

    return dataclasses.replace(
        item,
        attachments=[dataclasses.replace(a) for a in item.attachments],
        tags=list(item.tags),
        issuers=list(item.issuers),
    )
