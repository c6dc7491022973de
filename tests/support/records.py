"""Records for the storage and de-duplication tests: normalised, as the preparation makes them."""

from __future__ import annotations

import dataclasses

from crawler.items import Attachment, PolicyArticle
from crawler.records.normalize import normalize_article

PARAGRAPHS = [
    "为加快构建覆盖城乡、布局合理、质量可靠、价格可承受的普惠托育服务体系，经国务院同意，现提出如下意见。",
    "一、扩大普惠托育服务供给。各地要将托育服务设施纳入城乡公共服务设施配套建设，新建居住区按标准规划建设托育服务设施。",
    "二、健全价格和支持政策。地方人民政府要综合考虑服务成本、当地居民收入水平等因素，合理确定普惠托育服务指导价格。",
    "三、提升婴幼儿照护服务质量。严格执行托育机构设置标准和管理规范，加强托育从业人员职业技能培训。",
    "四、强化组织保障。各地要把普惠托育服务发展纳入经济社会发展规划，建立健全部门协同工作机制。",
]
BODY = "\n".join(PARAGRAPHS)
OTHER_BODY = "\n".join(
    [
        "为做好2025年全国学前教育宣传月活动，现将有关事项通知如下。",
        "一、活动主题。本次宣传月的主题是守护儿童成长，推进学前教育普及普惠安全优质发展。",
        "二、活动时间。2025年5月20日至6月20日，各地可结合实际确定具体安排。",
        "三、工作要求。各地教育行政部门要高度重视，精心组织，及时总结宣传月活动的经验做法。",
    ]
)


def item(url: str, body: str = BODY, site: str = "cn_gov", **fields: object) -> PolicyArticle:
    values: dict[str, object] = {
        "title": "关于加快构建普惠托育服务体系的意见",
        "publish_date": "2024-11-28",
    }
    values.update(fields)
    return normalize_article(PolicyArticle(url=url, site=site, body_text=body, **values))  # type: ignore[arg-type]


def article(n: int, body: str = "正文内容。", **changes: object) -> PolicyArticle:
    item = PolicyArticle(
        url=f"https://www.example.gov.cn/zhengce/content_{n}.htm",
        site="cn_test",
        title=f"关于印发托育服务方案的通知 {n}",
        publish_date="2024-11-28T17:30:12+08:00",
        written_date="2024-11-20",
        doc_number="国办发〔2024〕12号",
        issuer="国务院办公厅",
        body_text=body,
        attachments=[Attachment("附件1.pdf", f"https://www.example.gov.cn/a{n}.pdf", "pdf")],
    )
    return normalize_article(dataclasses.replace(item, **changes))  # type: ignore[arg-type]
