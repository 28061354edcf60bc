"""Pools of Chinese names: villages, people, units. Plausible, generated, never real people."""

from __future__ import annotations

import numpy as np

# Henan's common surnames, most frequent first; weights roughly follow their frequency.
SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余"
    "于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙"
    "黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔"
)
SURNAME_WEIGHTS = 1.0 / np.arange(1, len(SURNAMES) + 1) ** 0.9
SURNAME_WEIGHTS /= SURNAME_WEIGHTS.sum()

GIVEN_CHARS = list(
    "建国军民华强伟明平志红英秀兰玉凤桂芳珍霞丽梅海涛洪亮文武新春庆福德荣金银宝山林"
    "长永保全根生发利喜富贵成安鹏俊杰磊勇超辉刚峰波斌浩宇宏振广东晓云燕娟敏静艳芬巧"
    "爱秋冬雪彩花勤忠义孝廷松柏连胜朝卫彦书军学红旗改娥"
)

# Village names: a surname or a feature plus a settlement word (李庄, 王湾, 赵岗 …).
PLACE_WORDS = list("庄湾寨营店楼岗集桥屯园坡洼湖台河沟")
PLACE_WEIGHTS = np.array([30, 8, 10, 8, 6, 8, 8, 4, 5, 4, 3, 3, 5, 4, 3, 2, 2], dtype=float)[: len(PLACE_WORDS)]
PLACE_WEIGHTS /= PLACE_WEIGHTS.sum()
PREFIXES = ["", "", "", "", "", "", "大", "小", "东", "西", "前", "后", "南", "北", "新", "老", "上", "下"]

HELP_UNITS = [
    "县交通运输局", "县水利局", "县农业农村局", "县住房和城乡建设局", "县卫生健康委员会",
    "县教育局", "县民政局", "县财政局", "县人力资源和社会保障局", "县乡村振兴局", "县自然资源局",
    "国网舞阳县供电公司", "县发展和改革委员会", "县应急管理局", "县市场监督管理局", "县税务局",
    "中国农业银行舞阳县支行", "县农村信用合作联社", "县文化广电和旅游局", "县审计局",
]

RESP_UNITS = {
    "roads": ["县交通运输局", "县公路管理局", "{twp}人民政府"],
    "water_works": ["县水利局", "县供水公司", "{twp}水利站"],
    "power_lines": ["国网舞阳县供电公司", "{twp}供电所"],
    "pv_stations": ["县乡村振兴局", "{twp}人民政府", "县光伏电站运维中心"],
    "telecom_sites": ["中国移动舞阳分公司", "中国联通舞阳分公司", "中国电信舞阳分公司"],
    "schools": ["县教育局", "{twp}中心学校"],
    "clinics": ["县卫生健康委员会", "{twp}卫生院"],
}

OPERATORS = ["中国移动", "中国联通", "中国电信", "中国铁塔"]


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """n plausible two- or three-character names."""
    sur = rng.choice(len(SURNAMES), n, p=SURNAME_WEIGHTS)
    g1 = rng.integers(0, len(GIVEN_CHARS), n)
    g2 = rng.integers(0, len(GIVEN_CHARS), n)
    two = rng.random(n) < 0.7
    return [
        SURNAMES[s] + GIVEN_CHARS[a] + (GIVEN_CHARS[b] if t else "")
        for s, a, b, t in zip(sur.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True)
    ]


def village_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct village names such as 李庄村, 东王湾村, 赵岗村."""
    names: list[str] = []
    seen: dict[str, int] = {}
    while len(names) < n:
        pre = PREFIXES[int(rng.integers(0, len(PREFIXES)))]
        sur = SURNAMES[int(rng.choice(len(SURNAMES), p=SURNAME_WEIGHTS))]
        word = PLACE_WORDS[int(rng.choice(len(PLACE_WORDS), p=PLACE_WEIGHTS))]
        if word == sur:
            continue
        name = f"{pre}{sur}{word}村"
        if name in seen:
            continue
        seen[name] = 1
        names.append(name)
    return names
