"""Realistic Chinese names, vectorised.

Surnames follow a frequency list (northern China, where 王/李/张/刘 dominate), with a few compound
surnames (欧阳, 司马, ...); given names are one or two characters chosen from lists by sex.
"""

from __future__ import annotations

import numpy as np

# (surname, relative weight) — rough frequencies in Shandong; compound surnames are rare.
_SURNAMES = (
    "王 900|李 800|张 780|刘 600|陈 180|杨 170|赵 200|黄 60|周 90|吴 70|徐 130|孙 220|马 150|朱 110|"
    "胡 70|郭 110|何 40|高 180|林 50|罗 30|郑 70|梁 60|谢 30|宋 130|唐 40|许 60|韩 110|冯 60|"
    "邓 20|曹 90|彭 30|曾 10|肖 40|田 80|董 90|袁 40|潘 30|于 140|蒋 30|蔡 30|余 10|杜 70|叶 20|"
    "程 50|苏 50|魏 80|吕 70|丁 70|任 60|沈 30|姚 40|卢 40|姜 100|崔 80|钟 10|谭 20|陆 20|汪 10|"
    "范 50|金 40|石 60|廖 10|贾 60|夏 30|付 40|方 30|白 50|邹 20|孟 70|熊 10|秦 40|邱 20|江 20|"
    "尹 40|薛 40|闫 50|段 30|雷 20|侯 50|龙 10|史 40|陶 20|贺 30|顾 20|毛 20|郝 40|龚 10|邵 30|"
    "万 20|钱 10|严 20|武 50|戴 20|孔 60|颜 20|亓 30|隋 10|宁 20|展 10|栾 10|单 20|臧 10|鞠 10|"
    "欧阳 3|司马 2|诸葛 2|上官 2|东方 1|皇甫 1|公孙 1|慕容 1"
)
SURNAMES = np.array([s.split()[0] for s in _SURNAMES.split("|")])
_W = np.array([float(s.split()[1]) for s in _SURNAMES.split("|")])
SURNAME_P = _W / _W.sum()

MALE_CHARS = np.array(
    list(
        "伟强磊军勇杰涛明超刚平辉建国华文志海东峰成林波斌鹏飞庆宝福春广德永兴长发金玉贵良忠义"
        "岩奎元振家庆学祥顺利新洪德荣昌军亮鑫浩宇晨阳凯瑞坤泽俊"
    )
)
FEMALE_CHARS = np.array(
    list("芳娟敏静丽艳霞秀英兰玲梅红燕萍桂珍凤华琴云莲洁婷雪慧娜倩荣翠娥美玉彩霞春花菊香月琳丹晶欣悦佳颖雯璐瑶萱")
)


def make_names(rng: np.random.Generator, male: np.ndarray, surnames: np.ndarray | None = None) -> np.ndarray:
    """One name per element of `male` (bool array). `surnames` (optional) forces the surname."""
    n = len(male)
    if surnames is None:
        surnames = rng.choice(SURNAMES, size=n, p=SURNAME_P)
    c1 = np.where(male, rng.choice(MALE_CHARS, n), rng.choice(FEMALE_CHARS, n))
    c2 = np.where(male, rng.choice(MALE_CHARS, n), rng.choice(FEMALE_CHARS, n))
    two = rng.random(n) < 0.72  # most given names have two characters
    # compound surnames take a one-character given name mostly, so names stay 2–4 characters
    compound = np.char.str_len(surnames.astype(str)) > 1
    two &= ~compound | (rng.random(n) < 0.3)
    given = np.where(two, np.char.add(c1, c2), c1)
    return np.char.add(surnames.astype(str), given).astype(object)


def surname_of(names: np.ndarray) -> np.ndarray:
    """The surname of each name (compound surnames recognised)."""
    names = np.asarray(names, dtype=str)
    two = np.char.str_len(names) >= 3
    first2 = names.astype("<U2")
    compound_set = SURNAMES[np.char.str_len(SURNAMES) > 1]
    is_comp = two & np.isin(first2, compound_set)
    return np.where(is_comp, first2, names.astype("<U1"))
