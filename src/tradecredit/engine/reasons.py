"""Reasons for a PD: the features pushing one buyer's PD up and down, in plain English and Chinese.

The contributions are TreeSHAP values of the raw score (log-odds) from :meth:`PdModel.contributions`: for each
buyer they add up, with the bias, to the raw score, and the PD rises with the raw score, so a positive
contribution raises the PD. Each reason is rendered with the buyer's own number and a short meaning:

    Working capital ratio 0.8 is below 1: current liabilities exceed current assets (raises the PD)
    营运资金比率 0.8 低于 1:流动负债超过流动资产（推高违约概率）

A sentence is chosen by the value (:data:`CASES`: the first case whose upper bound exceeds the value); the
sentences are in one dict per language (:data:`TEMPLATES_EN`, :data:`TEMPLATES_ZH`). Attributes without a
template, and missing values, get a generic sentence naming the attribute (:data:`NAMES_ZH` for Chinese).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tradecredit.domain.errors import ValidationError
from tradecredit.engine.features import POLISH_ATTRS

__all__ = ["CASES", "NAMES_ZH", "TEMPLATES_EN", "TEMPLATES_ZH", "Reason", "reason_text", "top_reasons"]

Lang = Literal["en", "zh"]
INF = math.inf

EFFECT = {"en": {"up": "raises the PD", "down": "lowers the PD"},
          "zh": {"up": "推高违约概率", "down": "降低违约概率"}}

# attr → (how the value is shown, ((upper bound, case), …)); the value takes the first case with value < bound.
# Shown as: "pct" 12.3%, "ratio" 0.8, "days" 45. A case named "ok" only states the number; "good" says it is
# favourable; every other case says it is adverse. When the model pushes the other way than the case says (an
# unconstrained ratio in an interaction), the generic sentence is used, so no sentence contradicts its effect.
CASES: dict[int, tuple[str, tuple[tuple[float, str], ...]]] = {
    1: ("pct", ((0.0, "loss"), (0.02, "thin"), (INF, "good"))),
    2: ("pct", ((0.7, "ok"), (1.0, "high"), (INF, "over"))),
    3: ("pct", ((0.0, "negative"), (INF, "ok"))),
    4: ("ratio", ((1.0, "below_1"), (1.5, "thin"), (INF, "good"))),
    5: ("days", ((0.0, "negative"), (INF, "ok"))),
    6: ("pct", ((0.0, "negative"), (INF, "ok"))),
    7: ("pct", ((0.0, "loss"), (INF, "ok"))),
    8: ("ratio", ((0.0, "negative"), (0.25, "thin"), (INF, "ok"))),
    9: ("ratio", ((INF, "ok"),)),
    10: ("pct", ((0.0, "negative"), (0.2, "thin"), (INF, "ok"))),
    11: ("pct", ((0.0, "loss"), (INF, "ok"))),
    12: ("pct", ((0.0, "loss"), (INF, "ok"))),
    13: ("pct", ((0.0, "negative"), (INF, "ok"))),
    14: ("pct", ((0.0, "loss"), (INF, "ok"))),
    15: ("days", ((0.0, "negative"), (3650.0, "ok"), (INF, "long"))),
    16: ("pct", ((0.0, "negative"), (INF, "ok"))),
    17: ("ratio", ((1.0, "below_1"), (INF, "ok"))),
    18: ("pct", ((0.0, "loss"), (INF, "ok"))),
    19: ("pct", ((0.0, "loss"), (INF, "ok"))),
    20: ("days", ((INF, "ok"),)),
    21: ("ratio", ((0.8, "fall"), (1.0, "dip"), (INF, "ok"))),
    22: ("pct", ((0.0, "loss"), (INF, "ok"))),
    23: ("pct", ((0.0, "loss"), (INF, "ok"))),
    24: ("pct", ((0.0, "loss"), (INF, "ok"))),
    25: ("pct", ((0.0, "negative"), (INF, "ok"))),
    26: ("pct", ((0.0, "negative"), (INF, "ok"))),
    27: ("ratio", ((1.0, "below_1"), (3.0, "thin"), (INF, "ok"))),
    28: ("ratio", ((0.0, "negative"), (INF, "ok"))),
    30: ("ratio", ((INF, "ok"),)),
    34: ("ratio", ((INF, "ok"),)),
    35: ("pct", ((0.0, "loss"), (INF, "ok"))),
    36: ("ratio", ((INF, "ok"),)),
    38: ("pct", ((0.5, "thin"), (INF, "ok"))),
    39: ("pct", ((0.0, "loss"), (INF, "ok"))),
    40: ("ratio", ((0.2, "low"), (INF, "ok"))),
    42: ("pct", ((0.0, "loss"), (INF, "ok"))),
    43: ("days", ((180.0, "ok"), (INF, "long"))),
    44: ("days", ((90.0, "ok"), (INF, "slow"))),
    46: ("ratio", ((1.0, "below_1"), (INF, "good"))),
    47: ("days", ((INF, "ok"),)),
    49: ("pct", ((0.0, "negative"), (INF, "ok"))),
    50: ("ratio", ((1.0, "below_1"), (INF, "ok"))),
    51: ("pct", ((0.7, "ok"), (INF, "high"))),
    53: ("ratio", ((0.0, "negative"), (INF, "ok"))),
    56: ("pct", ((0.0, "loss"), (INF, "ok"))),
    58: ("pct", ((1.0, "ok"), (INF, "over"))),
    61: ("ratio", ((INF, "ok"),)),
    62: ("days", ((120.0, "ok"), (INF, "high"))),
    63: ("ratio", ((INF, "ok"),)),
}

# Polish "gross profit" is profit before tax (docs/ratios.md), so the sentences say so.
TEMPLATES_EN: dict[int, dict[str, str]] = {
    1: {"loss": "Return on assets {value} is negative: the company made a net loss",
        "thin": "Return on assets {value} is thin: net profit under 2% of assets",
        "good": "Return on assets {value}: the company is profitable"},
    2: {"ok": "Liabilities are {value} of total assets",
        "high": "Liabilities are {value} of total assets: heavily indebted",
        "over": "Liabilities are {value} of total assets: debts exceed assets (negative equity)"},
    3: {"negative": "Working capital is {value} of total assets: short-term debts exceed current assets",
        "ok": "Working capital is {value} of total assets"},
    4: {"below_1": "Working capital ratio {value} is below 1: current liabilities exceed current assets",
        "thin": "Working capital ratio {value} is below the healthy 1.5–2",
        "good": "Working capital ratio {value}: current assets cover current liabilities"},
    5: {"negative": "Cash and receivables less short-term liabilities are {value} days of operating costs: a shortfall",
        "ok": "Cash and receivables net of short-term liabilities cover {value} days of operating costs"},
    6: {"negative": "Retained earnings are {value} of total assets: accumulated losses",
        "ok": "Retained earnings are {value} of total assets"},
    7: {"loss": "Pre-tax return on assets {value} is negative: a loss before tax",
        "ok": "Pre-tax return on assets {value}"},
    8: {"negative": "Equity is {value} times liabilities: equity is negative",
        "thin": "Equity is only {value} times liabilities",
        "ok": "Equity is {value} times liabilities"},
    9: {"ok": "Sales are {value} times total assets"},
    10: {"negative": "Equity is {value} of total assets: negative equity",
         "thin": "Equity is only {value} of total assets: thin capital",
         "ok": "Equity is {value} of total assets"},
    11: {"loss": "Profit before interest and tax is {value} of total assets: an operating loss",
         "ok": "Profit before interest and tax is {value} of total assets"},
    12: {"loss": "Profit before tax is {value} of short-term liabilities: a loss",
         "ok": "Profit before tax is {value} of short-term liabilities"},
    13: {"negative": "Profit before tax plus depreciation is {value} of sales: operations burn cash",
         "ok": "Profit before tax plus depreciation is {value} of sales"},
    14: {"loss": "Pre-tax return on assets {value} is negative: a loss before tax",
         "ok": "Pre-tax return on assets {value}"},
    15: {"negative": "Profit before tax plus depreciation is negative: earnings cannot repay liabilities "
                     "({value} days)",
         "ok": "Earnings would repay all liabilities in {value} days",
         "long": "Earnings would need {value} days (over ten years) to repay all liabilities"},
    16: {"negative": "Profit before tax plus depreciation is {value} of total liabilities: no earnings to repay debt",
         "ok": "Profit before tax plus depreciation is {value} of total liabilities"},
    17: {"below_1": "Total assets are {value} times liabilities: less than the debts",
         "ok": "Total assets are {value} times liabilities"},
    18: {"loss": "Pre-tax return on assets {value} is negative: a loss before tax",
         "ok": "Pre-tax return on assets {value}"},
    19: {"loss": "Pre-tax margin {value} is negative: a loss on sales", "ok": "Pre-tax margin {value}"},
    20: {"ok": "Inventory equals {value} days of sales"},
    21: {"fall": "Sales are {value} times last year's: down by more than 20%",
         "dip": "Sales are {value} times last year's: slightly down",
         "ok": "Sales are {value} times last year's"},
    22: {"loss": "Operating return on assets {value} is negative: an operating loss",
         "ok": "Operating return on assets {value}"},
    23: {"loss": "Net margin {value} is negative: a net loss on sales", "ok": "Net margin {value}"},
    24: {"loss": "Profit before tax over three years is {value} of total assets: losses over three years",
         "ok": "Profit before tax over three years is {value} of total assets"},
    25: {"negative": "Equity less share capital is {value} of total assets: losses have eaten into paid-in capital",
         "ok": "Reserves and retained profit are {value} of total assets"},
    26: {"negative": "Net profit plus depreciation is {value} of total liabilities: no cash earnings to repay debt",
         "ok": "Net profit plus depreciation is {value} of total liabilities"},
    27: {"below_1": "Operating profit covers financial costs {value} times: less than once",
         "thin": "Operating profit covers financial costs only {value} times",
         "ok": "Operating profit covers financial costs {value} times"},
    28: {"negative": "Working capital is {value} times fixed assets: negative",
         "ok": "Working capital is {value} times fixed assets"},
    30: {"ok": "Liabilities net of cash are {value} times annual sales"},
    34: {"ok": "Operating costs are {value} times total liabilities"},
    35: {"loss": "Profit on sales is {value} of total assets: the core business loses money",
         "ok": "Profit on sales is {value} of total assets"},
    36: {"ok": "Total sales are {value} times total assets"},
    38: {"thin": "Long-term funding (equity and long-term debt) is only {value} of total assets",
         "ok": "Long-term funding (equity and long-term debt) is {value} of total assets"},
    39: {"loss": "Margin on sales {value} is negative: sales do not cover their costs",
         "ok": "Margin on sales {value}"},
    40: {"low": "Cash ratio {value} is low: little cash against short-term liabilities", "ok": "Cash ratio {value}"},
    42: {"loss": "Operating margin {value} is negative: an operating loss", "ok": "Operating margin {value}"},
    43: {"ok": "Receivables and inventory together equal {value} days of sales",
         "long": "Receivables and inventory together equal {value} days of sales: a long cash cycle"},
    44: {"ok": "Customers pay in {value} days on average",
         "slow": "Customers take {value} days to pay: slow collection"},
    46: {"below_1": "Quick ratio {value} is below 1: without inventory, current assets do not cover short-term "
                    "liabilities",
         "good": "Quick ratio {value}: current assets without inventory cover short-term liabilities"},
    47: {"ok": "Inventory equals {value} days of operating costs"},
    49: {"negative": "Operating profit less depreciation is {value} of sales: negative",
         "ok": "Operating profit less depreciation is {value} of sales"},
    50: {"below_1": "Current assets are {value} times total liabilities: less than the debts",
         "ok": "Current assets are {value} times total liabilities"},
    51: {"ok": "Short-term liabilities are {value} of total assets",
         "high": "Short-term liabilities are {value} of total assets: heavily reliant on short-term debt"},
    53: {"negative": "Equity is {value} times fixed assets: equity is negative",
         "ok": "Equity is {value} times fixed assets"},
    56: {"loss": "Operating margin {value} is negative: costs exceed sales", "ok": "Operating margin {value}"},
    58: {"ok": "Total costs are {value} of sales", "over": "Total costs are {value} of sales: costs exceed sales"},
    61: {"ok": "Receivables turn over {value} times a year"},
    62: {"ok": "Short-term liabilities equal {value} days of sales",
         "high": "Short-term liabilities equal {value} days of sales: a heavy short-term burden"},
    63: {"ok": "Sales are {value} times short-term liabilities"},
}

TEMPLATES_ZH: dict[int, dict[str, str]] = {
    1: {"loss": "总资产收益率 {value} 为负:公司出现净亏损", "thin": "总资产收益率 {value} 偏低:净利润不足资产的 2%",
        "good": "总资产收益率 {value}:公司盈利"},
    2: {"ok": "负债占总资产的 {value}", "high": "负债占总资产的 {value}:负债沉重",
        "over": "负债占总资产的 {value}:负债超过资产（净资产为负）"},
    3: {"negative": "营运资金占总资产的 {value}:短期债务超过流动资产", "ok": "营运资金占总资产的 {value}"},
    4: {"below_1": "营运资金比率 {value} 低于 1:流动负债超过流动资产",
        "thin": "营运资金比率 {value} 低于健康水平 1.5–2", "good": "营运资金比率 {value}:流动资产足以覆盖流动负债"},
    5: {"negative": "现金和应收账款减短期负债相当于 {value} 天的营业成本:存在缺口",
        "ok": "现金和应收账款扣除短期负债后可覆盖 {value} 天的营业成本"},
    6: {"negative": "留存收益占总资产的 {value}:累计亏损", "ok": "留存收益占总资产的 {value}"},
    7: {"loss": "税前总资产收益率 {value} 为负:税前亏损", "ok": "税前总资产收益率 {value}"},
    8: {"negative": "股东权益是负债的 {value} 倍:股东权益为负", "thin": "股东权益仅为负债的 {value} 倍",
        "ok": "股东权益是负债的 {value} 倍"},
    9: {"ok": "销售额是总资产的 {value} 倍"},
    10: {"negative": "股东权益占总资产的 {value}:净资产为负", "thin": "股东权益仅占总资产的 {value}:资本薄弱",
         "ok": "股东权益占总资产的 {value}"},
    11: {"loss": "息税前利润占总资产的 {value}:经营亏损", "ok": "息税前利润占总资产的 {value}"},
    12: {"loss": "税前利润占短期负债的 {value}:亏损", "ok": "税前利润占短期负债的 {value}"},
    13: {"negative": "税前利润加折旧占销售额的 {value}:经营消耗现金", "ok": "税前利润加折旧占销售额的 {value}"},
    14: {"loss": "税前总资产收益率 {value} 为负:税前亏损", "ok": "税前总资产收益率 {value}"},
    15: {"negative": "税前利润加折旧为负:盈利无法偿还负债（{value} 天）", "ok": "以盈利偿还全部负债需要 {value} 天",
         "long": "以盈利偿还全部负债需要 {value} 天（超过十年）"},
    16: {"negative": "税前利润加折旧占总负债的 {value}:没有盈利可用于还债", "ok": "税前利润加折旧占总负债的 {value}"},
    17: {"below_1": "总资产是负债的 {value} 倍:资不抵债", "ok": "总资产是负债的 {value} 倍"},
    18: {"loss": "税前总资产收益率 {value} 为负:税前亏损", "ok": "税前总资产收益率 {value}"},
    19: {"loss": "税前利润率 {value} 为负:销售亏损", "ok": "税前利润率 {value}"},
    20: {"ok": "存货相当于 {value} 天的销售额"},
    21: {"fall": "销售额是上年的 {value} 倍:下降超过 20%", "dip": "销售额是上年的 {value} 倍:略有下降",
         "ok": "销售额是上年的 {value} 倍"},
    22: {"loss": "经营性总资产收益率 {value} 为负:经营亏损", "ok": "经营性总资产收益率 {value}"},
    23: {"loss": "净利率 {value} 为负:销售净亏损", "ok": "净利率 {value}"},
    24: {"loss": "三年税前利润合计占总资产的 {value}:三年累计亏损", "ok": "三年税前利润合计占总资产的 {value}"},
    25: {"negative": "股东权益减股本占总资产的 {value}:亏损已侵蚀实收资本", "ok": "公积金和留存利润占总资产的 {value}"},
    26: {"negative": "净利润加折旧占总负债的 {value}:没有现金盈利可用于还债", "ok": "净利润加折旧占总负债的 {value}"},
    27: {"below_1": "经营利润是财务费用的 {value} 倍:不足一倍", "thin": "经营利润仅为财务费用的 {value} 倍",
         "ok": "经营利润是财务费用的 {value} 倍"},
    28: {"negative": "营运资金是固定资产的 {value} 倍:为负", "ok": "营运资金是固定资产的 {value} 倍"},
    30: {"ok": "扣除现金后的负债是年销售额的 {value} 倍"},
    34: {"ok": "营业成本是总负债的 {value} 倍"},
    35: {"loss": "销售利润占总资产的 {value}:主营业务亏损", "ok": "销售利润占总资产的 {value}"},
    36: {"ok": "总销售额是总资产的 {value} 倍"},
    38: {"thin": "长期资金（股东权益和长期负债）仅占总资产的 {value}",
         "ok": "长期资金（股东权益和长期负债）占总资产的 {value}"},
    39: {"loss": "销售利润率 {value} 为负:销售收入不足以覆盖成本", "ok": "销售利润率 {value}"},
    40: {"low": "现金比率 {value} 偏低:相对短期负债现金很少", "ok": "现金比率 {value}"},
    42: {"loss": "经营利润率 {value} 为负:经营亏损", "ok": "经营利润率 {value}"},
    43: {"ok": "应收账款和存货合计相当于 {value} 天的销售额",
         "long": "应收账款和存货合计相当于 {value} 天的销售额:资金周转周期长"},
    44: {"ok": "客户平均 {value} 天付款", "slow": "客户平均 {value} 天才付款:回款慢"},
    46: {"below_1": "速动比率 {value} 低于 1:扣除存货后的流动资产不足以覆盖短期负债",
         "good": "速动比率 {value}:扣除存货后的流动资产足以覆盖短期负债"},
    47: {"ok": "存货相当于 {value} 天的营业成本"},
    49: {"negative": "经营利润减折旧占销售额的 {value}:为负", "ok": "经营利润减折旧占销售额的 {value}"},
    50: {"below_1": "流动资产是总负债的 {value} 倍:少于负债", "ok": "流动资产是总负债的 {value} 倍"},
    51: {"ok": "短期负债占总资产的 {value}", "high": "短期负债占总资产的 {value}:严重依赖短期债务"},
    53: {"negative": "股东权益是固定资产的 {value} 倍:股东权益为负", "ok": "股东权益是固定资产的 {value} 倍"},
    56: {"loss": "经营利润率 {value} 为负:成本超过销售额", "ok": "经营利润率 {value}"},
    58: {"ok": "总成本占销售额的 {value}", "over": "总成本占销售额的 {value}:成本超过销售额"},
    61: {"ok": "应收账款每年周转 {value} 次"},
    62: {"ok": "短期负债相当于 {value} 天的销售额", "high": "短期负债相当于 {value} 天的销售额:短期负担沉重"},
    63: {"ok": "销售额是短期负债的 {value} 倍"},
}

NAMES_ZH: dict[int, str] = {
    1: "净利润/总资产", 2: "总负债/总资产", 3: "营运资金/总资产", 4: "流动资产/短期负债",
    5: "(现金+短期证券+应收账款−短期负债)/(营业费用−折旧)×365", 6: "留存收益/总资产", 7: "税前利润/总资产",
    8: "股东权益账面值/总负债", 9: "销售额/总资产", 10: "股东权益/总资产", 11: "(税前利润+非常项目+财务费用)/总资产",
    12: "税前利润/短期负债", 13: "(税前利润+折旧)/销售额", 14: "(税前利润+利息)/总资产",
    15: "(总负债×365)/(税前利润+折旧)", 16: "(税前利润+折旧)/总负债", 17: "总资产/总负债", 18: "税前利润/总资产",
    19: "税前利润/销售额", 20: "(存货×365)/销售额", 21: "本年销售额/上年销售额", 22: "经营利润/总资产",
    23: "净利润/销售额", 24: "三年税前利润/总资产", 25: "(股东权益−股本)/总资产", 26: "(净利润+折旧)/总负债",
    27: "经营利润/财务费用", 28: "营运资金/固定资产", 29: "总资产的对数", 30: "(总负债−现金)/销售额",
    31: "(税前利润+利息)/销售额", 32: "(流动负债×365)/销售成本", 33: "营业费用/短期负债", 34: "营业费用/总负债",
    35: "销售利润/总资产", 36: "总销售额/总资产", 37: "(流动资产−存货)/长期负债", 38: "长期资本/总资产",
    39: "销售利润/销售额", 40: "(流动资产−存货−应收账款)/短期负债", 41: "总负债/((经营利润+折旧)×12/365)",
    42: "经营利润/销售额", 43: "应收账款与存货周转天数之和", 44: "(应收账款×365)/销售额", 45: "净利润/存货",
    46: "(流动资产−存货)/短期负债", 47: "(存货×365)/销售成本", 48: "(经营利润−折旧)/总资产",
    49: "(经营利润−折旧)/销售额", 50: "流动资产/总负债", 51: "短期负债/总资产", 52: "(短期负债×365)/销售成本",
    53: "股东权益/固定资产", 54: "长期资本/固定资产", 55: "营运资金", 56: "(销售额−销售成本)/销售额",
    57: "(流动资产−存货−短期负债)/(销售额−税前利润−折旧)", 58: "总成本/总销售额", 59: "长期负债/股东权益",
    60: "销售额/存货", 61: "销售额/应收账款", 62: "(短期负债×365)/销售额", 63: "销售额/短期负债", 64: "销售额/固定资产",
}
"""Attribute number → Chinese name, as :data:`~tradecredit.engine.features.POLISH_ATTRS` in English
("gross profit" read as profit before tax, 税前利润, as in the data)."""

_TEMPLATES: dict[str, dict[int, dict[str, str]]] = {"en": TEMPLATES_EN, "zh": TEMPLATES_ZH}


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature's push on one buyer's PD: ``contribution`` in log-odds; ``value`` is NaN when missing."""

    feature: str
    value: float
    contribution: float
    direction: Literal["up", "down"]

    @property
    def attr(self) -> int | None:
        """The Polish attribute number of ``a07``-style feature names, else None."""
        digits = self.feature[1:]
        return int(digits) if self.feature.startswith("a") and digits.isdigit() else None


def top_reasons(contributions_row: Sequence[float] | np.ndarray, feature_values_row: Sequence[float] | np.ndarray,
                feature_names: Sequence[str], n: int = 3) -> list[Reason]:
    """Up to ``n`` features raising the PD (largest first), then up to ``n`` lowering it (largest first).

    ``contributions_row`` is one row of :meth:`PdModel.contributions`, with or without its last (bias) column.
    Zero contributions are no reason.
    """
    contributions = np.asarray(contributions_row, dtype=np.float64)
    values = np.asarray(feature_values_row, dtype=np.float64)
    k = len(feature_names)
    if len(contributions) == k + 1:
        contributions = contributions[:k]
    if len(contributions) != k or len(values) != k:
        raise ValidationError("contributions", f"expected {k} (or {k + 1}) contributions and {k} values; got "
                                               f"{len(contributions)} and {len(values)}")
    order = np.argsort(-np.abs(contributions), kind="stable")
    up = [i for i in order if contributions[i] > 0][:n]
    down = [i for i in order if contributions[i] < 0][:n]
    return [Reason(feature=feature_names[i], value=float(values[i]), contribution=float(contributions[i]),
                   direction="up" if contributions[i] > 0 else "down") for i in (*up, *down)]


def shown_number(value: float, kind: str) -> str:
    """12.3% / 0.8 / 1,234 / 45: enough digits to read, no more."""
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "days" or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != 0 else "0"


def _case(attr: int, value: float) -> tuple[str, str]:
    kind, cases = CASES[attr]
    return kind, next(case for bound, case in cases if value < bound)


def _generic(reason: Reason, lang: Lang, effect: str) -> str:
    attr = reason.attr
    kind = CASES[attr][0] if attr in CASES else "ratio"
    if lang == "en":
        name = f"{reason.feature} ({POLISH_ATTRS[attr]})" if attr in POLISH_ATTRS else reason.feature
        if math.isnan(reason.value):
            return f"{name} is not available, which {effect}"
        return f"{name} = {shown_number(reason.value, kind)} {effect}"
    name = f"{reason.feature}（{NAMES_ZH[attr]}）" if attr in NAMES_ZH else reason.feature
    if math.isnan(reason.value):
        return f"{name}缺失，{effect}"
    return f"{name} = {shown_number(reason.value, kind)}，{effect}"


def _says(case: str) -> str | None:
    """The direction a case's sentence implies: "good" → down, "ok" → none, any other → up."""
    return {"ok": None, "good": "down"}.get(case, "up")


def reason_text(reason: Reason, lang: Lang = "en") -> str:
    """The reason as one sentence with the buyer's number and its effect on the PD."""
    if lang not in _TEMPLATES:
        raise ValidationError("lang", f"expected 'en' or 'zh'; got {lang!r}")
    effect = EFFECT[lang][reason.direction]
    attr = reason.attr
    if attr is None or attr not in CASES or attr not in _TEMPLATES[lang] or math.isnan(reason.value):
        return _generic(reason, lang, effect)
    kind, case = _case(attr, reason.value)
    if _says(case) not in (None, reason.direction):
        return _generic(reason, lang, effect)
    sentence = _TEMPLATES[lang][attr][case].format(value=shown_number(reason.value, kind))
    return f"{sentence} ({effect})" if lang == "en" else f"{sentence}（{effect}）"
