"""``comanaged-rcm escalate``: evaluate rules on a CSV of records and print what fires and why.

Column types come from the rule set's ``schema``; a field the schema leaves out takes the type
its rules imply (``balance > 5000`` makes ``balance`` a number). Empty cells are missing values.
A rule runs on the file only when every field it reads is a column of the file (``--kind``
restricts the rules further); the others are listed as skipped. Files are UTF-8 unless
``--encoding`` says otherwise; a BOM is detected.

Two actions, ``run`` (the default: ``comanaged-rcm escalate --rules R --records F`` is
``comanaged-rcm escalate run --rules R --records F``) and ``test``:

* ``escalate run``: the evaluation above; ``--split FILE`` resolves owners from a scope split
  (``comanaged-rcm raci template``) instead of leaving RACI owners unassigned.
* ``escalate test FILE`` (or ``--defaults``): rule unit tests in the shape of ``promtool test
  rules`` (see :mod:`comanaged_rcm.escalation._ruletest`); one line per mismatch, exit status 1
  when any check fails.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy.typing as npt

from comanaged_rcm import _io, serialize
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation._compiled import CompiledRule, compile_rules
from comanaged_rcm.escalation._defaults import default_rules
from comanaged_rcm.escalation._eval import Outcome
from comanaged_rcm.escalation._expr import FieldType
from comanaged_rcm.escalation._models import FactKind, RuleSet
from comanaged_rcm.escalation._ruletest import (
    DEFAULT_RULE_TESTS,
    default_rule_tests,
    read_rule_tests,
    run_rule_tests,
)
from comanaged_rcm.escalation._state import State, step
from comanaged_rcm.raci import ScopeSplit
from comanaged_rcm.tables import Column, ColumnKind, read_csv

if TYPE_CHECKING:
    from comanaged_rcm.mapping import TableMap

__all__ = ["register"]

_KINDS = {
    FieldType.NUMBER: ColumnKind.NUMBER,
    FieldType.TEXT: ColumnKind.TEXT,
    FieldType.DATE: ColumnKind.DATE,
    FieldType.BOOLEAN: ColumnKind.BOOLEAN,
}


_ACTIONS = ("run", "test")


class _EscalateParser(argparse.ArgumentParser):
    """The ``escalate`` parser: without an action word, the arguments are those of ``run``."""

    def parse_known_args(  # type: ignore[override] # the stub's overloads; one signature is used
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse ``args``, reading them as ``run``'s when no action word comes first."""
        words = list(sys.argv[1:] if args is None else args)
        first = next((i for i, word in enumerate(words) if word != "--debug"), None)
        if first is None or (words[first].startswith("-") and words[first] not in ("-h", "--help")):
            words.insert(0, "run")
        return super().parse_known_args(words, namespace)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``escalate`` subcommand and its actions ``run`` (the default) and ``test``."""
    placeholder = subparsers.add_parser(
        "escalate", help="evaluate escalation rules on a CSV (run), or run rule unit tests (test)"
    )
    parser = _EscalateParser(
        prog=placeholder.prog,
        description="Evaluate escalation rules on a CSV, or run rule unit tests. Without an action,"
        " the arguments are those of 'run'.",
    )
    subparsers.choices["escalate"] = parser
    actions = parser.add_subparsers(
        dest="escalate_command", metavar="ACTION", required=True, parser_class=argparse.ArgumentParser
    )
    run = actions.add_parser(
        "run", help="evaluate escalation rules on a CSV and explain what fires (the default)"
    )
    source = run.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--rules", metavar="JSON", help="a rule set as JSON (RuleSet: {'rules': [...], 'schema': {...}})"
    )
    source.add_argument("--default-rules", action="store_true", help="use escalation.default_rules()")
    run.add_argument("--records", required=True, metavar="CSV", help="CSV of records with a header row")
    run.add_argument("--kind", choices=[k.value for k in FactKind], help="only rules for this kind of record")
    run.add_argument(
        "--now", help="evaluation time, ISO (default: now, UTC); a time with an offset is taken in UTC"
    )
    run.add_argument("--format", choices=["text", "json"], default="text", help="text lines or JSON events")
    run.add_argument(
        "--map",
        metavar="JSON",
        help="a mapping document of one table: how the records file names and writes its columns",
    )
    _split_option(run)
    _io.add_encoding_option(run)
    run.set_defaults(handler=_escalate)
    test = actions.add_parser(
        "test", help="run rule unit tests (promtool-style): input series and the alerts expected"
    )
    test.add_argument(
        "file",
        nargs="?",
        metavar="TEST_JSON",
        help="a rule test file: JSON, or YAML when the name ends in .yaml or .yml (needs PyYAML)",
    )
    test.add_argument(
        "--defaults", action="store_true", help="run the tests shipped with escalation.default_rules()"
    )
    _split_option(test)
    _io.add_encoding_option(test)
    test.set_defaults(handler=_test)


def _split_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--split",
        metavar="SPLIT_JSON",
        help="a scope split (raci ScopeSplit JSON) that names the RACI owners; without it they are"
        " unassigned",
    )


def _directory(args: argparse.Namespace) -> ScopeSplit | None:
    if args.split is None:
        return None
    document = _io.read_json(args.split, encoding=args.encoding, where="--split")
    return serialize.from_dict(document, ScopeSplit)


def _test(args: argparse.Namespace) -> int:
    if (args.file is None) == (not args.defaults):
        message = (
            "give a test file or --defaults, not both" if args.defaults else "give a test file or --defaults"
        )
        raise ValidationError.single("TEST_JSON", "usage", message)
    directory = _directory(args)
    if args.defaults:
        name, document, base = DEFAULT_RULE_TESTS, default_rule_tests(), None
    else:
        name = args.file
        try:
            document = read_rule_tests(args.file, encoding=args.encoding)
        except ValidationError as exc:  # name the argument, as every file flag does
            raise ValidationError(
                Issue(args.file if i.path == "$.path" else i.path, i.code, i.message) for i in exc.issues
            ) from None
        base = Path(args.file).parent
    report = run_rule_tests(document, base=base, directory=directory, encoding=args.encoding)
    for line in report.lines()[:-1]:
        print(line)
    print(f"{name}: {report.summary()}")
    return 0 if report.passed else 1


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
    table = _records_map(args.map, args.encoding)
    name = Path(args.records).name
    text = _io.read_text(args.records, encoding=args.encoding, where="--records", label=name)
    try:
        header = next(csv.reader(io.StringIO(text, newline="")), [])
    except csv.Error:
        header = []  # read_csv reports the bad quoting with its line
    renamed = {source.strip().casefold(): field for field, source in table.columns.items()} if table else {}
    present = {renamed.get(h.strip().casefold(), h.strip()) for h in header}
    runnable = [c for c in compiled if set(c.schema) <= present]
    skipped = [c for c in compiled if c not in runnable]
    types: dict[str, FieldType] = {}
    for c in runnable:
        types.update(c.schema)
    columns = [
        Column(name, _KINDS[kind], required=True, nullable=True) for name, kind in sorted(types.items())
    ]
    labels = {name for c in runnable for name in (*c.rule.dedup_keys, *c.rule.group_by)} & present
    # the fields alerts are keyed and grouped by, read as text; every other column is dropped
    columns += [Column(name, required=False, nullable=True) for name in sorted(labels - set(types))]
    source = io.StringIO(text, newline="")
    records = (
        read_csv(source, columns, name=name)
        if table is None
        else read_csv(source, columns, name=name, mapping=table)
    )
    state, events = step(runnable, State(), records, now, directory=_directory(args))
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


def _records_map(path: str | None, encoding: str | None) -> TableMap | None:
    """The one table map of ``--map`` (a records file is one table), or ``None`` without it."""
    if path is None:
        return None
    from comanaged_rcm.cycle._cli import load_map_option  # noqa: PLC0415 - the CLI layer sits on top

    tables = load_map_option(path, encoding).tables
    if len(tables) != 1:
        names = ", ".join(tables) or "none"
        message = f"--map must map exactly one table for a records file (it maps {names})"
        raise ValidationError.single("--map", "usage", message)
    return next(iter(tables.values()))


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
