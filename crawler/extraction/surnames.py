"""Chinese family names: a bare two-to-four-character word is taken for a person's name only
when it starts with one (``人物画像``, ``收藏本文`` and ``训练营`` do not).

The list holds the family names in common use (the traditional 百家姓 and the frequent modern
ones, simplified and traditional forms) and the compound ones; it is a filter for weak evidence
(a line of text, a bracket), never for a labelled byline (``作者：茉莉`` keeps its pen name).
"""

from __future__ import annotations

__all__ = ["has_surname"]

_SINGLE = frozenset(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林高罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧"
    "曹彭曾萧蕭肖田董袁潘于於蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖"
    "贾賈夏韦韋付傅方白邹鄒孟熊秦邱江尹薛闫閻段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃"
    "武戴莫孔向汤湯常温溫康施文牛樊葛邢安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿"
    "关關兰蘭焦俞左柳甘祝包宁寧尚符舒阮柯纪紀梅童凌毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游"
    "辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時穆农農司卓古吉缪繆简簡车車项項连連芦蘆"
    "麦麥褚娄婁窦竇戚岑景党黨宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應臧闵閔苟邬鄔边邊卞姬师師和"
    "仇栾欒隋商刁沙荣榮巫寇桑郎甄丛叢仲虞敖巩鞏明佘池查麻苑迟遲邝鄺官封谈談匡鞠惠荆荊乐樂冀郁"
    "胥南班储儲原栗燕楚鄢劳勞谌諶奚皮粟冼蔺藺楼樓盘盤满滿闻聞位厉厲伊仝区區郜海阚闞花权權强強"
    "帅帥屠豆朴盖蓋练練廉禹井祖漆巴丰豐支卿国國狄平计計索宣晋晉相初门門云雲容敬来來扈晁芮都普"
    "阙闕浦戈伏鹿薄邸雍辜羊阿乌烏母裘亓修邰赫杭况況那宿鲜鮮印逯隆茹诸諸战戰慕危玉银銀亢嵇公哈"
    "湛宾賓戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴陰昝智幸奉植衡富尧堯闭閉由黑钮鈕邴经經仁汝"
    "荀糜琚弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖賴卓蔺屠蒙池乔阴胥能苍雙双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑"
    "桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习習宦艾鱼容向古易慎戈廖庾终暨居衡步都耿"
    "满弘匡国文寇广廣禄阙东東殴殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰"
    "巢关蒯相查后荆红游竺权逯盖益桓公晋楚闫法汝鄢涂钦岳帅缑亢况郈有琴商牟佘佴伯赏墨哈谯笪年爱"
    "阳佟言福"
)
_COMPOUND = frozenset(
    (
        "欧阳",
        "歐陽",
        "司马",
        "司馬",
        "上官",
        "诸葛",
        "諸葛",
        "东方",
        "東方",
        "皇甫",
        "尉迟",
        "尉遲",
        "公孙",
        "公孫",
        "慕容",
        "长孙",
        "長孫",
        "宇文",
        "司徒",
        "司空",
        "令狐",
        "夏侯",
        "轩辕",
        "軒轅",
        "端木",
        "独孤",
        "獨孤",
        "南宫",
        "南宮",
        "西门",
        "西門",
        "呼延",
        "澹台",
        "公冶",
        "申屠",
        "太史",
        "闻人",
        "聞人",
        "万俟",
        "赫连",
        "赫連",
        "濮阳",
        "淳于",
        "单于",
        "钟离",
        "鍾離",
        "宗政",
        "仲孙",
        "拓跋",
        "百里",
        "东郭",
        "第五",
        "谷梁",
        "左丘",
        "梁丘",
        "羊舌",
        "巫马",
        "乐正",
        "漆雕",
        "公西",
        "亓官",
        "司寇",
        "微生",
        "段干",
        "呼延",
    )
)


def has_surname(name: str) -> bool:
    """Whether ``name`` starts with a Chinese family name (names joined with ``·`` are
    transliterations and pass)."""
    if "·" in name or "•" in name:
        return True
    return name[:2] in _COMPOUND or name[:1] in _SINGLE
