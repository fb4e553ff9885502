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
    model_config = ConfigDict(from_attributes=True, extra="forbid")
