"""Escalation rules as data: a safe expression language, alerting semantics and an audit trail."""

from __future__ import annotations

__all__: list[str] = []
