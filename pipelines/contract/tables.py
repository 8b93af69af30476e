"""The input contract of extracts.md, as data.

One place describes every departmental table: its source, headers and aliases, the typed column each
header becomes (named after the glossary of domain.md), enumerations with their accepted variants, and
which columns are household columns. The reader, the generator, the data contracts and the docs all read
this module; adding a column is one edit here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

# ---------------------------------------------------------------------------------------------------
# Column kinds. Each kind has one parser in the ingestion code and one writer in the generator.
# ---------------------------------------------------------------------------------------------------
REGION_CODE = "region_code"  # 12-digit village code, text or a 12-digit numeric cell
# A county of the regions seed as 6 digits or 12 digits ending in 000000 (text or a numeric cell), stored as
# the 12-digit code: 341602 and 341602000000 are the same value.
COUNTY_CODE = "county_code"
# Any 12-digit region code of China (text or a numeric cell), not looked up in the regions seed.
CHINA_REGION_CODE = "china_region_code"
TEXT = "text"
PERSON_ID = "person_id"  # 18-character national id (15-digit legacy form converted)
CARD_NO = "card_no"  # 20 characters: person id + type digit + grade digit
ENUM = "enum"
BOOL = "bool"  # 是 / 否
INTEGER = "integer"  # whole number >= 1
MONEY = "money"  # DECIMAL(14, 2), rounded half up
DATE = "date"
MONTH = "month"  # YYYY-MM
REGION_NAME = "region_name"  # county / township / village names (monitoring extract)

# Relationship to the head of household, shared by every household table.
RELATIONS = {
    "户主": "head",
    "配偶": "spouse",
    "子女": "child",
    "父母": "parent",
    "孙子女": "grandchild",
    "兄弟姐妹": "sibling",
    "祖父母": "grandparent",
    "其他": "other",
}
YES_NO = {"是": True, "否": False}

DISABILITY_TYPES = {  # label -> (value, card digit)
    "视力": ("visual", 1),
    "听力": ("hearing", 2),
    "言语": ("speech", 3),
    "肢体": ("physical", 4),
    "智力": ("intellectual", 5),
    "精神": ("mental", 6),
    "多重": ("multiple", 7),
}
DISABILITY_GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}


@dataclass(frozen=True)
class Column:
    """One column of an extract.

    `header` is the header of the contract (the name the quarantine uses); `aliases` are other headers
    meaning the same. `name` is the glossary identifier of the typed column. For an ENUM, `values` maps
    each canonical label to its stored value and `variants` maps accepted variant spellings to a
    canonical label. `required=False` means the value may be empty.
    """

    header: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    values: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    required: bool = True
    # For an optional column: (column name, stored value) of the same row that makes it required
    # (风险消除时间 when 风险是否消除 = 是, 迁往地区划代码 when 变动类型 = 迁出).
    required_when: tuple[str, object] | None = None
    household: bool = False  # repeated on every member row; taken from the head's row
    level: str | None = None  # for REGION_NAME: county / township / village

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


@dataclass(frozen=True)
class Table:
    name: str  # file-name stem and DuckDB table name: raw.<name>
    source: str
    title: str  # 中文 name of the extract
    columns: tuple[Column, ...]
    household_key: str | None = None  # column name of the household number, for member tables
    payment_reference: str | None = None  # column name unique per payment, for payment tables
    period_column: str | None = None  # the date or month that must fall within the period (period_mismatch)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def event_dates(self) -> tuple[Column, ...]:
        """Required dates of something that happened before the extract was made (审批日期, 认定日期,
        识别监测时间, 发证日期, 变动日期): one after the end of the period is plausible (entered ahead, a
        typo), so the row loads as read and the data-quality report counts it (`date_after_period`)."""
        return tuple(c for c in self.columns if c.kind == DATE and c.required and c.name != self.period_column)

    @property
    def region_column(self) -> Column:
        """The column that places a row (its region error names it): the village code, the village name of
        the monitoring extract, or the county code of a department that does not know villages."""
        for kind in (REGION_CODE, COUNTY_CODE):
            for c in self.columns:
                if c.kind == kind:
                    return c
        return next(c for c in self.columns if c.kind == REGION_NAME and c.level == "village")

    @property
    def county_coded(self) -> bool:
        """Rows placed at a county only (`region_code` is the 12-digit county code; township and village
        empty)."""
        return self.region_column.kind == COUNTY_CODE


ID_ALIASES = ("身份证号码", "公民身份号码", "证件号码")
REGION = Column("行政区划代码", "region_code", REGION_CODE, aliases=("区划代码",))
NAME = Column("姓名", "name", TEXT)
PERSON = Column("身份证号", "person_id", PERSON_ID, aliases=ID_ALIASES)
RELATION = Column("与户主关系", "relation", ENUM, values=RELATIONS)

DIBAO = Table(
    name="dibao",
    source="civil_affairs",
    title="低保对象名册",
    household_key="household_id",
    columns=(
        REGION,
        Column("家庭编号", "household_id", TEXT, aliases=("户编号",)),
        NAME,
        PERSON,
        RELATION,
        Column("是否保障对象", "is_covered", BOOL, values=YES_NO),
        Column(
            "保障类别",
            "dibao_category",
            ENUM,
            values={"城市低保": "urban", "农村低保": "rural"},
            household=True,
        ),
        Column("保障人口数", "household_size", INTEGER, household=True),
        Column(
            "家庭月人均收入(元)",
            "monthly_income_per_capita",
            MONEY,
            aliases=("月人均收入(元)",),
            household=True,
        ),
        Column("月保障金(元)", "monthly_benefit", MONEY, aliases=("月保障金额(元)",), household=True),
        Column("审批日期", "approval_date", DATE, household=True),
        Column(
            "状态",
            "status",
            ENUM,
            aliases=("保障状态",),
            values={"在保": "active", "停保": "stopped"},
        ),
    ),
)

TEKUN = Table(
    name="tekun",
    source="civil_affairs",
    title="特困人员名册",
    columns=(
        REGION,
        NAME,
        PERSON,
        Column(
            "供养方式",
            "care_mode",
            ENUM,
            values={"集中供养": "centralized", "分散供养": "dispersed"},
            variants={"集中": "集中供养", "分散": "分散供养"},
        ),
        Column(
            "生活自理能力",
            "self_care",
            ENUM,
            values={"全自理": "full", "半失能": "partial", "全失能": "none"},
            variants={"完全失能": "全失能", "部分失能": "半失能", "自理": "全自理", "能自理": "全自理"},
        ),
        Column("月基本生活费(元)", "monthly_basic_living", MONEY),
        Column("月照料护理费(元)", "monthly_care_fee", MONEY),
        Column("照料服务协议", "has_care_agreement", BOOL, values={"有": True, "无": False}),
        Column("认定日期", "recognition_date", DATE),
        Column(
            "状态",
            "status",
            ENUM,
            aliases=("供养状态",),
            values={"在供": "active", "终止": "terminated"},
        ),
    ),
)

TEMPORARY_ASSISTANCE = Table(
    name="temporary_assistance",
    source="civil_affairs",
    title="临时救助发放明细",
    payment_reference="payment_reference",
    period_column="payment_date",
    columns=(
        REGION,
        NAME,
        PERSON,
        Column(
            "救助类型",
            "assistance_type",
            ENUM,
            values={"急难型": "emergency", "支出型": "expenditure"},
        ),
        Column("救助金额(元)", "amount", MONEY),
        Column("救助日期", "payment_date", DATE),  # must fall within the period: period_mismatch
        Column("救助事由", "reason", TEXT, required=False),
        Column("救助流水号", "payment_reference", TEXT),
    ),
)

NEAR_DIBAO = Table(
    name="near_dibao",
    source="civil_affairs",
    title="低收入家庭登记",
    household_key="household_id",
    columns=(
        REGION,
        Column("家庭编号", "household_id", TEXT),
        NAME,
        PERSON,
        RELATION,
        Column(
            "家庭类型",
            "family_type",
            ENUM,
            values={"低保边缘家庭": "near_dibao", "刚性支出困难家庭": "expenditure_hardship"},
            household=True,
        ),
        Column("家庭月人均收入(元)", "monthly_income_per_capita", MONEY, household=True),
        Column("认定日期", "recognition_date", DATE, household=True),
    ),
)

MONITORING = Table(
    name="monitoring",
    source="rural_revitalisation",
    title="防止返贫监测对象",
    household_key="household_id",
    columns=(
        Column("县(市、区)", "county_name", REGION_NAME, aliases=("县",), level="county"),
        Column("乡(镇、街道)", "township_name", REGION_NAME, aliases=("乡镇",), level="township"),
        Column("行政村", "village_name", REGION_NAME, aliases=("村",), level="village"),
        Column("户编号", "household_id", TEXT),
        NAME,
        Column("证件号码", "person_id", PERSON_ID, aliases=("身份证号",)),
        RELATION,
        Column(
            "监测对象类别",
            "monitoring_type",
            ENUM,
            values={
                "脱贫不稳定户": "unstable_lifted",
                "边缘易致贫户": "edge_vulnerable",
                "突发严重困难户": "sudden_hardship",
            },
            household=True,
        ),
        Column(
            "主要风险类型",
            "risk_cause",
            ENUM,
            values={
                "因病": "illness",
                "因残": "disability",
                "因学": "education",
                "因灾": "disaster",
                "因意外": "accident",
                "因产业项目失败": "business_failure",
                "因务工就业不稳": "unstable_employment",
                "缺劳动力": "lack_of_labour",
                "其他": "other",
            },
            household=True,
        ),
        Column("识别监测时间", "identified_date", DATE, household=True),
        Column("风险是否消除", "risk_eliminated", BOOL, values=YES_NO, household=True),
        # Required only when 风险是否消除 = 是; filled while 否 is counted (elimination_inconsistent).
        Column(
            "风险消除时间",
            "eliminated_date",
            DATE,
            required=False,
            required_when=("risk_eliminated", True),
            household=True,
        ),
        Column("家庭年人均纯收入(元)", "annual_income_per_capita", MONEY, household=True),
    ),
)

DISABILITY_CARDS = Table(
    name="disability_cards",
    source="disability_federation",
    title="持证残疾人名册",
    columns=(
        REGION,
        NAME,
        # The person id is the first 18 characters of the card number.
        Column("残疾人证号", "disability_card_no", CARD_NO),
        Column(
            "残疾类别",
            "disability_type",
            ENUM,
            values={k: v for k, (v, _) in DISABILITY_TYPES.items()},
        ),
        Column(
            "残疾等级",
            "disability_grade",
            ENUM,
            values=DISABILITY_GRADES,
            # 1级 … 4级 and 1 … 4 (text or number) are read as the grade too.
            variants={
                **{f"{n}级": k for k, n in DISABILITY_GRADES.items()},
                **{str(n): k for k, n in DISABILITY_GRADES.items()},
            },
        ),
        Column("发证日期", "issue_date", DATE),
        Column("证件状态", "card_status", ENUM, values={"有效": "valid", "注销": "cancelled"}),
    ),
)

DISABILITY_SUBSIDIES = Table(
    name="disability_subsidies",
    source="disability_federation",
    title="两项补贴发放明细",
    payment_reference="payment_reference",
    period_column="payment_month",
    columns=(
        REGION,
        NAME,
        PERSON,
        Column(
            "补贴类型",
            "subsidy_type",
            ENUM,
            values={"困难残疾人生活补贴": "living_subsidy", "重度残疾人护理补贴": "nursing_subsidy"},
        ),
        Column("发放月份", "payment_month", MONTH),  # must be the period: period_mismatch
        Column("发放金额(元)", "amount", MONEY),
        Column("发放流水号", "payment_reference", TEXT),
    ),
)

# The departments that joined later (domain.md). Their person-id columns have their own aliases.
HOUSEHOLD_CHANGES = Table(
    name="household_changes",
    source="public_security",
    title="户籍变动登记",
    columns=(
        Column("行政区划代码", "region_code", REGION_CODE, aliases=("区划代码", "户籍地区划代码")),
        NAME,
        Column("身份证号", "person_id", PERSON_ID, aliases=("公民身份号码",)),
        Column("变动类型", "change_type", ENUM, values={"死亡": "death", "迁出": "move_out"}),
        # The day of the death or the move: it may lie months before the period (late registration);
        # after the end of the period it loads and is counted (date_after_period).
        Column("变动日期", "change_date", DATE),
        Column(
            "迁往地区划代码",
            "destination_region_code",
            CHINA_REGION_CODE,
            aliases=("迁往地代码",),
            required=False,
            required_when=("change_type", "move_out"),
        ),
        Column("登记流水号", "registration_reference", TEXT),
    ),
)

SOCIAL_INSURANCE_PAYMENTS = Table(
    name="social_insurance_payments",
    source="human_resources",
    title="社会保险待遇发放明细",
    period_column="payment_month",
    columns=(
        Column("参保地区划代码", "region_code", COUNTY_CODE, aliases=("区划代码",)),
        NAME,
        Column("身份证号", "person_id", PERSON_ID, aliases=("公民身份号码", "社会保障号码")),
        Column(
            "待遇类型",
            "benefit_type",
            ENUM,
            values={
                "职工基本养老金": "employee_pension",
                "机关事业单位养老金": "public_sector_pension",
                "遗属补助": "survivor_benefit",
                "失业保险金": "unemployment_benefit",
            },
        ),
        Column("发放月份", "payment_month", MONTH),  # must be the period: period_mismatch
        Column("发放金额(元)", "amount", MONEY),
    ),
)

PAYROLL = Table(
    name="payroll",
    source="finance",
    title="财政供养人员名册",
    columns=(
        Column("单位区划代码", "region_code", COUNTY_CODE, aliases=("区划代码",)),
        Column("单位名称", "employer", TEXT),
        NAME,
        Column("身份证号", "person_id", PERSON_ID),
        Column(
            "人员类别",
            "staff_category",
            ENUM,
            values={"在编在职": "established", "编外聘用": "contracted", "离退休": "retired"},
        ),
        Column("月应发工资(元)", "monthly_salary", MONEY, aliases=("月工资(元)",)),
    ),
)

MEDICAL_SETTLEMENTS = Table(
    name="medical_settlements",
    source="medical_insurance",
    title="医疗费用结算明细",
    payment_reference="settlement_reference",  # conflicts counted as for the subsidies (reference_conflict)
    period_column="settlement_date",
    columns=(
        Column("参保地区划代码", "region_code", COUNTY_CODE, aliases=("区划代码",)),
        NAME,
        Column("身份证号", "person_id", PERSON_ID, aliases=("公民身份号码",)),
        Column(
            "就诊类型",
            "visit_type",
            ENUM,
            values={"普通门诊": "outpatient", "门诊慢特病": "chronic_outpatient", "住院": "inpatient"},
        ),
        Column("结算日期", "settlement_date", DATE),  # must fall within the period: period_mismatch
        Column("医疗总费用(元)", "total_cost", MONEY, aliases=("总费用(元)",)),
        Column("个人自付(元)", "out_of_pocket", MONEY, aliases=("个人负担(元)",)),
        Column("结算流水号", "settlement_reference", TEXT),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        DIBAO,
        TEKUN,
        TEMPORARY_ASSISTANCE,
        NEAR_DIBAO,
        MONITORING,
        DISABILITY_CARDS,
        DISABILITY_SUBSIDIES,
        HOUSEHOLD_CHANGES,
        SOCIAL_INSURANCE_PAYMENTS,
        PAYROLL,
        MEDICAL_SETTLEMENTS,
    )
}
# The departments (domain.md) and the short Chinese name users know them by.
SOURCE_TITLES: dict[str, str] = {
    "civil_affairs": "民政",
    "rural_revitalisation": "乡村振兴",
    "disability_federation": "残联",
    "public_security": "公安",
    "human_resources": "人社",
    "finance": "财政",
    "medical_insurance": "医保",
}
SOURCES: tuple[str, ...] = tuple(SOURCE_TITLES)


def expected_tables(on_file: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """Period -> the tables expected in it, for every period of the (period, table) pairs on file
    (extracts.md): a table is expected from the first period in which any file of it is on file (a file
    rejected whole counts), so a department that joins later never makes an earlier period incomplete."""
    pairs = set(on_file)
    first: dict[str, str] = {}
    for period, table in pairs:
        if table not in first or period < first[table]:
            first[table] = period
    return {p: tuple(t for t in TABLES if t in first and first[t] <= p) for p in sorted({p for p, _ in pairs})}


def complete_periods(on_file: Iterable[tuple[str, str]], read: Iterable[tuple[str, str]]) -> list[str]:
    """The periods of `on_file` in which every expected table has a file in `read` (period, table pairs:
    the files read, not rejected whole; the sensor passes the files on disk for both)."""
    read = set(read)
    return [p for p, tables in expected_tables(on_file).items() if all((p, t) in read for t in tables)]


# Lineage columns every loaded raw table carries after its typed columns.
LINEAGE_COLUMNS = ("period", "source_file", "source_row", "loaded_at")
# In the loaded tables the disability card also yields the holder's person_id.
DERIVED_COLUMNS = {"disability_cards": ("person_id",), "monitoring": ("region_code",)}

# Footer rows: the first non-empty cell starts with one of these and the row has no person id.
FOOTER_PREFIXES = ("合计", "总计", "小计", "制表", "审核", "填报")
# The header is the first row within this many rows that holds every column of the table.
HEADER_SEARCH_ROWS = 10

# Quarantine reason codes (extracts.md). Order here is documentation only.
QUARANTINE_REASONS = (
    "missing_columns",  # whole file
    "file_unreadable",  # whole file
    "file_encrypted",  # whole file: a workbook protected by a password
    "id_missing",
    "id_mangled",
    "id_format",
    "id_checksum",
    "id_birthdate",
    "card_format",
    "value_missing",
    "integer_format",
    "date_format",
    "amount_negative",
    "amount_format",
    "enum_value",
    "region_unknown",
    "region_unmatched",
    "region_ambiguous",
    "period_mismatch",
)
# Counted in the data-quality report; the row still loads.
QUALITY_CODES = (
    "card_mismatch",
    "reference_conflict",
    "household_inconsistent",
    "elimination_inconsistent",
    "household_no_head",
    "household_several_heads",
    "date_after_period",
)
FILE_STATUS = {"loaded": "已入库", "rejected": "整体拒收"}
