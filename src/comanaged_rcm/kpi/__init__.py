"""KPI engine: outcome metrics above their drivers above activity metrics, under named conventions."""

from __future__ import annotations

__all__: list[str] = []
