"""The workbook's shape, shared by export and import: sheet names, columns, cell kinds.

One table says which ruleset key each column holds and what kind of value a cell
may carry, so the writer and the reader cannot drift apart.  Keys are the TOML keys
(dotted for nested tables: ``cite.document``); headers are what policy staff read.
"""

from __future__ import annotations

import attrs

# What a cell may hold.  TEXT: words; INT: a whole number (年度, 位数); NUMBER: a
# number (分值); BOOL: 是/否; LIST: one item a line; VALUE: text or number, kept
# as the cell holds it (用例 rows, where 10 and "10" both mean ten).
# RAW: left as the cell, converted later by what its row says (基本信息's 值).
TEXT, INT, NUMBER, BOOL, LIST, VALUE, RAW = "text", "int", "number", "bool", "list", "value", "raw"


@attrs.frozen
class Column:
    key: str  # TOML key, dotted when nested: applies.kind, cite.document
    header: str  # what the sheet's first row says
    kind: str = TEXT
    width: int = 16


@attrs.frozen
class Sheet:
    name: str
    columns: tuple[Column, ...]
    note: str  # one line for 说明: what a row of this sheet is

    def by_header_key(self, key: str) -> str:
        """The header of the column holding *key*."""
        return next(c.header for c in self.columns if c.key == key)


README = "说明"
HEADER = "基本信息"
CASES = "用例"  # also names the dynamic row columns; see export/import

# 基本信息 is a key/value sheet: one row per setting.
HEADER_COLUMNS = (Column("key", "键", width=24), Column("label", "项目", width=20),
                  Column("value", "值", RAW, width=60), Column("hint", "说明", width=50))
SETTINGS: tuple[tuple[str, str, str, str], ...] = (
    # key, 项目, kind, 说明
    ("id", "编号", TEXT, "规则集编号（必填），如 hunan/zhuzhou/lusong/2023"),
    ("extends", "上级规则集", TEXT, "继承的上级规则集编号；空着表示最上级"),
    ("name", "名称", TEXT, ""),
    ("jurisdiction", "辖区", TEXT, "用 / 分级，如 湖南省/株洲市/芦淞区"),
    ("year", "适用年度", INT, "整数，如 2023"),
    ("kind", "类别", TEXT, "如 部门整体支出"),
    ("version", "版本", TEXT, ""),
    ("note", "备注", TEXT, ""),
    ("binding", "约束性设置", LIST, "下级不能修改的设置，一行一个，如 weights.产出指标、rounding"),
    ("places", "地名", LIST, "表上出现这些市、县名时推定为本辖区，一行一个"),
    ("rounding.places", "舍入位数", INT, "0 到 10 的整数；本层不定舍入时两项都空着"),
    ("rounding.mode", "舍入方式", TEXT, "half_up（四舍五入）、half_even（银行家舍入）、down（截尾）…"),
    ("rounding.cite", "舍入出处（一句话）", TEXT, "出处只写一句话时填这一格；与下面四格二选一"),
    ("rounding.cite.document", "舍入出处：文件", TEXT, "「文件」表中的简称"),
    ("rounding.cite.article", "舍入出处：条款", TEXT, ""),
    ("rounding.cite.evidence", "舍入出处：依据", TEXT, "text、secondary、recalled、practice"),
    ("rounding.cite.note", "舍入出处：说明", TEXT, ""),
    ("weights.cite", "分值出处（一句话）", TEXT, "出处只写一句话时填这一格；与下面四格二选一"),
    ("weights.cite.document", "分值出处：文件", TEXT, "「文件」表中的简称"),
    ("weights.cite.article", "分值出处：条款", TEXT, ""),
    ("weights.cite.evidence", "分值出处：依据", TEXT, "text、secondary、recalled、practice"),
    ("weights.cite.note", "分值出处：说明", TEXT, ""),
    ("audit.over_completion.threshold", "审核：超额完成须说明原因：阈值", TEXT, "如 130%；不设这项审核时空着"),
    ("audit.over_completion.cite.document", "审核：超额完成须说明原因：文件", TEXT, "「文件」表中的简称"),
    ("audit.over_completion.cite.article", "审核：超额完成须说明原因：条款", TEXT, ""),
    ("audit.over_completion.cite.evidence", "审核：超额完成须说明原因：依据", TEXT, "text、form、secondary、recalled、practice"),
    ("audit.over_completion.cite.note", "审核：超额完成须说明原因：说明", TEXT, ""),
    ("audit.execution_reason.threshold", "审核：执行率低须说明原因：阈值", TEXT, "如 130%；不设这项审核时空着"),
    ("audit.execution_reason.cite.document", "审核：执行率低须说明原因：文件", TEXT, "「文件」表中的简称"),
    ("audit.execution_reason.cite.article", "审核：执行率低须说明原因：条款", TEXT, ""),
    ("audit.execution_reason.cite.evidence", "审核：执行率低须说明原因：依据", TEXT, "text、form、secondary、recalled、practice"),
    ("audit.execution_reason.cite.note", "审核：执行率低须说明原因：说明", TEXT, ""),
    ("audit.low_execution.threshold", "审核：执行率低而产出满分：阈值", TEXT, "如 130%；不设这项审核时空着"),
    ("audit.low_execution.cite.document", "审核：执行率低而产出满分：文件", TEXT, "「文件」表中的简称"),
    ("audit.low_execution.cite.article", "审核：执行率低而产出满分：条款", TEXT, ""),
    ("audit.low_execution.cite.evidence", "审核：执行率低而产出满分：依据", TEXT, "text、form、secondary、recalled、practice"),
    ("audit.low_execution.cite.note", "审核：执行率低而产出满分：说明", TEXT, ""),
    ("cases.ruleset", "用例：规则集", TEXT, "用例文件的 ruleset 键（通常空着）"),
    ("cases.include", "用例：沿用的用例文件", LIST, "相对于原用例文件的路径，一行一个"),
    ("source", "来源文件", TEXT, "导出时的规则集文件（只供参考；导入时用它找沿用的用例文件）"),
)

DOCUMENTS = Sheet("文件", (
    Column("key", "简称", width=20), Column("number", "文号", width=20), Column("title", "标题", width=50),
    Column("issuer", "发文机关", width=24), Column("issued", "发文日期", width=12),
    Column("effective", "施行日期", width=12), Column("note", "备注", width=40),
), "规则引用的文件，一行一个；「规则」表的出处文件写这里的简称。")

WEIGHTS = Sheet("分值", (Column("level1", "一级指标", width=20), Column("weight", "分值", NUMBER, width=10)),
                "一级指标 → 分值；合并继承链后合计必须是 100。本层不改的一级指标不要列出。")

GRADES = Sheet("等级", (Column("name", "等级", width=10), Column("range", "区间", width=16)),
               "总分等级，区间写成 [90, 100] 或 [80, 90)，首尾相接；本层不改等级时整张表空着。")

GRADE_WORDS = Sheet("等级同义词", (Column("grade", "等级", width=12), Column("words", "同义词", LIST, width=40)),
                    "定性指标的档位同义词，一行一个等级，同义词一行一个。")

RULES = Sheet("规则", (
    Column("id", "编号", width=24), Column("name", "名称", width=28),
    Column("applies.kind", "适用：类型", LIST, 14), Column("applies.direction", "适用：方向", LIST, 12),
    Column("applies.level1", "适用：一级指标", LIST, 16), Column("applies.level2", "适用：二级指标", LIST, 16),
    Column("applies.name", "适用：三级指标", LIST, 16), Column("text", "规则文字", width=60),
    Column("cite.document", "出处：文件", width=16), Column("cite.article", "出处：条款", width=28),
    Column("cite.evidence", "出处：依据", width=12), Column("cite.note", "出处：说明", width=40),
    Column("override", "替换上级同名规则", BOOL, 10), Column("binding", "约束性", BOOL, 8),
    Column("note", "备注", width=30),
), "本层的规则，按顺序；每一行用第一条适用的规则。适用条件一格可写多项，一行一项。")

REMOVE = Sheet("删除规则", (Column("rule", "规则编号", width=24), Column("reason", "理由", width=60)),
               "删除上级规则集的规则，理由必填。")

FORM = Sheet("表式", (
    Column("key", "行号", width=8), Column("level1", "一级指标", width=14), Column("level2", "二级指标", width=14),
    Column("name", "三级指标", width=24), Column("target", "年度指标值", width=14),
    Column("weight", "分值", NUMBER, 8), Column("rule", "规则", width=20), Column("note", "备注", width=30),
), "规则集附带的自评表表式（[[form]]），一行一个指标。")

# 用例: the case fields; the 自评表 columns of its rows follow, one column per key used.
CASE_COLUMNS = (
    Column("case", "用例", INT, 6), Column("name", "用例名称", width=40), Column("row_kind", "行类型", width=10),
    Column("total", "期望总分", VALUE, 10), Column("findings", "必须出现的审核提示", LIST, 24),
    Column("no_findings", "不得出现的审核提示", LIST, 24), Column("note", "用例备注", width=24),
)
ROW_KINDS = {"指标": "rows", "预算执行": "budget"}
EXPLANATIONS = Sheet("用例失分", (
    Column("case", "用例", INT, 6), Column("row", "行", INT, 6), Column("points_lost", "失分", VALUE, 10),
    Column("rule", "规则", width=24), Column("clause", "条款", width=30), Column("layer", "层", width=24),
), "每个用例期望的失分说明，按顺序；「用例」是「用例」表第一列的序号，「行」是用例里的第几行（预算执行为 0）。")

TABLE_SHEETS = (DOCUMENTS, WEIGHTS, GRADES, GRADE_WORDS, RULES, REMOVE, FORM)
SHEET_NAMES = (README, HEADER, *(s.name for s in TABLE_SHEETS), CASES, EXPLANATIONS.name)

# Columns a sheet cannot do without (its rows are keyed by them); missing → the sheet is refused.
REQUIRED = {HEADER: ("key", "value"), "文件": ("key",), "分值": ("level1", "weight"), "等级同义词": ("grade",),
            CASES: ("case",), "用例失分": ("case",)}
