"""Synthetic Chinese policy-like documents for the de-duplication benchmark
(``python -m bench.dedup.run``).

A document is a list of paragraphs, each a list of *units* (ids into a :class:`Corpus`): sentences
drawn from a seeded pool built from templates and a policy vocabulary, section numbers, and shared
boilerplate (salutations, standard opening and closing formulas, attachment lists, 联系人/电话
lines, signatures). Because every document is a sequence of known units, its MinHash signature can
be computed from per-unit signatures plus the few shingles that cross unit boundaries (see
``bench/dedup/fill.py``), which is what makes a 1M-row pre-fill affordable.

Calibrated against 60 real gov.cn policy bodies (pairwise Jaccard of 5-gram shingle sets: median
0.003, p90 0.013, p99 0.033; ~4 % of a document's shingles occur in >= 10 % of documents);
:func:`corpus_stats` reports the same figures for a synthetic sample.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crawler.dedup.minhash import normalised_text

REGIONS = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "杭州市",
    "宁波市",
    "温州市",
    "南京市",
    "苏州市",
    "无锡市",
    "合肥市",
    "芜湖市",
    "济南市",
    "青岛市",
    "郑州市",
    "武汉市",
    "长沙市",
    "广州市",
    "深圳市",
    "成都市",
    "西安市",
    "昆明市",
    "南宁市",
    "福州市",
    "厦门市",
    "南昌市",
    "太原市",
    "沈阳市",
    "大连市",
    "长春市",
    "哈尔滨市",
    "石家庄市",
    "兰州市",
    "贵阳市",
    "海口市",
    "银川市",
    "西宁市",
]
AGENCIES = [
    "教育厅",
    "卫生健康委员会",
    "人力资源和社会保障厅",
    "财政厅",
    "发展和改革委员会",
    "民政厅",
    "住房和城乡建设厅",
    "医疗保障局",
    "市场监督管理局",
    "科学技术厅",
    "农业农村厅",
    "生态环境厅",
    "交通运输厅",
    "文化和旅游厅",
    "体育局",
    "应急管理厅",
    "工业和信息化厅",
    "商务厅",
    "自然资源厅",
    "水利厅",
    "退役军人事务厅",
    "妇女儿童工作委员会",
    "疾病预防控制局",
    "中医药管理局",
]
TOPICS = [
    "学前教育",
    "普惠托育服务",
    "义务教育",
    "职业教育",
    "高等教育",
    "特殊教育",
    "民办教育",
    "校外培训",
    "课后服务",
    "教师队伍建设",
    "学生资助",
    "校园安全",
    "食品安全",
    "公共卫生",
    "基层医疗卫生",
    "家庭医生签约服务",
    "分级诊疗",
    "医疗保障",
    "药品集中采购",
    "疾病预防控制",
    "妇幼健康",
    "老年健康",
    "心理健康",
    "健康促进",
    "养老服务",
    "社会救助",
    "儿童福利",
    "残疾人保障",
    "就业创业",
    "职业技能培训",
    "社会保险",
    "住房保障",
    "城市更新",
    "农村人居环境",
    "乡村振兴",
    "数字政府",
    "政务服务",
    "营商环境",
    "科技创新",
    "知识产权",
    "安全生产",
    "应急管理",
    "生态环境保护",
    "节能减排",
    "文化遗产保护",
    "全民健身",
    "体育赛事",
    "交通运输",
    "物流配送",
    "中医药传承",
    "数据安全",
    "网络安全",
    "产教融合",
    "劳动教育",
    "语言文字",
    "家庭教育",
    "托幼一体化",
    "学位授予",
    "招生考试",
]
OBJECTS = [
    "体系",
    "机制",
    "制度",
    "标准",
    "规范",
    "能力",
    "质量",
    "水平",
    "环境",
    "格局",
    "布局",
    "网络",
    "平台",
    "队伍",
    "示范区",
    "试点",
    "项目",
    "工程",
    "清单",
    "指标",
    "目录",
    "规划",
    "方案",
    "办法",
    "细则",
    "政策",
    "监管",
    "考核",
    "评估",
    "服务",
    "供给",
    "保障",
    "投入",
    "建设",
    "改革",
    "治理",
]
VERBS = [
    "加强",
    "完善",
    "推进",
    "落实",
    "健全",
    "深化",
    "统筹",
    "规范",
    "优化",
    "强化",
    "提升",
    "扩大",
    "加快",
    "促进",
    "支持",
    "引导",
    "鼓励",
    "保障",
    "建立",
    "推动",
    "实施",
    "开展",
    "组织",
    "加大",
    "巩固",
    "拓展",
    "创新",
    "构建",
    "培育",
    "整合",
]
ADVERBS = [
    "切实",
    "进一步",
    "全面",
    "持续",
    "着力",
    "不断",
    "积极",
    "稳步",
    "大力",
    "有序",
    "扎实",
    "协同",
    "依法",
    "分类",
    "精准",
]
SUBJECTS = [
    "各地",
    "各级教育行政部门",
    "各级卫生健康行政部门",
    "各有关单位",
    "地方各级人民政府",
    "各市县人民政府",
    "各相关部门",
    "各级财政部门",
    "各级民政部门",
    "各类学校",
    "各医疗机构",
    "各托育机构",
    "有关高校",
    "各区县",
    "各级医保部门",
    "行业主管部门",
]
GOALS = [
    "群众获得感",
    "服务可及性",
    "公共服务均等化水平",
    "资源配置效率",
    "人民群众满意度",
    "风险防控能力",
    "依法行政水平",
    "基层治理能力",
    "综合保障能力",
    "数字化管理水平",
    "信息公开水平",
    "监督检查质效",
]
PEOPLE = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨帆",
    "赵磊",
    "黄敏",
    "周杰",
    "吴婷",
    "徐明",
    "孙丽",
    "马超",
    "朱琳",
    "胡军",
    "郭蕾",
    "何勇",
    "林慧",
]
DOCTYPES = [
    "通知",
    "意见",
    "实施方案",
    "管理办法",
    "工作方案",
    "行动计划",
    "指导意见",
    "实施细则",
    "通告",
    "若干措施",
]
HEADINGS = [
    "总体要求",
    "主要任务",
    "重点工作",
    "保障措施",
    "组织实施",
    "工作目标",
    "基本原则",
    "实施步骤",
    "职责分工",
    "工作要求",
    "支持政策",
    "监督管理",
    "评估考核",
    "附则",
    "宣传引导",
    "资金保障",
    "试点安排",
    "进度安排",
]
NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
COMMON_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种"
    "面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去"
    "把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但"
    "质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式"
    "活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回"
    "则任取据处府研信护卫健康医疗保障险就业创新科技环境生态安全监督检查审批登记备案许可服务标准规范考核评价"
    "财政资金预算投入补助奖励采购招标项目工程建设改造维修设施设备园区基地中心平台网络数据信息系统档案统计调"
    "查研究咨询论证培训讲座会议活动宣传教育学校幼儿托育养老儿童妇女残疾困难群众居民村镇街道社区乡县市省"
)
"""Characters for free sentences (roughly by frequency in Chinese administrative text)."""

TEMPLATES = (
    "到{year}年，{region}{topic}{obj}基本建立，{goal}明显提升。",
    "{subject}要{adv}{verb}{topic}{obj}，{verb2}{topic2}{obj2}，{adv2}提高{goal}。",
    "{verb}{topic}{obj}，{subject}应当将{topic2}纳入{obj2}统筹安排。",
    "{subject}要按照{topic}{obj}要求，{adv}{verb}{topic2}相关工作，确保{goal}稳步提高。",
    "鼓励{subject}结合实际{verb}{topic}{obj}，形成可复制可推广的经验做法。",
    "对{topic}{obj}情况开展{obj2}，结果作为{topic2}资金分配的重要依据。",
    "支持{region}在{topic}领域先行先试，{verb}{topic2}{obj}。",
    "{year}年底前，{subject}完成{topic}{obj}{num}个，覆盖率达到{pct}%以上。",
    "{verb}{topic}与{topic2}衔接，{adv}{verb2}{obj}，推动{goal}持续改善。",
    "建立健全{topic}{obj}，明确{subject}职责，{adv}{verb}{obj2}。",
    "{subject}每年{month}月底前报送{topic}{obj}情况，{agency}汇总后按程序报批。",
    "对符合条件的{topic}项目，按照不超过{pct}%的比例给予补助，单个项目最高不超过{num}万元。",
    "{adv}{verb}{topic}{obj}信息化建设，依托{obj2}平台实现数据共享和业务协同。",
    "将{topic}纳入{region}{year}年度重点工作，{agency}牵头负责，{subject}配合。",
    "{subject}要{adv}做好{topic}{obj}宣传解读，及时回应社会关切。",
    "严格落实{topic}{obj}责任，对工作不力的依法依规严肃追责问责。",
    "统筹用好{topic}专项资金，{year}年安排资金{num}万元用于{topic2}{obj}。",
    "{adv}{verb}{topic}人才培养，每年培训{topic2}从业人员{num}人次以上。",
    "在{region}选择{num}个地区开展{topic}{obj}试点，探索{topic2}{obj2}新路径。",
    "{agency}会同有关部门制定{topic}{obj}，{adv}{verb}{topic2}{obj2}。",
)

OPENINGS = (
    "为深入贯彻党中央、国务院决策部署，{verb}{topic}{obj}，经研究，现就有关事项通知如下。",
    "为{adv}{verb}{topic}工作，根据有关法律法规和政策规定，结合本地实际，制定本方案。",
    "为贯彻落实《关于{verb}{topic}{obj}的意见》精神，现将有关工作安排通知如下。",
    "根据{region}人民政府工作部署，经同意，现就{verb}{topic}{obj}提出如下意见。",
)
SALUTATIONS = (
    "各市、县（市、区）教育局，厅直属各单位：",
    "各市、县（区）卫生健康委，委直属各单位：",
    "各区人民政府，市政府各委、办、局：",
    "各设区市人民政府，省政府各部门、各直属机构：",
    "各有关单位：",
    "各高等学校，各市教育局：",
)
BOILERPLATE = (
    "各地各部门要充分认识做好这项工作的重要意义，切实加强组织领导，明确责任分工，细化工作措施，"
    "强化督促检查，确保各项任务落到实处、取得实效。",
    "各地要加强宣传引导，通过多种形式广泛宣传政策内容，及时总结推广好经验好做法，营造全社会共同关心、"
    "支持和参与的良好氛围。",
    "本通知自印发之日起施行，有效期五年。此前有关规定与本通知不一致的，以本通知为准。国家另有规定的，"
    "从其规定。",
    "执行过程中遇到的问题，请及时向主管部门报告。本办法由主管部门负责解释。",
    "请各单位于规定时间前将有关材料纸质版（加盖公章）一式两份报送至指定地点，电子版同时发送至指定邮箱，"
    "逾期不予受理。",
    "各单位要严格遵守中央八项规定及其实施细则精神，严禁借机组织与会议无关的活动，严禁超标准接待，"
    "坚决杜绝形式主义、官僚主义。",
    "申报单位对所提交材料的真实性负责，如有弄虚作假，一经查实，取消申报资格，三年内不得申报同类项目，"
    "并按有关规定追究相关人员责任。",
    "参训学员须按要求完成全部课程学习并通过考核，培训期间食宿统一安排，费用按有关规定在派出单位报销，"
    "请学员自备必要的学习用品。",
    "特此通知。",
    "以上意见，请结合实际认真贯彻执行。",
    "请各地结合实际认真贯彻落实，执行中遇到的问题请及时反馈。",
    "附件：1.项目申报书 2.项目汇总表 3.资金预算明细表 4.承诺书",
    "附件：1.参会回执 2.报名汇总表 3.交通路线示意图",
    "附件：1.评审指标体系 2.专家推荐表 3.申报材料清单 4.信用承诺书 5.联系方式汇总表",
    "本通知所称相关机构，是指依法登记设立、为社会提供相关服务的各类机构，包括公办、民办机构及其分支机构。",
    "各地要建立工作台账，实行清单化管理、项目化推进，每季度末将工作进展情况报送主管部门，"
    "年底前报送年度工作总结。",
)
CHROME_TOP = (
    "来源：{region}{agency}",
    "（转载）",
    "发布时间：{date} 浏览次数：{num}",
    "信息来源：{region}人民政府网站",
    "【字体：大 中 小】 打印本页",
    "作者：{person} 来源：{region}{agency}门户网站",
    "转自：中国政府网",
)
CHROME_BOTTOM = (
    "编辑：{person}",
    "责任编辑：{person}",
    "（责任编辑：{person}）",
    "分享到：微信 微博 QQ空间",
    "【打印本页】 【关闭窗口】",
    "扫一扫在手机打开当前页",
    "审核：{person} 校对：{person2}",
)
RELAY_LEADS = (
    "各区教育局、卫生健康委：现将《{title}》转发给你们，请结合实际认真贯彻执行。",
    "（{region}{agency}）为贯彻落实上级部署，现将有关文件转发如下，请各单位认真组织学习，抓好落实。",
    "近日，{region}{agency}印发《{title}》，全文如下。",
    "各县（市、区）人民政府，市直有关单位：经市政府同意，现将《{title}》印发给你们，请认真遵照执行。",
)


_SLOT_VALUES: dict[str, Callable[[random.Random], str]] = {
    "region": lambda r: r.choice(REGIONS),
    "agency": lambda r: r.choice(AGENCIES),
    "topic": lambda r: r.choice(TOPICS),
    "topic2": lambda r: r.choice(TOPICS),
    "obj": lambda r: r.choice(OBJECTS),
    "obj2": lambda r: r.choice(OBJECTS),
    "verb": lambda r: r.choice(VERBS),
    "verb2": lambda r: r.choice(VERBS),
    "adv": lambda r: r.choice(ADVERBS),
    "adv2": lambda r: r.choice(ADVERBS),
    "subject": lambda r: r.choice(SUBJECTS),
    "goal": lambda r: r.choice(GOALS),
    "year": lambda r: str(r.randint(2018, 2030)),
    "month": lambda r: str(r.randint(1, 12)),
    "num": lambda r: str(r.randint(2, 50) if r.random() < 0.5 else r.randint(50, 5000)),
    "pct": lambda r: str(r.randint(5, 98)),
    "person": lambda r: r.choice(PEOPLE),
    "person2": lambda r: r.choice(PEOPLE),
    "date": lambda r: f"{r.randint(2018, 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
}


class _Slots(dict[str, str]):
    """Template slot values, drawn on first use (a template uses only a few of them)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__()
        self.rng = rng

    def __missing__(self, key: str) -> str:
        value = self[key] = _SLOT_VALUES[key](self.rng)
        return value


@dataclass(slots=True)
class Document:
    """A synthetic article: title, paragraphs of unit ids, optional 发文字号/发文机关."""

    title: str
    paragraphs: list[list[int]]
    issuer: str
    date: str
    family: int = -1
    """The original's index for a repost (itself for an original), for labelling."""
    variant: str = "original"
    doc_number: str | None = None


@dataclass(slots=True)
class Corpus:
    """Units (sentences, numbers, boilerplate) with their text and normalised text."""

    units: list[str] = field(default_factory=list)
    norm: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def unit(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.units)
            self.units.append(text)
            self.norm.append(normalised_text(text))
        return found

    def truncate(self, size: int) -> None:
        """Forget the units added after the first ``size`` (per-document lines of a chunk)."""
        for text in self.units[size:]:
            del self.index[text]
        del self.units[size:]
        del self.norm[size:]

    def render(self, doc: Document) -> str:
        return "\n".join("".join(self.units[u] for u in para) for para in doc.paragraphs)

    def norm_text(self, doc: Document) -> str:
        return "".join(self.norm[u] for para in doc.paragraphs for u in para)


class Generator:
    """Seeded generator of documents and reposts over one :class:`Corpus`."""

    def __init__(
        self,
        seed: int = 20261128,
        pool: int = 120_000,
        template_share: float = 0.1,
        zipf: float = 0.75,
    ) -> None:
        self.rng = random.Random(seed)
        self.template_share = template_share
        self.lexicon = self._lexicon()
        weights = [1.0 / (rank + 1) ** zipf for rank in range(len(self.lexicon))]
        total = 0.0
        self.cum_weights = []
        for w in weights:
            total += w
            self.cum_weights.append(total)
        self.corpus = Corpus()
        self.sentences = [self.corpus.unit(self._sentence()) for _ in range(pool)]
        self.sentences = list(dict.fromkeys(self.sentences))
        self.numbers = [self.corpus.unit(f"{n}、") for n in NUMERALS]
        self.boilerplate = [self.corpus.unit(b) for b in BOILERPLATE]
        self.salutations = [self.corpus.unit(s) for s in SALUTATIONS]

    # --- vocabulary ------------------------------------------------------------------------
    def _slots(self) -> _Slots:
        return _Slots(self.rng)

    def _lexicon(self) -> list[str]:
        """Policy words first (the frequent head), then compounds, then rarer words."""
        r = self.rng
        head = list(dict.fromkeys([*VERBS, *ADVERBS, *OBJECTS, *TOPICS, *SUBJECTS, *GOALS]))
        r.shuffle(head)
        compounds = [t + o for t in TOPICS for o in OBJECTS] + [
            v + o for v in VERBS for o in OBJECTS
        ]
        compounds += [rg + ag for rg in REGIONS for ag in AGENCIES]
        r.shuffle(compounds)
        words = {
            "".join(r.choice(COMMON_CHARS) for _ in range(r.choice((2, 2, 2, 3, 4))))
            for _ in range(40_000)
        }
        rare = sorted(words)
        r.shuffle(rare)
        mixed = compounds + rare
        r.shuffle(mixed)
        return head + mixed

    def _free_sentence(self) -> str:
        r = self.rng
        words = r.choices(self.lexicon, cum_weights=self.cum_weights, k=r.randint(6, 16))
        out = []
        for n, word in enumerate(words):
            out.append(word)
            if n and n < len(words) - 2 and r.random() < 0.22:
                out.append("，")
        return "".join(out) + "。"

    def _sentence(self) -> str:
        if self.rng.random() < self.template_share:
            return self.rng.choice(TEMPLATES).format_map(self._slots())
        return self._free_sentence()

    def fill(self, template: str, **extra: str) -> str:
        slots = self._slots()
        slots.update(extra)
        return template.format_map(slots)

    # --- documents -------------------------------------------------------------------------
    def document(self, family: int = -1) -> Document:
        """A distinct policy document of 500-3000 characters, often with shared boilerplate."""
        r = self.rng
        slots = self._slots()
        issuer = f"{slots['region']}{slots['agency']}"
        title = f"{issuer}关于{slots['verb']}{slots['topic']}{slots['obj']}的{r.choice(DOCTYPES)}"
        target = int(r.triangular(500, 3000, 1100))
        paragraphs: list[list[int]] = []
        if r.random() < 0.6:
            paragraphs.append([r.choice(self.salutations)])
        paragraphs.append([self.corpus.unit(self.fill(r.choice(OPENINGS)))])
        size = sum(len(self.corpus.units[p[0]]) for p in paragraphs)
        closing = self._closing()
        size += sum(len(self.corpus.units[u]) for p in closing for u in p)
        section = 0
        while size < target:
            para: list[int] = []
            if section < len(self.numbers) and r.random() < 0.7:
                para.append(self.numbers[section])
                para.append(self.corpus.unit(r.choice(HEADINGS) + "。"))
                section += 1
            for _ in range(r.randint(2, 5)):
                para.append(r.choice(self.sentences))
            if r.random() < 0.12:
                para.append(r.choice(self.boilerplate[:8]))
            size += sum(len(self.corpus.units[u]) for u in para)
            paragraphs.append(para)
        paragraphs.extend(closing)
        date = slots["date"]
        paragraphs.append([self.corpus.unit(issuer), self.corpus.unit(date)])
        number = None
        if r.random() < 0.3:
            kind = r.choice(("发", "办发", "函", "通", "规"))
            number = f"{issuer[:2]}{kind}〔{date[:4]}〕{r.randint(1, 300)}号"
        return Document(title, paragraphs, issuer, date, family, doc_number=number)

    def _closing(self) -> list[list[int]]:
        r = self.rng
        out: list[list[int]] = []
        if r.random() < 0.5:
            out.append([r.choice(self.boilerplate[8:11])])
        if r.random() < 0.3:
            out.append([r.choice(self.boilerplate[11:14])])
        if r.random() < 0.4:
            who = r.choice(PEOPLE)
            phone = f"0{r.randint(10, 999)}-{r.randint(1000000, 89999999)}"
            out.append([self.corpus.unit(f"联系人：{who}，电话：{phone}")])
        return out

    def template_pair(self, substance: tuple[int, int] = (60, 1500)) -> tuple[Document, Document]:
        """Two different policies from one template: the same salutation, opening formula,
        2-5 long boilerplate paragraphs, attachment list and 联系人/电话 line, and each its own
        substance of ``substance`` characters (short substance: mostly shared text)."""
        r = self.rng
        issuer = f"{r.choice(REGIONS)}{r.choice(AGENCIES)}"
        opening = self.corpus.unit(self.fill(r.choice(OPENINGS)))
        shared = r.sample(self.boilerplate[:8], r.randint(2, 5))
        tail = [r.choice(self.boilerplate[8:11]), r.choice(self.boilerplate[11:14])]
        phone = f"0{r.randint(10, 999)}-{r.randint(1000000, 89999999)}"
        contact = self.corpus.unit(f"联系人：{r.choice(PEOPLE)}，电话：{phone}")
        salutation = r.choice(self.salutations)
        pair = []
        for _ in range(2):
            slots = self._slots()
            title = (
                f"{issuer}关于{slots['verb']}{slots['topic']}{slots['obj']}的{r.choice(DOCTYPES)}"
            )
            target = r.randint(*substance)
            body: list[list[int]] = []
            size = 0
            while size < target:
                para = [r.choice(self.sentences) for _ in range(r.randint(2, 4))]
                size += sum(len(self.corpus.units[u]) for u in para)
                body.append(para)
            paragraphs = [[salutation], [opening], *body, *[[u] for u in shared]]
            paragraphs += [[u] for u in tail] + [[contact]]
            date = slots["date"]
            paragraphs.append([self.corpus.unit(issuer), self.corpus.unit(date)])
            pair.append(Document(title, paragraphs, issuer, date, variant="template"))
        return pair[0], pair[1]

    def repost(self, doc: Document, kind: str) -> Document:
        """A copy of ``doc`` as another site would carry it (unit-level changes only)."""
        r = self.rng
        paragraphs = [list(p) for p in doc.paragraphs]
        title = doc.title
        if "chrome" in kind:
            top = [self.corpus.unit(self.fill(c)) for c in r.sample(CHROME_TOP, r.randint(1, 3))]
            bottom = [
                self.corpus.unit(self.fill(c)) for c in r.sample(CHROME_BOTTOM, r.randint(1, 3))
            ]
            paragraphs = [[u] for u in top] + paragraphs + [[u] for u in bottom]
        if "lead" in kind:
            lead = self.corpus.unit(self.fill(r.choice(RELAY_LEADS), title=doc.title))
            paragraphs.insert(0, [lead])
        if "reorder" in kind and len(paragraphs) > 4:
            body = paragraphs[1:-1]
            i, j = r.sample(range(len(body)), 2)
            body[i], body[j] = body[j], body[i]
            paragraphs = [paragraphs[0], *body, paragraphs[-1]]
        if "sentence" in kind:
            long = [p for p in paragraphs if len(p) > 2]
            if long:
                victim = r.choice(long)
                victim.pop(r.randrange(1, len(victim)))
            r.choice(paragraphs).append(r.choice(self.sentences))
        if "retitle" in kind:
            title = f"{doc.title}（转载）"
        return Document(title, paragraphs, doc.issuer, doc.date, doc.family, kind)


_SENTENCE = re.compile(r"[^。！？；]+[。！？；]")
REPOST_VARIANTS = {
    "chrome": ("chrome",),
    "chrome+lead": ("chrome", "lead"),
    "reorder": ("chrome", "reorder"),
    "edits1%": ("chrome", "edits:0.01"),
    "sentence+-": ("chrome", "sentence"),
    "trimmed": ("chrome", "trim"),
    "heavy": ("chrome", "lead", "reorder", "sentence", "edits:0.02"),
    "traditional": ("chrome", "s2t"),
}
"""Repost variants of the labelled set: the steps applied to the original's text. ``trimmed``:
without salutation, closing formula, attachment list, contact and signature lines (as news sites
repost); ``traditional``: the same text in traditional characters (OpenCC s2t), as Hong Kong,
Taiwan and some trade sites carry mainland policies."""
HEADLINE_VARIANTS = tuple(v for v in REPOST_VARIANTS if v != "traditional")


def repost_text(gen: Generator, title: str, body: str, steps: tuple[str, ...]) -> str:
    """A repost of ``body`` as another site carries it, changed at the string level."""
    r = gen.rng
    paragraphs = body.split("\n")
    if "trim" in steps:
        if paragraphs[0].endswith("："):
            paragraphs = paragraphs[1:]
        while len(paragraphs) > 3 and len(paragraphs[-1]) < 80:
            paragraphs = paragraphs[:-1]
    if "reorder" in steps and len(paragraphs) > 4:
        i, j = r.sample(range(1, len(paragraphs) - 1), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
    if "sentence" in steps:
        sentences = [
            (n, m.start(), m.end()) for n, p in enumerate(paragraphs) for m in _SENTENCE.finditer(p)
        ]
        if len(sentences) > 3:
            n, lo, hi = r.choice(sentences)
            paragraphs[n] = paragraphs[n][:lo] + paragraphs[n][hi:]
        n = r.randrange(len(paragraphs))
        paragraphs[n] += gen.corpus.units[r.choice(gen.sentences)]
    text = "\n".join(p for p in paragraphs if p)
    for step in steps:
        if step.startswith("edits:"):
            text = edit_chars(text, float(step.split(":")[1]), r)
    if "lead" in steps:
        text = gen.fill(r.choice(RELAY_LEADS), title=title) + "\n" + text
    if "chrome" in steps:
        top = [gen.fill(c) for c in r.sample(CHROME_TOP, r.randint(1, 3))]
        bottom = [gen.fill(c) for c in r.sample(CHROME_BOTTOM, r.randint(1, 3))]
        text = "\n".join([*top, text, *bottom])
    if "s2t" in steps:
        text = _s2t().convert(text)
    return text


@functools.cache
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def edit_chars(text: str, rate: float, rng: random.Random) -> str:
    """Change about ``rate`` of the characters (substitutions, a few deletions/insertions)."""
    chars = list(text)
    alphabet = COMMON_CHARS
    for i in range(len(chars)):
        if chars[i] != "\n" and rng.random() < rate:
            op = rng.random()
            if op < 0.8:
                chars[i] = rng.choice(alphabet)
            elif op < 0.9:
                chars[i] = ""
            else:
                chars[i] += rng.choice(alphabet)
    return "".join(chars)


def corpus_stats(texts: list[str], sample_pairs: int = 20_000, seed: int = 1) -> dict[str, float]:
    """Pairwise Jaccard percentiles of 5-gram shingle sets and the share of common shingles."""
    import numpy as np

    from crawler.dedup.minhash import shingle_hashes

    sets = [set(shingle_hashes(normalised_text(t)).tolist()) for t in texts]
    rng = random.Random(seed)
    values = []
    for _ in range(sample_pairs):
        a, b = rng.sample(range(len(sets)), 2)
        values.append(len(sets[a] & sets[b]) / max(1, len(sets[a] | sets[b])))
    counts: dict[int, int] = {}
    for s in sets:
        for h in s:
            counts[h] = counts.get(h, 0) + 1
    common = {h for h, c in counts.items() if c >= 0.1 * len(sets)}
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    return {
        "jaccard_p50": float(p50),
        "jaccard_p90": float(p90),
        "jaccard_p99": float(p99),
        "common_share": float(np.mean([len(s & common) / max(1, len(s)) for s in sets])),
    }
