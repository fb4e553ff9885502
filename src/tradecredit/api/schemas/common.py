"""Shapes shared by every resource: pages of results."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator

T = TypeVar("T")


class PageRead(BaseModel, Generic[T]):
    """One page of a list, in a stable order; ``total`` counts every match."""

    items: list[T]
    total: int
    page: int
    size: int


class Schema(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped; NUL characters are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL characters are not allowed in text")
        return value


class ReadModel(BaseModel):
    """Responses: built from service results, which may carry more than the response shows."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")
