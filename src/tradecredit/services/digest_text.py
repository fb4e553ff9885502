"""The digest's words and figures in English and Chinese: labels, subjects, and locale-aware formatting.

Figures are formatted with Babel in the locales the dashboard uses (en_GB, zh_Hans_CN), so an amount or a date
reads the same in the e-mail as on the page. The services layer cannot use the dashboard's catalogues, so the few
sentences of the digest live here, one table per language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.numbers import format_decimal

from tradecredit.domain.errors import ValidationError

LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "TradeCredit early-warning digest",
        "as_of": "As of %(day)s",
        "window": "%(count)s alerts opened or escalated since %(since)s",
        "critical": "Critical", "warning": "Warning", "info": "Info",
        "critical_hint": "act today", "warning_hint": "act this week", "info_hint": "worth knowing",
        "new": "new", "escalated": "escalated from %(severity)s", "reopened": "reopened",
        "opened": "opened %(day)s",
        "evidence": "Evidence", "actions": "Recommended actions",
        "open": "Open alerts in the portfolio", "total": "Total",
        "inbox": "Open the alerts inbox", "buyer": "Buyer page",
        "footer": "You receive this digest because your TradeCredit user has an e-mail address and the daily "
                  "digest turned on; an administrator can turn it off (tradecredit users update --no-digest).",
        "subject": "TradeCredit alerts %(day)s: %(counts)s",
        "subject_count": "%(count)s %(severity)s",
        "list_separator": ", ",
    },
    "zh": {
        "title": "TradeCredit 风险预警摘要",
        "as_of": "截至 %(day)s",
        "window": "自 %(since)s 以来新增或升级的预警共 %(count)s 条",
        "critical": "严重", "warning": "警告", "info": "提示",
        "critical_hint": "今日处理", "warning_hint": "本周处理", "info_hint": "知悉即可",
        "new": "新增", "escalated": "由%(severity)s升级", "reopened": "重新打开",
        "opened": "%(day)s 开启",
        "evidence": "依据", "actions": "建议措施",
        "open": "组合中未结预警", "total": "合计",
        "inbox": "打开预警收件箱", "buyer": "买方页面",
        "footer": "您收到此摘要，是因为您的 TradeCredit 用户设置了电子邮件地址并开启了每日摘要；"
                  "管理员可以将其关闭（tradecredit users update --no-digest）。",
        "subject": "TradeCredit 预警 %(day)s：%(counts)s",
        "subject_count": "%(severity)s %(count)s 条",
        "list_separator": "，",
    },
}


def check_digest_language(code: str) -> str:
    if code not in LABELS:
        raise ValidationError("language", f"expected one of {', '.join(LABELS)}; got {code!r}")
    return code


@dataclass(frozen=True)
class DigestWords:
    """The labels and formatters of one language; the templates call it as ``t``."""

    language: str

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def __call__(self, key: str, **values: object) -> str:
        text = LABELS[self.language][key]
        return text % values if values else text

    def day(self, value: date) -> str:
        return format_date(value, format="medium", locale=self.locale)

    def number(self, value: int) -> str:
        return format_decimal(value, format="#,##0", locale=self.locale)

    def figure(self, value: object) -> str:
        """An evidence value: numbers with the locale's separators (keeping their decimals), ISO dates in the
        locale's form, anything else as it is."""
        text = str(value)
        if _NUMBER.match(text):
            try:
                number = Decimal(text)
            except InvalidOperation:
                return text
            decimals = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0  # type: ignore[operator]
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            return format_decimal(number, format=pattern, locale=self.locale)
        if _DAY.match(text):
            try:
                return self.day(date.fromisoformat(text))
            except ValueError:
                return text
        return text

    def severity(self, value: str) -> str:
        return LABELS[self.language].get(value, value)


def label(key: str) -> str:
    """An evidence key as words: ``days_overdue`` → ``days overdue``."""
    return key.replace("_", " ")
