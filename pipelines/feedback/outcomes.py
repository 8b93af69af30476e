"""The outcomes an official may record for a case, by the rule's kind (rules.md, "Cases")."""

from __future__ import annotations

OTHER = "其他"
WARNING_OUTCOMES = (
    "已纳入低保",
    "已纳入特困",
    "已给予临时救助",
    "已落实补贴",
    "已落实照料服务",
    "已纳入防返贫监测帮扶",
    "经核查不符合条件",
    "经核查数据有误",
    OTHER,
)
VERIFICATION_OUTCOMES = (
    "已停保或停发",
    "已停发并追回资金",
    "已调整保障金",
    "经核查无问题",
    "经核查数据有误",
    OTHER,
)
OUTCOMES = {"warning": WARNING_OUTCOMES, "verification": VERIFICATION_OUTCOMES}
# A case whose latest record says nothing was wrong is looked at again this many months after its 核查日期.
RECHECK_OUTCOMES = ("经核查不符合条件", "经核查无问题", "经核查数据有误")
RECHECK_MONTHS = 6
MAX_NOTE = 500

# 处置状态 (rules.md), and the list pages' filter: a re-check due is a case in a re-check episode not yet
# disposed of again.
PENDING, OVERDUE, DISPOSED, ELIMINATED = "待处置", "已超期", "已处置", "已消除"
STATUSES = (PENDING, OVERDUE, DISPOSED, ELIMINATED)
RECHECK_DUE = "复核到期"
ON_TIME, LATE = "按时", "超期处置"
