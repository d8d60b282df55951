"""``comanaged-rcm raci``: check a scope split, print the template, show the matrix, diff versions.

* ``raci check FILE.json``: every finding, grouped by severity; exit 1 when any is an error.
* ``raci template``: the co-managed template as JSON, the starting point of a split.
* ``raci matrix FILE.json [--format text|markdown|html]``: the RACI table.
* ``raci diff OLD.json NEW.json``: what changed between two versions.

A malformed file is reported by the serializer, with the path of every bad field (exit 2).
Files are UTF-8 unless ``--encoding`` says otherwise; a BOM is detected.
"""

from __future__ import annotations

import argparse

from comanaged_rcm import _io, serialize
from comanaged_rcm.findings import errors_only
from comanaged_rcm.raci._diff import diff
from comanaged_rcm.raci._matrix import matrix
from comanaged_rcm.raci._models import ScopeSplit
from comanaged_rcm.raci._template import co_managed_template
from comanaged_rcm.raci._validate import validate

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``raci`` subcommand and its actions."""
    parser = subparsers.add_parser("raci", help="check and view scope-and-ownership splits")
    actions = parser.add_subparsers(dest="raci_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate a split and print every finding")
    check.add_argument("file", metavar="JSON", help="a ScopeSplit as JSON")
    _io.add_encoding_option(check)
    check.set_defaults(handler=_check)
    template = actions.add_parser("template", help="print the co-managed template split as JSON")
    template.set_defaults(handler=_template)
    view = actions.add_parser("matrix", help="print the RACI table of a split")
    view.add_argument("file", metavar="JSON", help="a ScopeSplit as JSON")
    view.add_argument("--format", choices=["text", "markdown", "html"], default="text")
    _io.add_encoding_option(view)
    view.set_defaults(handler=_matrix)
    changes = actions.add_parser("diff", help="list what changed between two versions of a split")
    changes.add_argument("old", metavar="OLD_JSON", help="the earlier ScopeSplit as JSON")
    changes.add_argument("new", metavar="NEW_JSON", help="the later ScopeSplit as JSON")
    _io.add_encoding_option(changes)
    changes.set_defaults(handler=_diff)


def _read(path: str, encoding: str | None) -> ScopeSplit:
    return serialize.from_dict(_io.read_json(path, encoding=encoding, where=path), ScopeSplit)


def _check(args: argparse.Namespace) -> int:
    findings = validate(_read(args.file, args.encoding))
    errors = errors_only(findings)
    warnings = [f for f in findings if not f.is_error]
    print(f"{args.file}: {len(errors)} error(s), {len(warnings)} warning(s)")
    for title, group in (("errors", errors), ("warnings", warnings)):
        if group:
            print(f"{title}:")
            for f in group:
                print(f"  {f.rule} {f.path}: {f.message}")
    return 1 if errors else 0


def _template(_: argparse.Namespace) -> int:
    print(serialize.to_json(co_managed_template(), indent=2))
    return 0


def _matrix(args: argparse.Namespace) -> int:
    table = matrix(_read(args.file, args.encoding))
    if args.format == "markdown":
        print(table.to_markdown())
    elif args.format == "html":
        print(table._repr_html_())
    else:
        print(table.to_text())
    return 0


def _diff(args: argparse.Namespace) -> int:
    print(diff(_read(args.old, args.encoding), _read(args.new, args.encoding)))
    return 0
