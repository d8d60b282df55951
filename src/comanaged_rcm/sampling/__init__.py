"""QA audit sampling: plan sample sizes, select items reproducibly, evaluate what was found."""

from __future__ import annotations

__all__: list[str] = []
