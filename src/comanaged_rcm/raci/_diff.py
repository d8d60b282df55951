"""What changed between two versions of a split, for the change log an engagement must keep.

>>> import attrs
>>> from comanaged_rcm.raci import co_managed_template
>>> old = co_managed_template()
>>> new = attrs.evolve(old, version=2, in_scope=old.in_scope - {"coding"}, out_of_scope={"coding"})
>>> for change in diff(old, new).changes:
...     print(change)
meta changed: version: 1 -> 2
scope changed: coding: in scope -> out of scope
"""

from __future__ import annotations

import enum
import html
from collections.abc import Iterable, Mapping

import attrs

from comanaged_rcm._check import instance, one_of, v
from comanaged_rcm.raci._models import WORKFLOWS, ScopeSplit, _as_int, _as_tuple

__all__ = ["Change", "ChangeKind", "SplitDiff", "diff"]

SECTIONS = (
    "meta",
    "scope",
    "parties",
    "systems",
    "activities",
    "owners",
    "rights",
    "grants",
    "escalations",
)


class ChangeKind(enum.Enum):
    """Whether an entry was added, removed or changed."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@attrs.frozen(kw_only=True)
class Change:
    """One entry of the change log.

    Args:
        section: ``meta``, ``scope``, ``parties``, ``systems``, ``activities``, ``owners`` (RACI
            cells), ``rights``, ``grants`` or ``escalations``.
        kind: :class:`ChangeKind`.
        key: What changed (a workflow id, ``activity / party`` for a cell, ``party @ system`` for
            a grant...).
        before: The old value in words (``None`` when added).
        after: The new value in words (``None`` when removed).

    >>> print(Change(section="owners", kind=ChangeKind.ADDED, key="denials.work / client_staff",
    ...              before=None, after="C"))
    owners added: denials.work / client_staff: C
    """

    section: str = attrs.field(validator=lambda _, __, value: one_of(value, SECTIONS, "$.section"))
    kind: ChangeKind = attrs.field(validator=v.member(ChangeKind))
    key: str = attrs.field(validator=v.text())
    before: str | None = attrs.field(validator=v.optional(v.text(empty=True)))
    after: str | None = attrs.field(validator=v.optional(v.text(empty=True)))

    def __str__(self) -> str:
        if self.kind is ChangeKind.ADDED:
            value = f"{self.after}"
        elif self.kind is ChangeKind.REMOVED:
            value = f"{self.before}"
        else:
            value = f"{self.before} -> {self.after}"
        return f"{self.section} {self.kind.value}: {self.key}: {value}"


@attrs.frozen
class SplitDiff:
    """Every change from one split to another, section by section.

    Args:
        old_version: The old split's version.
        new_version: The new split's version.
        changes: The changes, in section order (see :class:`Change`), each section in document order.

    >>> from comanaged_rcm.raci import co_managed_template
    >>> bool(diff(co_managed_template(), co_managed_template()))
    False
    """

    old_version: int = attrs.field(converter=_as_int, validator=v.count())
    new_version: int = attrs.field(converter=_as_int, validator=v.count())
    changes: tuple[Change, ...] = attrs.field(converter=_as_tuple, validator=v.tuple_of(Change))

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __repr__(self) -> str:
        return f"SplitDiff(v{self.old_version} -> v{self.new_version}, {len(self.changes)} changes)"

    def __len__(self) -> int:
        return len(self.changes)

    def __str__(self) -> str:
        head = f"v{self.old_version} -> v{self.new_version}: {len(self.changes)} change(s)"
        return "\n".join([head, *(f"  {c}" for c in self.changes)])

    def section(self, name: str) -> tuple[Change, ...]:
        """The changes of one section (a name of ``SECTIONS``; another is a ValidationError at ``$.name``).

        >>> from comanaged_rcm.raci import co_managed_template
        >>> diff(co_managed_template(), co_managed_template()).section("owners")
        ()
        """
        one_of(name, SECTIONS, "$.name")
        return tuple(change for change in self.changes if change.section == name)

    def to_markdown(self) -> str:
        """A Markdown table of the changes (section, change, key, before, after)."""
        lines = [
            f"**v{self.old_version} -> v{self.new_version}**: {len(self.changes)} change(s)",
            "",
            "| section | change | key | before | after |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines.extend(
            f"| {c.section} | {c.kind.value} | {c.key} | {c.before or ''} | {c.after or ''} |"
            for c in self.changes
        )
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(c.section)}</td><td>{e(c.kind.value)}</td><td>{e(c.key)}</td>"
            f"<td>{e(c.before or '')}</td><td>{e(c.after or '')}</td></tr>"
            for c in self.changes
        )
        return (
            f"<table><caption>v{self.old_version} -&gt; v{self.new_version}</caption>"
            "<thead><tr><th>section</th><th>change</th><th>key</th><th>before</th><th>after</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )


def _money(value: float | None) -> str:
    return "no limit" if value is None else f"${value:,.2f}"


def _scope(split: ScopeSplit) -> dict[str, str]:
    names = [w.id for w in WORKFLOWS]
    names += sorted((split.in_scope | split.out_of_scope) - set(names))
    placed = {}
    for name in names:
        state = (name in split.in_scope, name in split.out_of_scope)
        placed[name] = {
            (True, False): "in scope",
            (False, True): "out of scope",
            (True, True): "in and out of scope",
            (False, False): "not placed",
        }[state]
    return placed


def _sections(split: ScopeSplit) -> dict[str, dict[str, str]]:
    scheme_letters = {x.letter: n for n, x in enumerate(split.scheme.letters)}
    meta = {
        "name": split.name,
        "version": str(split.version),
        "effective_from": split.effective_from.isoformat(),
        "effective_to": split.effective_to.isoformat() if split.effective_to else "open-ended",
        "scheme": split.scheme.name,
    }
    activities: dict[str, str] = {}
    for a in split.activities:
        flags = [
            name
            for name, on in (
                ("financial control", a.financial_control),
                ("PHI", a.touches_phi),
                ("onshore-only", a.onshore_only),
            )
            if on
        ]
        parts = [a.workflow, a.kind.value, a.name]
        if flags:
            parts.append(", ".join(flags))
        if a.systems:
            parts.append("systems " + ", ".join(sorted(a.systems)))
        if a.decision:
            parts.append(f"decides {a.decision}")
        activities.setdefault(a.id, "; ".join(parts))
    owners: dict[str, str] = {}
    for cell in split.assignments:
        letters = sorted(cell.letters, key=lambda x: (scheme_letters.get(x, len(scheme_letters)), x))
        owners.setdefault(f"{cell.activity} / {cell.party}", "/".join(letters))
    rights: dict[str, str] = {}
    for r in split.rights:
        text = f"held by {r.holder}"
        if r.delegate is not None:
            text += f", delegated to {r.delegate} up to {_money(r.threshold)}"
        elif r.threshold is not None:
            text += f", threshold {_money(r.threshold)}"
        rights.setdefault(r.decision, text)
    for decision, cap in split.delegation_caps.items():
        rights[f"{decision} cap"] = f"delegates decide at most {_money(cap)}"
    grants: dict[str, str] = {}
    for g in split.grants:
        text = f"as {g.identity}: {', '.join(sorted(p.value for p in g.permissions)) or 'nothing'}"
        if g.denied:
            text += f" (denied {', '.join(sorted(p.value for p in g.denied))})"
        text += f"; granted by {g.granted_by}"
        if g.review_by is not None:
            text += f"; review by {g.review_by.isoformat()}"
        grants.setdefault(f"{g.party} @ {g.system}", text)
    return {
        "meta": meta,
        "scope": _scope(split),
        "parties": _keep_first((p.id, f"{p.name} ({p.kind.value})") for p in split.parties),
        "systems": _keep_first(
            (x.id, x.name + (" (onshore-only)" if x.onshore_only else "")) for x in split.systems
        ),
        "activities": activities,
        "owners": owners,
        "rights": rights,
        "grants": grants,
        "escalations": _keep_first(
            (f"{e.source} -> {e.target}", e.trigger or "(no trigger stated)") for e in split.escalations
        ),
    }


def _keep_first(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """A dict of ``pairs`` in order, where the first of duplicate keys wins."""
    kept: dict[str, str] = {}
    for key, value in pairs:
        kept.setdefault(key, value)
    return kept


def _compare(section: str, old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    changes = []
    for key, before in old.items():
        after = new.get(key)
        if after is None:
            changes.append(
                Change(section=section, kind=ChangeKind.REMOVED, key=key, before=before, after=None)
            )
        elif after != before:
            changes.append(
                Change(section=section, kind=ChangeKind.CHANGED, key=key, before=before, after=after)
            )
    changes.extend(
        Change(section=section, kind=ChangeKind.ADDED, key=key, before=None, after=after)
        for key, after in new.items()
        if key not in old
    )
    return changes


def diff(old: ScopeSplit, new: ScopeSplit) -> SplitDiff:
    """List what changed from ``old`` to ``new``: scope, parties, activities, owners, rights, grants.

    Within a section, changed and removed entries come in the old document's order, then the
    added ones in the new document's order. A cell is keyed by ``activity / party``, a grant by
    ``party @ system``, an escalation edge by ``source -> target``.

    Args:
        old: The earlier version.
        new: The later version.

    Returns:
        The :class:`SplitDiff`; falsy when nothing changed.

    Raises:
        ValidationError: When ``old`` or ``new`` is not a :class:`ScopeSplit` (``$.old``, ``$.new``).

    >>> import attrs
    >>> from comanaged_rcm.raci import DecisionRight, co_managed_template
    >>> old = co_managed_template()
    >>> refund = DecisionRight(decision="refund", holder="client_rcm_director")
    >>> rights = (old.rights[0], refund, *old.rights[2:])
    >>> print(diff(old, attrs.evolve(old, version=2, rights=rights)))
    v1 -> v2: 2 change(s)
      meta changed: version: 1 -> 2
      rights changed: refund: held by client_cfo -> held by client_rcm_director
    """
    instance(old, ScopeSplit, "$.old")
    instance(new, ScopeSplit, "$.new")
    before, after = _sections(old), _sections(new)
    changes = [c for name in SECTIONS for c in _compare(name, before[name], after[name])]
    return SplitDiff(old.version, new.version, tuple(changes))
