"""``comanaged-rcm escalate``: evaluate rules on a CSV of records and print what fires and why.

Column types come from the rule set's ``schema``; a field the schema leaves out takes the type
its rules imply (``balance > 5000`` makes ``balance`` a number). Empty cells are missing values.
A rule runs on the file only when every field it reads is a column of the file (``--kind``
restricts the rules further); the others are listed as skipped. Files are UTF-8 unless
``--encoding`` says otherwise; a BOM is detected.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy.typing as npt

from comanaged_rcm import _io, serialize
from comanaged_rcm.escalation._compiled import CompiledRule, compile_rules
from comanaged_rcm.escalation._defaults import default_rules
from comanaged_rcm.escalation._eval import Outcome
from comanaged_rcm.escalation._expr import FieldType
from comanaged_rcm.escalation._models import FactKind, RuleSet
from comanaged_rcm.escalation._state import State, step
from comanaged_rcm.tables import Column, ColumnKind, read_csv

__all__ = ["register"]

_KINDS = {
    FieldType.NUMBER: ColumnKind.NUMBER,
    FieldType.TEXT: ColumnKind.TEXT,
    FieldType.DATE: ColumnKind.DATE,
    FieldType.BOOLEAN: ColumnKind.BOOLEAN,
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``escalate`` subcommand."""
    parser = subparsers.add_parser(
        "escalate", help="evaluate escalation rules on a CSV and explain what fires"
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--rules", metavar="JSON", help="a rule set as JSON (RuleSet: {'rules': [...], 'schema': {...}})"
    )
    source.add_argument("--default-rules", action="store_true", help="use escalation.default_rules()")
    parser.add_argument("--records", required=True, metavar="CSV", help="CSV of records with a header row")
    parser.add_argument(
        "--kind", choices=[k.value for k in FactKind], help="only rules for this kind of record"
    )
    parser.add_argument(
        "--now", help="evaluation time, ISO (default: now, UTC); a time with an offset is taken in UTC"
    )
    parser.add_argument(
        "--format", choices=["text", "json"], default="text", help="text lines or JSON events"
    )
    _io.add_encoding_option(parser)
    parser.set_defaults(handler=_escalate)


def _escalate(args: argparse.Namespace) -> int:
    if args.default_rules:
        rule_set = default_rules()
    else:
        rules = _io.read_json(args.rules, encoding=args.encoding, where="--rules")
        rule_set = serialize.from_dict(rules, RuleSet)
    now = _now(args.now)
    compiled = compile_rules(rule_set)
    if args.kind:
        compiled = tuple(c for c in compiled if c.rule.applies_to.value == args.kind)
    name = Path(args.records).name
    text = _io.read_text(args.records, encoding=args.encoding, where="--records", label=name)
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        header = []  # read_csv reports the bad quoting with its line
    present = {h.strip() for h in header}
    runnable = [c for c in compiled if set(c.schema) <= present]
    skipped = [c for c in compiled if c not in runnable]
    types: dict[str, FieldType] = {}
    for c in runnable:
        types.update(c.schema)
    columns = [
        Column(name, _KINDS[kind], required=True, nullable=True) for name, kind in sorted(types.items())
    ]
    records = read_csv(io.StringIO(text, newline=""), columns, name=name)
    state, events = step(runnable, State(), records, now)
    if args.format == "json":
        for event in events:
            print(serialize.to_json(event))
        return 0
    _report(runnable, skipped, records, now, len(state.open_alerts()))
    for event in events:
        print(f"  {event}")
        if event.message:
            print(f"      {event.message}")
    return 0


def _now(text: str | None) -> datetime.datetime:
    if text is None:
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    return _io.parse_datetime(text, "--now")


def _report(
    runnable: list[CompiledRule],
    skipped: list[CompiledRule],
    records: Mapping[str, npt.NDArray[Any]],
    now: datetime.datetime,
    open_count: int,
) -> None:
    size = len(next(iter(records.values()), ()))
    print(f"{size} records, evaluated at {now.isoformat()}")
    for c in runnable:
        codes = c.evaluate_batch(records, as_of=now.date())
        counts = {o.name.lower(): int((codes == o).sum()) for o in Outcome}
        summary = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
        print(f"{c.rule.id} v{c.rule.version} ({c.rule.applies_to.value}): {summary or 'no records'}")
    for c in skipped:
        print(f"{c.rule.id}: skipped (reads {', '.join(sorted(c.schema))}; not all are columns)")
    print(f"{open_count} alert(s) firing")
    sys.stdout.flush()
