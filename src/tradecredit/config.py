"""Settings: one object, read from TRADECREDIT_* environment variables or a TOML settings file."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tradecredit.domain.country import TermsPolicy
from tradecredit.domain.errors import ValidationError
from tradecredit.domain.money import check_currency

DEFAULT_DATABASE_URL = "sqlite:///./tradecredit.db"


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
    demo_buyers: int = Field(default=300, ge=1, le=100_000)
    demo_seed: int = 42

    def terms_policy(self) -> TermsPolicy:
        """The worst country grade at which each kind of payment terms is still allowed (docs/country-risk.md)."""
        return TermsPolicy(self.terms_open_account_max, self.terms_documentary_collection_max,
                           self.terms_confirmed_lc_max)

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
