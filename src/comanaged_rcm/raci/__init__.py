"""Scope and ownership splits: parties, activities, RACI cells, decision rights and access grants."""

from __future__ import annotations

__all__: list[str] = []
