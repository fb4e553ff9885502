"""Settings: one object, read from TRADECREDIT_* environment variables or a TOML settings file."""

from __future__ import annotations

import itertools
import os
from datetime import time
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tradecredit.domain.assessment import AssessmentPolicy
from tradecredit.domain.country import TermsPolicy
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.grades import DEFAULT_MASTER_SCALE, MasterScale
from tradecredit.domain.limit_advice import LimitPolicy
from tradecredit.domain.money import check_currency
from tradecredit.domain.order_check import CheckPolicy
from tradecredit.domain.promises import PromisePolicy
from tradecredit.domain.signals import WATCH_LIST_OVERRIDES, SignalPolicy
from tradecredit.domain.terms_advisor import AdvisorPolicy, SecuredTerms
from tradecredit.domain.webhooks import DEFAULT_RETRY_DELAYS, RetryPolicy

DEFAULT_DATABASE_URL = "sqlite:///./tradecredit.db"
# What a credit limit may count (services.limit_exposure); overdue invoices are a part of the open invoices.
EXPOSURE_BUCKETS = ("open_invoices", "overdue_invoices", "delivered_not_invoiced", "open_orders")


def _settings_file() -> Path:
    return Path(os.environ.get("TRADECREDIT_SETTINGS_FILE", "tradecredit.toml"))


class Settings(BaseSettings):
    """Every business default lives here (or in the file), never in code constants."""

    model_config = SettingsConfigDict(env_prefix="TRADECREDIT_", extra="forbid")

    database_url: str = DEFAULT_DATABASE_URL
    base_currency: str = "EUR"
    aging_edges: tuple[int, ...] = Field(default=(0, 30, 60, 90, 180, 365))
    dso_period_days: int = Field(default=90, ge=1, le=3650)
    top_n: int = Field(default=10, ge=1, le=1000)
    import_batch_size: int = Field(default=5000, ge=1, le=100_000)
    terms_open_account_max: int = Field(default=3, ge=-1, le=7)
    terms_documentary_collection_max: int = Field(default=5, ge=-1, le=7)
    terms_confirmed_lc_max: int = Field(default=6, ge=-1, le=7)
    grade_pd_bounds: tuple[float, ...] = Field(default=DEFAULT_MASTER_SCALE.upper_bounds)
    stale_statement_months: int = Field(default=18, ge=1, le=120)
    limited_information_pd: float = Field(default=0.02, gt=0, lt=1)
    limited_information_cap: Decimal = Field(default=Decimal(50_000), ge=0)
    limit_rounding: Decimal = Field(default=Decimal(1_000), gt=0)
    lgd: float = Field(default=0.6, ge=0, le=1)
    advisor_open_account_days: tuple[int, ...] = Field(default=(30, 60, 90, 120))
    advisor_tolerance: Decimal = Field(default=Decimal("0.005"), ge=0, le=1)
    advisor_collection_fee: Decimal = Field(default=Decimal("0.002"), ge=0, le=1)
    advisor_collection_fee_minimum: Decimal = Field(default=Decimal(100), ge=0)
    advisor_collection_residual_loss: Decimal = Field(default=Decimal("0.5"), ge=0, le=1)
    advisor_lc_fee: Decimal = Field(default=Decimal("0.01"), ge=0, le=1)
    advisor_lc_fee_minimum: Decimal = Field(default=Decimal(250), ge=0)
    advisor_lc_confirmation: Decimal = Field(default=Decimal("0.0025"), ge=0, le=1)
    advisor_prepayment_discount: Decimal = Field(default=Decimal("0.02"), ge=0, le=1)
    exposure_buckets: tuple[str, ...] = Field(default=("open_invoices", "delivered_not_invoiced", "open_orders"))
    hold_overdue_amount: Decimal = Field(default=Decimal(0), ge=0)
    hold_overdue_days: int = Field(default=30, ge=0, le=3650)
    hold_residual: Decimal = Field(default=Decimal(50), ge=0)
    promise_grace_days: int = Field(default=3, ge=0, le=365)
    limit_proposal_share: float = Field(default=0.2, ge=0, le=10)
    auto_decide_below: Decimal = Field(default=Decimal(0), ge=0)
    webhook_dispatcher: bool = True
    webhook_interval_seconds: float = Field(default=5.0, ge=0.5, le=3600)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_retry_delays: tuple[int, ...] = Field(default=DEFAULT_RETRY_DELAYS)
    webhook_max_attempts: int = Field(default=8, ge=1, le=100)
    webhook_batch_size: int = Field(default=100, ge=1, le=10_000)
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_ssl: bool = False
    smtp_from: str | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    public_url: str = "http://127.0.0.1:8000"
    monitor_utilisation: Decimal = Field(default=Decimal("0.90"), gt=0, le=1)
    monitor_dbt_trend_days: float = Field(default=10.0, ge=0, le=365)
    monitor_overdue_days: int = Field(default=30, ge=0, le=365)
    monitor_overdue_critical_days: int = Field(default=90, ge=1, le=3650)
    monitor_concentration: Decimal = Field(default=Decimal("0.10"), gt=0, lt=1)
    monitor_daily_at: str = "06:00"
    monitor_scheduler: bool = True
    demo_buyers: int = Field(default=300, ge=1, le=100_000)
    demo_seed: int = 42

    def terms_policy(self) -> TermsPolicy:
        """The worst country grade at which each kind of payment terms is still allowed (docs/country-risk.md)."""
        return TermsPolicy(self.terms_open_account_max, self.terms_documentary_collection_max,
                           self.terms_confirmed_lc_max)

    def assessment_policy(self) -> AssessmentPolicy:
        """How the financial PD is combined with behaviour, country and industry (docs/assessment.md)."""
        return AssessmentPolicy(stale_months=self.stale_statement_months,
                                limited_information_pd=self.limited_information_pd,
                                master_scale=MasterScale(self.grade_pd_bounds))

    def advisor_policy(self) -> AdvisorPolicy:
        """The credit-terms advisor's bank charges, discounts and tolerance (docs/credit-terms.md)."""
        return AdvisorPolicy(
            open_account_days=self.advisor_open_account_days, tolerance=self.advisor_tolerance,
            documentary_collection=SecuredTerms(fee_share=self.advisor_collection_fee,
                                                fee_minimum=self.advisor_collection_fee_minimum,
                                                residual_loss=self.advisor_collection_residual_loss),
            confirmed_lc=SecuredTerms(fee_share=self.advisor_lc_fee, fee_minimum=self.advisor_lc_fee_minimum,
                                      confirmation_share=self.advisor_lc_confirmation),
            prepayment=SecuredTerms(discount=self.advisor_prepayment_discount, days=0))

    def limit_policy(self) -> LimitPolicy:
        """How the recommended limit and terms are set (docs/assessment.md)."""
        return LimitPolicy(limited_information_cap=self.limited_information_cap, rounding=self.limit_rounding)

    def order_check_policy(self) -> CheckPolicy:
        """When the order credit check holds an order (docs/limits.md)."""
        return CheckPolicy(overdue_amount=self.hold_overdue_amount, overdue_days=self.hold_overdue_days,
                           residual=self.hold_residual)

    def promise_policy(self) -> PromisePolicy:
        """When a payment promise is kept or broken (docs/promises.md): the grace days, and ``hold_residual`` as
        the shortfall that still keeps it."""
        return PromisePolicy(grace_days=self.promise_grace_days, tolerance=self.hold_residual)

    def webhook_policy(self) -> RetryPolicy:
        """When a failed webhook delivery is tried again, and when it is given up (docs/webhooks.md)."""
        return RetryPolicy(delays=self.webhook_retry_delays, max_attempts=self.webhook_max_attempts)

    def signal_policy(self) -> SignalPolicy:
        """The monitoring thresholds (docs/monitoring.md): critical DBT trend and concentration at twice the
        warning ones, statements stale after ``stale_statement_months`` (as in the assessment); the watch list
        keeps its tighter values, or a setting's own when that is tighter still."""
        tuned: dict[str, Any] = {"utilisation": self.monitor_utilisation, "dbt_trend_days": self.monitor_dbt_trend_days,
                 "dbt_trend_critical_days": 2 * self.monitor_dbt_trend_days, "overdue_days": self.monitor_overdue_days,
                 "overdue_critical_days": self.monitor_overdue_critical_days,
                 "concentration": self.monitor_concentration, "concentration_critical": 2 * self.monitor_concentration,
                 "stale_months": self.stale_statement_months, "overdue_residual": self.hold_residual,
                 "promise_grace_days": self.promise_grace_days}
        watch: dict[str, Any] = {name: min(value, tuned.get(name, value))
                                 for name, value in WATCH_LIST_OVERRIDES.items()}
        return SignalPolicy(**tuned, watch_list=watch)

    def monitor_daily_time(self) -> time:
        """``monitor_daily_at`` as a UTC time of day."""
        return time.fromisoformat(self.monitor_daily_at).replace(tzinfo=None)

    @field_validator("monitor_daily_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        text = value.strip()
        if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit() \
                or int(text[:2]) > 23 or int(text[3:]) > 59:
            raise ValueError(f"expected a UTC time of day as HH:MM (00:00 to 23:59); got {value!r}")
        return text

    @field_validator("webhook_retry_delays")
    @classmethod
    def _retry_delays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        try:
            RetryPolicy(delays=tuple(value))
        except ValidationError as error:
            raise ValueError(error.reason) from None
        return value

    @field_validator("advisor_open_account_days")
    @classmethod
    def _open_account_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        try:
            AdvisorPolicy(open_account_days=value)
        except ValidationError as error:
            raise ValueError(error.reason) from None
        return value

    @field_validator("smtp_from")
    @classmethod
    def _from_address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        _, address = parseaddr(value)
        if "@" not in address or any(c.isspace() for c in address):
            raise ValueError(f"expected an e-mail address such as 'TradeCredit <credit@example.com>'; got {value!r}")
        return value.strip()

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"expected the dashboard's address, such as https://credit.example.com; got {value!r}")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _one_tls_mode(self) -> Settings:
        if self.smtp_ssl and self.smtp_starttls:
            raise ValueError("smtp_ssl (TLS from the first byte, port 465) and smtp_starttls (port 587) exclude "
                             "each other; set smtp_starttls = false to use smtp_ssl")
        return self

    @field_validator("exposure_buckets")
    @classmethod
    def _buckets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any(bucket not in EXPOSURE_BUCKETS for bucket in value) or len(set(value)) < len(value):
            raise ValueError(f"expected some of {', '.join(EXPOSURE_BUCKETS)}, each once; got {list(value)}")
        if {"open_invoices", "overdue_invoices"} <= set(value):
            raise ValueError("overdue_invoices are a part of open_invoices; count one or the other, not both")
        return value

    @field_validator("grade_pd_bounds")
    @classmethod
    def _master_scale(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        try:
            MasterScale(tuple(value))
        except ValidationError as error:
            raise ValueError(error.reason) from None
        return value

    @field_validator("base_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        try:
            return check_currency(value, field="base_currency")
        except ValidationError as error:
            raise ValueError(error.reason) from None

    @field_validator("aging_edges")
    @classmethod
    def _increasing(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or value[0] < 0 or any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(f"expected increasing day counts starting at 0 or more; got {list(value)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit arguments win, then environment variables, then the TOML file."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_settings_file()))
