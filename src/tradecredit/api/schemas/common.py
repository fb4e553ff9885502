"""Shapes shared by every resource: pages of results."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")


class PageRead(BaseModel, Generic[T]):
    """One page of a list, in a stable order; ``total`` counts every match."""

    items: list[T]
    total: int
    page: int
    size: int


class Schema(BaseModel):
    """Request bodies: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    """Responses: built from service results, which may carry more than the response shows."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")
