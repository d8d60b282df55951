"""The engagement's memory between weeks: a small store protocol and its SQLite default.

The weekly cycle continues from last week instead of replaying a fixed window: what it keeps
for each engagement week (identified by its first day) is a :class:`Snapshot` (the escalation
:class:`~comanaged_rcm.escalation.State` with its silences, the QA selections and audit
results per workflow, and the week's report as JSON text), and next to the weeks an
append-only log of the provider's :class:`Decision` and :class:`Acknowledgement` records.

:class:`HistoryStore` is the protocol a host application implements to keep all that in its
own database; :class:`SQLiteHistory` (:func:`open_history`) is the embedded default, one SQLite
file through the standard library's :mod:`sqlite3`:

* a versioned schema (``PRAGMA user_version``, :data:`HISTORY_SCHEMA_VERSION`): an older file is
  migrated in one transaction when opened, a file from a newer library is refused
  (:class:`HistoryVersionError`), and a file that is not a SQLite database, or is another
  program's, is a :class:`~comanaged_rcm.errors.ValidationError` naming the path;
* one writer at a time: every write is one ``BEGIN IMMEDIATE`` transaction with a short busy
  timeout, and a second writer is refused with :class:`HistoryBusyError` rather than left waiting;
* crash safety: a week is recorded in one transaction, so a run killed in the middle leaves the
  previous weeks whole and no trace of the partial one;
* an audit trail: triggers refuse (``RAISE(ABORT)``) any ``UPDATE`` or ``DELETE`` of a recorded
  decision or acknowledgement, whoever runs the SQL.

>>> import datetime, pathlib, tempfile
>>> folder = tempfile.TemporaryDirectory()
>>> week = datetime.date(2026, 11, 23)
>>> with open_history(pathlib.Path(folder.name) / "engagement.db") as history:
...     history.record_week(week, Snapshot(report='{"headline": "2 decisions waiting"}'))
...     history.last_week(), history.load(week).report
(datetime.date(2026, 11, 23), '{"headline": "2 decisions waiting"}')
>>> folder.cleanup()
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import os
import pathlib
import sqlite3
import types
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, Self, SupportsFloat, TypeVar, runtime_checkable

import attrs

from comanaged_rcm import _check, _io, serialize
from comanaged_rcm._check import as_optional_real, as_sorted_mapping, as_tuple, show, v
from comanaged_rcm.errors import RCMError, ValidationError
from comanaged_rcm.escalation import Silence, State
from comanaged_rcm.sampling import (
    AttributeEvaluation,
    BayesianEvaluation,
    MonetaryEvaluation,
    MonetarySelection,
    MusEvaluation,
    Selection,
)

__all__ = [
    "HISTORY_SCHEMA_VERSION",
    "Acknowledgement",
    "Decision",
    "HistoryBusyError",
    "HistoryStore",
    "HistoryVersionError",
    "SQLiteHistory",
    "Snapshot",
    "Verdict",
    "open_history",
]


T = TypeVar("T")


# ------------------------------------------------------------------------------------ errors
class HistoryBusyError(RCMError, RuntimeError):
    """Another run is writing the history: this one is refused instead of left waiting."""


class HistoryVersionError(RCMError, ValueError):
    """The history file was written by a newer comanaged-rcm than this one: upgrade to read it."""


# ------------------------------------------------------------------------------------ records
def _moment(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a time-zone aware datetime that has a UTC equivalent."""
    _aware(value, f"$.{attribute.name}")


def _aware(value: object, path: str) -> datetime.datetime:
    """A time-zone aware datetime, as the store orders it: in UTC (a naive one is refused)."""
    moment = _check.datetime_(value, path, aware=True)
    try:
        return moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        _check.fail(
            path, "range", f"{_check.name_of(path)!r} must be a moment with a UTC time (got {show(value)})"
        )


def _utc(moment: datetime.datetime) -> str:
    """The sortable text of a moment: UTC, to the microsecond, the same width for every year."""
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def _as_amount(value: SupportsFloat | None) -> Any:  # noqa: ANN401 - the value, maybe normalised
    return as_optional_real(value)


class Verdict(enum.Enum):
    """What the provider decided about an item waiting for it."""

    APPROVE = "approve"
    DENY = "deny"
    DEFER = "defer"


_TEXT = v.text()
_NOTE = v.text(empty=True, multiline=True)


@attrs.frozen(kw_only=True)
class Decision:
    """One decision the provider took: an entry of the append-only audit trail.

    Args:
        id: A unique id of the decision (the log refuses the same id with other content).
        decision: The decision type (``write_off``, ``appeal_strategy``...; see
            :data:`comanaged_rcm.raci.CLIENT_RESERVED_DECISIONS`).
        key: The item or group the decision is about (a claim id, an escalation group key).
        verdict: :class:`Verdict`: approve, deny or defer.
        actor: Who decided (a party id or a person's name).
        at: When (time-zone aware; a naive datetime is refused).
        note: Why, or what happens next.
        amount: The amount at stake, when known (a finite number >= 0).

    >>> import datetime
    >>> Decision(id="d-1", decision="write_off", key="CLM-1", verdict=Verdict.APPROVE,
    ...          actor="client_rcm_director", amount=1200,
    ...          at=datetime.datetime(2026, 11, 24, 9, 30, tzinfo=datetime.UTC)).amount
    1200.0
    """

    id: str = attrs.field(validator=_TEXT)
    decision: str = attrs.field(validator=_TEXT)
    key: str = attrs.field(validator=_TEXT)
    verdict: Verdict = attrs.field(validator=v.member(Verdict))
    actor: str = attrs.field(validator=_TEXT)
    at: datetime.datetime = attrs.field(validator=_moment)
    note: str = attrs.field(default="", validator=_NOTE)
    amount: float | None = attrs.field(
        default=None, converter=_as_amount, validator=v.optional(v.real(minimum=0))
    )


@attrs.frozen(kw_only=True)
class Acknowledgement:
    """One acknowledgement of an escalation alert: an entry of the append-only audit trail.

    Args:
        key: The alert's dedup key (:attr:`comanaged_rcm.escalation.Alert.key`).
        actor: Who acknowledged.
        at: When (time-zone aware; a naive datetime is refused).
        note: Why, or what happens next.

    >>> import datetime
    >>> Acknowledgement(key="denial_untouched:CLM-1", actor="onshore_lead",
    ...                 at=datetime.datetime(2026, 11, 24, 10, tzinfo=datetime.UTC)).actor
    'onshore_lead'
    """

    key: str = attrs.field(validator=_TEXT)
    actor: str = attrs.field(validator=_TEXT)
    at: datetime.datetime = attrs.field(validator=_moment)
    note: str = attrs.field(default="", validator=_NOTE)


_SELECTIONS: Mapping[str, type[Any]] = types.MappingProxyType(
    {cls.__name__: cls for cls in (Selection, MonetarySelection)}
)
"""The QA selections a snapshot keeps, by the type name the store writes next to each."""

_RESULTS: Mapping[str, type[Any]] = types.MappingProxyType(
    {
        cls.__name__: cls
        for cls in (AttributeEvaluation, MonetaryEvaluation, MusEvaluation, BayesianEvaluation)
    }
)
"""The audit results a snapshot keeps, by the type name the store writes next to each."""


def _by_workflow(value: Mapping[str, Any] | object) -> Any:  # noqa: ANN401 - the value, maybe normalised
    """A mapping as a read-only copy in workflow order; anything else stays for the validator."""
    return as_sorted_mapping(value)


def _workflows(kinds: Mapping[str, type[Any]]) -> _check.Validator:
    """An attrs validator: workflow id -> one of ``kinds``."""
    allowed = tuple(kinds.values())
    label = " or ".join(kinds)

    def validate(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        path = f"$.{attribute.name}"
        if not isinstance(value, types.MappingProxyType):  # not a mapping, or one that could not be read
            _check.fail(path, "type", f"{attribute.name!r} must be a mapping of workflow to {label}")
        for workflow, item in value.items():
            where = f"{path}[{show(workflow)}]"
            _check.text(workflow, where)
            _check.instance(item, allowed, where, label)

    return validate


def _json_text(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: JSON text (parsed strictly) that the database can store."""
    path = f"$.{attribute.name}"
    _check.instance(value, str, path, "JSON text (str)")
    try:
        value.encode("utf-8")  # type: ignore[attr-defined]
    except UnicodeEncodeError:
        _check.fail(
            path, "value", f"{attribute.name!r} must be text the database can store (got a lone surrogate)"
        )
    _io.load_json(value, source=path)  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class Snapshot:
    """What the history keeps of one engagement week.

    Args:
        state: The escalation state at the week's end (open alerts, silences, the event counter).
        decisions: The provider's decisions that answer this week's report.
        acks: The acknowledgements of this week's alerts.
        selections: Workflow -> the week's QA selection (:class:`~comanaged_rcm.sampling.Selection`
            or :class:`~comanaged_rcm.sampling.MonetarySelection`).
        results: Workflow -> the week's audit result (an attribute, monetary, MUS or Bayesian
            evaluation of :mod:`comanaged_rcm.sampling`).
        report: The week's report as JSON text (``render_json``), or ``None``.

    >>> Snapshot().silences, Snapshot(report="{}")
    ((), Snapshot(0 alerts, 0 silences, 0 decisions, 0 acks, selections (), results (),
    report of 2 characters))
    """

    state: State = attrs.field(factory=State, validator=v.instance(State))
    decisions: tuple[Decision, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(Decision)
    )
    acks: tuple[Acknowledgement, ...] = attrs.field(
        default=(), converter=as_tuple, validator=v.tuple_of(Acknowledgement)
    )
    selections: Mapping[str, Selection | MonetarySelection] = attrs.field(
        factory=dict, converter=_by_workflow, validator=_workflows(_SELECTIONS), hash=False
    )
    results: Mapping[str, AttributeEvaluation | MonetaryEvaluation | MusEvaluation | BayesianEvaluation] = (
        attrs.field(factory=dict, converter=_by_workflow, validator=_workflows(_RESULTS), hash=False)
    )
    report: str | None = attrs.field(default=None, validator=v.optional(_json_text))

    @property
    def silences(self) -> tuple[Silence, ...]:
        """The silences in force: those of :attr:`state`."""
        return self.state.silences

    def __repr__(self) -> str:
        report = "no report" if self.report is None else f"report of {len(self.report):,} characters"
        return (
            f"Snapshot({len(self.state.alerts)} alerts, {len(self.silences)} silences, "
            f"{len(self.decisions)} decisions, {len(self.acks)} acks, "
            f"selections {show(tuple(self.selections))}, results {show(tuple(self.results))}, {report})"
        )


# ----------------------------------------------------------------------------------- protocol
@runtime_checkable
class HistoryStore(Protocol):
    """Where the weekly cycle keeps its state between weeks; :class:`SQLiteHistory` implements it.

    A host application with its own database implements these methods. The contract: weeks are
    recorded in order (a week after the last one, or the last one again with ``replace``), each
    in one transaction; decisions and acknowledgements are only ever appended; every moment is
    time-zone aware.
    """

    def weeks(self) -> tuple[datetime.date, ...]:
        """The first day of every recorded week, oldest first."""

    def last_week(self) -> datetime.date | None:
        """The first day of the last recorded week, or ``None`` for an empty history."""

    def load(self, week: datetime.date) -> Snapshot:
        """The snapshot of a recorded week, with the decisions and acknowledgements filed under it."""

    def record_week(self, week: datetime.date, snapshot: Snapshot, *, replace: bool = False) -> None:
        """Record one week whole, or not at all (its decisions and acknowledgements appended)."""

    def record_decision(self, decision: Decision, *, week: datetime.date) -> bool:
        """Append a decision filed under a recorded week; ``False`` when the same one is there."""

    def record_ack(self, ack: Acknowledgement, *, week: datetime.date) -> bool:
        """Append an acknowledgement filed under a recorded week; ``False`` when the same one is there."""

    def decisions(self, since: datetime.datetime | None = None) -> tuple[Decision, ...]:
        """Every decision taken at or after ``since`` (all without it), oldest first."""

    def acks(self, since: datetime.datetime | None = None) -> tuple[Acknowledgement, ...]:
        """Every acknowledgement made at or after ``since`` (all without it), oldest first."""


# ------------------------------------------------------------------------------------- schema
HISTORY_SCHEMA_VERSION = 1
"""The newest history schema this library writes (``PRAGMA user_version`` of the file)."""

_APPLICATION_ID = 0x52434D48
"""``PRAGMA application_id`` of a history file ("RCMH"): another program's database is refused."""


def _append_only(table: str) -> tuple[str, ...]:
    return tuple(
        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} are append-only: a recorded row is never "
        f"{'updated' if action == 'UPDATE' else 'deleted'}'); END"
        for action in ("UPDATE", "DELETE")
    )


_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # version 1: weeks and what each keeps; the append-only decision and acknowledgement log
        f"PRAGMA application_id = {_APPLICATION_ID}",
        "CREATE TABLE weeks (week TEXT PRIMARY KEY NOT NULL, state TEXT NOT NULL, report TEXT)",
        (
            "CREATE TABLE silences (week TEXT NOT NULL REFERENCES weeks (week), position INTEGER NOT NULL,"
            " id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (week, position))"
        ),
        (
            "CREATE TABLE selections (week TEXT NOT NULL REFERENCES weeks (week), workflow TEXT NOT NULL,"
            " kind TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (week, workflow))"
        ),
        (
            "CREATE TABLE results (week TEXT NOT NULL REFERENCES weeks (week), workflow TEXT NOT NULL,"
            " kind TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (week, workflow))"
        ),
        (
            "CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
            " week TEXT NOT NULL REFERENCES weeks (week), decision TEXT NOT NULL, item TEXT NOT NULL,"
            " verdict TEXT NOT NULL, actor TEXT NOT NULL, at_utc TEXT NOT NULL, body TEXT NOT NULL)"
        ),
        "CREATE INDEX decisions_by_time ON decisions (at_utc)",
        (
            "CREATE TABLE acknowledgements (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " week TEXT NOT NULL REFERENCES weeks (week), alert TEXT NOT NULL, actor TEXT NOT NULL,"
            " at_utc TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (alert, actor, at_utc))"
        ),
        "CREATE INDEX acknowledgements_by_time ON acknowledgements (at_utc)",
        *_append_only("decisions"),
        *_append_only("acknowledgements"),
    ),
)
"""Migration ``i`` takes a file from schema version ``i`` to ``i + 1``; all pending ones run in
one transaction, with ``PRAGMA user_version`` set at its end."""


def _rows(connection: sqlite3.Connection, query: str, *parameters: object) -> list[Any]:
    """Every row of a query, fetched at once: no statement stays open to hold a lock."""
    return connection.execute(query, parameters).fetchall()


def _version(connection: sqlite3.Connection) -> int:
    return int(_rows(connection, "PRAGMA user_version")[0][0])


def _newer(path: str, found: int, known: int) -> HistoryVersionError:
    return HistoryVersionError(
        f"the history {show(path)} was written by a newer comanaged-rcm (history schema {found}; "
        f"this one reads up to {known}): upgrade comanaged-rcm to read it"
    )


def _busy(path: str, timeout: float) -> HistoryBusyError:
    return HistoryBusyError(
        f"another run holds the history {show(path)}: it is writing now (waited {timeout:g} s); "
        "run again when it has finished"
    )


def _code(exc: sqlite3.Error) -> int:
    """The primary SQLite result code of an error (``SQLITE_BUSY``...), without its extension."""
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def _busy_code(exc: sqlite3.Error) -> bool:
    return _code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _not_history(path: str, reason: str) -> ValidationError:
    return ValidationError.single("$.path", "file", f"{show(path)} is not a comanaged-rcm history: {reason}")


def _refused(exc: sqlite3.OperationalError, path: str, timeout: float) -> Exception:
    """:class:`HistoryBusyError` for a lock another connection holds; any other error as it is."""
    return _busy(path, timeout) if _busy_code(exc) else exc


@contextlib.contextmanager
def _transaction(
    connection: sqlite3.Connection, path: str, timeout: float, *, write: bool
) -> Iterator[sqlite3.Connection]:
    """One transaction: ``BEGIN IMMEDIATE`` to write (refused when another writer holds it)."""
    try:
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    except sqlite3.OperationalError as exc:
        raise _refused(exc, path, timeout) from None
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    try:
        connection.execute("COMMIT")
    except sqlite3.OperationalError as exc:  # readers kept the file past the busy timeout
        connection.execute("ROLLBACK")
        raise _refused(exc, path, timeout) from None


def _migrate(
    connection: sqlite3.Connection,
    path: str,
    timeout: float,
    migrations: tuple[tuple[str, ...], ...] = _MIGRATIONS,
) -> None:
    """Check the file's schema version and apply the pending migrations in one transaction."""
    known = len(migrations)
    found = _version(connection)
    if found > known:
        raise _newer(path, found, known)
    if found > 0:
        owner = int(_rows(connection, "PRAGMA application_id")[0][0])
        if owner != _APPLICATION_ID:
            raise _not_history(path, f"another program's SQLite database (application id {owner})")
    if found == known:
        return
    with _transaction(connection, path, timeout, write=True):
        found = _version(connection)  # again, under the write lock: another run may have migrated
        if found > known:
            raise _newer(path, found, known)
        if found == 0:
            tables = [row[0] for row in _rows(connection, "SELECT name FROM sqlite_master ORDER BY name")]
            if tables:
                listed = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
                raise _not_history(path, f"a SQLite database of other tables ({listed})")
        for step in migrations[found:]:
            for statement in step:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {known}")


def _structure(body: str, cls: type[Any], where: str) -> Any:  # noqa: ANN401 - an instance of cls
    """A stored JSON row back as ``cls``; a row that does not fit is an error naming it."""
    try:
        return serialize.from_json(body, cls)
    except ValidationError as exc:
        raise exc.under(where) from None


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Weekday names for messages (``%A`` would follow the process's locale)."""


def _day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


# -------------------------------------------------------------------------------- SQLite store
class SQLiteHistory:
    """The embedded :class:`HistoryStore`: one SQLite file (created when missing, with ``create``).

    Each call opens the file, does its work in one transaction and closes it again, so nothing
    stays locked between calls, and a process that dies holds nothing. Use it as a context
    manager (or call :meth:`close`); a closed history refuses further calls.

    Args:
        path: The database file (``engagement.db``).
        create: Whether a missing file is created (``False``: a missing file is an error, so a
            mistyped path does not start an empty history).
        timeout: Seconds a write waits for another writer before :class:`HistoryBusyError`.

    Raises:
        ValidationError: The path is not a file path, the file is missing (with ``create`` off),
            cannot be opened, is not a SQLite database or is another program's (``$.path``).
        HistoryVersionError: A newer comanaged-rcm wrote the file.
        HistoryBusyError: Another run was migrating the file.

    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> history = SQLiteHistory(pathlib.Path(folder.name) / "engagement.db")
    >>> history.last_week() is None, isinstance(history, HistoryStore)
    (True, True)
    >>> history.close(); folder.cleanup()
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True, timeout: float = 0.5) -> None:
        self._path = _io.check_path(path, "$.path")
        create = _check.flag(create, "$.create")
        self._timeout = _check.real(timeout, "$.timeout", minimum=0, maximum=60)
        self._closed = False
        if not create and not pathlib.Path(self._path).exists():
            raise ValidationError.single(
                "$.path", "file", f"no history at {show(self._path)} (open it with create=True to start one)"
            )
        with self._open() as connection:
            _migrate(connection, self._path, self._timeout)

    # -- plumbing --------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        """A connection in autocommit mode (transactions are explicit) with foreign keys on."""
        connection = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None)
        connection.execute("PRAGMA foreign_keys = ON")
        return connection

    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        if self._closed:
            raise RCMError(f"the history {show(self._path)} is closed")
        try:
            connection = self._connect()
        except sqlite3.Error as exc:
            raise ValidationError.single(
                "$.path", "file", f"cannot open the history {show(self._path)} ({exc})"
            ) from None
        try:
            yield connection
        except sqlite3.DatabaseError as exc:
            if _code(exc) in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
                raise _not_history(self._path, f"not a SQLite database ({exc})") from None
            if _busy_code(exc):
                raise _busy(self._path, self._timeout) from None
            raise ValidationError.single(
                "$.path", "file", f"cannot use the history {show(self._path)} ({exc})"
            ) from None
        finally:
            connection.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._open() as connection, _transaction(connection, self._path, self._timeout, write=True):
            self._current(connection)
            yield connection

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._open() as connection, _transaction(connection, self._path, self._timeout, write=False):
            self._current(connection)
            yield connection

    def _current(self, connection: sqlite3.Connection) -> None:
        """The file is still at this library's schema (a newer run may have migrated it since)."""
        found = _version(connection)
        if found != HISTORY_SCHEMA_VERSION:
            if found > HISTORY_SCHEMA_VERSION:
                raise _newer(self._path, found, HISTORY_SCHEMA_VERSION)
            raise _not_history(self._path, f"its schema is version {found} (reopen it to migrate)")

    def _weeks(self, connection: sqlite3.Connection) -> list[datetime.date]:
        return [_day(row[0]) for row in _rows(connection, "SELECT week FROM weeks ORDER BY week")]

    def _recorded(self, connection: sqlite3.Connection, week: datetime.date, path: str) -> None:
        if not _rows(connection, "SELECT 1 FROM weeks WHERE week = ?", week.isoformat()):
            weeks = self._weeks(connection)
            recorded = (
                f"recorded: {weeks[0]} .. {weeks[-1]}, {len(weeks)} week(s)"
                if weeks
                else "no week is recorded"
            )
            raise ValidationError.single(path, "unknown", f"no week {week} in the history ({recorded})")

    # -- public API ------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """The database file."""
        return self._path

    def __repr__(self) -> str:
        return f"SQLiteHistory({show(self._path)})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Refuse further calls (nothing stays open between calls, so nothing else is needed)."""
        self._closed = True

    def weeks(self) -> tuple[datetime.date, ...]:
        """The first day of every recorded week, oldest first.

        >>> import pathlib, tempfile
        >>> folder = tempfile.TemporaryDirectory()
        >>> with open_history(pathlib.Path(folder.name) / "h.db") as history:
        ...     history.weeks()
        ()
        >>> folder.cleanup()
        """
        with self._read() as connection:
            return tuple(self._weeks(connection))

    def last_week(self) -> datetime.date | None:
        """The first day of the last recorded week, or ``None`` for an empty history."""
        with self._read() as connection:
            ((last,),) = _rows(connection, "SELECT max(week) FROM weeks")
        return None if last is None else _day(last)

    def load(self, week: datetime.date) -> Snapshot:
        """The snapshot of a recorded week, with the decisions and acknowledgements filed under it.

        Args:
            week: The week's first day.

        Raises:
            ValidationError: ``week`` is not a date, or no such week is recorded (``$.week``); a
                stored row no longer fits its model (the issue names the table and row).
        """
        week = _check.date(week, "$.week")
        day = week.isoformat()
        with self._read() as connection:  # read every row in one transaction, then build outside it
            self._recorded(connection, week, "$.week")
            (state_json, report), *_ = _rows(
                connection, "SELECT state, report FROM weeks WHERE week = ?", day
            )
            silence_rows = _rows(
                connection, "SELECT position, body FROM silences WHERE week = ? ORDER BY position", day
            )
            part_rows = {
                table: _rows(
                    connection,
                    f"SELECT workflow, kind, body FROM {table} WHERE week = ? ORDER BY workflow",  # noqa: S608 - a fixed table name
                    day,
                )
                for table in ("selections", "results")
            }
            decision_rows = _rows(
                connection, "SELECT seq, body FROM decisions WHERE week = ? ORDER BY seq", day
            )
            ack_rows = _rows(
                connection, "SELECT seq, body FROM acknowledgements WHERE week = ? ORDER BY seq", day
            )
        parts: dict[str, dict[str, Any]] = {}
        for table, kinds in (("selections", _SELECTIONS), ("results", _RESULTS)):
            parts[table] = {}
            for workflow, kind, body in part_rows[table]:
                at = f"{self._path}:{table}[{day}][{workflow}]"
                if kind not in kinds:
                    raise ValidationError.single(at, "unknown", f"unknown {table[:-1]} kind {show(kind)}")
                parts[table][workflow] = _structure(body, kinds[kind], at)
        state = _structure(state_json, State, f"{self._path}:weeks[{day}].state")
        silences = tuple(
            _structure(body, Silence, f"{self._path}:silences[{day}][{position}]")
            for position, body in silence_rows
        )
        return Snapshot(
            state=attrs.evolve(state, silences=silences),
            decisions=tuple(
                _structure(body, Decision, f"{self._path}:decisions[{seq}]") for seq, body in decision_rows
            ),
            acks=tuple(
                _structure(body, Acknowledgement, f"{self._path}:acknowledgements[{seq}]")
                for seq, body in ack_rows
            ),
            selections=parts["selections"],
            results=parts["results"],
            report=report,
        )

    def record_week(self, week: datetime.date, snapshot: Snapshot, *, replace: bool = False) -> None:
        """Record one week whole, in one transaction, or nothing at all.

        The week's decisions and acknowledgements are appended to the log (one already there
        with the same content is kept as it was).

        Args:
            week: The week's first day: after the last recorded week, on the same weekday as
                the recorded weeks.
            snapshot: What to keep.
            replace: Whether ``week`` may be the last recorded week, to record it again (its
                state, silences, selections, results and report are replaced; the log is not).

        Raises:
            ValidationError: A bad argument, a week before the last one, the last one without
                ``replace``, a week on another weekday (``$.week``), or a decision or
                acknowledgement whose id or moment is recorded with other content.
            HistoryBusyError: Another run is writing.
        """
        week = _check.date(week, "$.week")
        _check.instance(snapshot, Snapshot, "$.snapshot")
        replace = _check.flag(replace, "$.replace")
        day = week.isoformat()
        state_json = serialize.to_json(attrs.evolve(snapshot.state, silences=()))
        silences = [(day, n, s.id, serialize.to_json(s)) for n, s in enumerate(snapshot.silences)]
        parts = {
            table: [
                (day, workflow, type(item).__name__, serialize.to_json(item))
                for workflow, item in items.items()
            ]
            for table, items in (("selections", snapshot.selections), ("results", snapshot.results))
        }
        with self._write() as connection:
            weeks = self._weeks(connection)
            last = weeks[-1] if weeks else None
            again = last == week
            if last is not None:
                self._check_order(week, last, weeks[0], replace=replace)
            if again:
                connection.execute(
                    "UPDATE weeks SET state = ?, report = ? WHERE week = ?",
                    (state_json, snapshot.report, day),
                )
                for table in ("silences", "selections", "results"):
                    connection.execute(f"DELETE FROM {table} WHERE week = ?", (day,))  # noqa: S608 - a fixed table name
            else:
                connection.execute(
                    "INSERT INTO weeks (week, state, report) VALUES (?, ?, ?)",
                    (day, state_json, snapshot.report),
                )
            connection.executemany(
                "INSERT INTO silences (week, position, id, body) VALUES (?, ?, ?, ?)", silences
            )
            for table, rows in parts.items():
                connection.executemany(
                    f"INSERT INTO {table} (week, workflow, kind, body) VALUES (?, ?, ?, ?)",  # noqa: S608 - a fixed table name
                    rows,
                )
            for i, decision in enumerate(snapshot.decisions):
                _append(connection, decision, day, f"$.snapshot.decisions[{i}]")
            for i, ack in enumerate(snapshot.acks):
                _append(connection, ack, day, f"$.snapshot.acks[{i}]")

    @staticmethod
    def _check_order(
        week: datetime.date, last: datetime.date, first: datetime.date, *, replace: bool
    ) -> None:
        if week < last:
            message = f"the history continues forward: week {week} is before the last recorded week {last}"
            raise ValidationError.single("$.week", "order", message)
        if week == last and not replace:
            message = f"week {week} is already recorded: pass replace=True to record the last week again"
            raise ValidationError.single("$.week", "order", message)
        if week.weekday() != first.weekday():
            message = (
                f"the history's weeks start on a {_WEEKDAYS[first.weekday()]} (first {first}, last {last}); "
                f"week {week} is a {_WEEKDAYS[week.weekday()]}: give the week's first day"
            )
            raise ValidationError.single("$.week", "value", message)

    def record_decision(self, decision: Decision, *, week: datetime.date) -> bool:
        """Append a decision to the audit trail, filed under the recorded week whose report it answers.

        Args:
            decision: The decision.
            week: The first day of a recorded week (normally :meth:`last_week`).

        Returns:
            ``True`` when appended; ``False`` when the same decision was already recorded.

        Raises:
            ValidationError: A bad argument; no such week (``$.week``); the id recorded with
                other content (``$.decision``: the trail is never changed, record a new id).
            HistoryBusyError: Another run is writing.
        """
        return self._append(_check.instance(decision, Decision, "$.decision"), week, "$.decision")

    def record_ack(self, ack: Acknowledgement, *, week: datetime.date) -> bool:
        """Append an acknowledgement to the audit trail, filed under a recorded week.

        Args:
            ack: The acknowledgement.
            week: The first day of a recorded week (normally :meth:`last_week`).

        Returns:
            ``True`` when appended; ``False`` when the same acknowledgement was already recorded.

        Raises:
            ValidationError: A bad argument; no such week (``$.week``); the same alert, actor
                and moment recorded with another note (``$.ack``).
            HistoryBusyError: Another run is writing.
        """
        return self._append(_check.instance(ack, Acknowledgement, "$.ack"), week, "$.ack")

    def _append(self, record: Decision | Acknowledgement, week: datetime.date, path: str) -> bool:
        week = _check.date(week, "$.week")
        with self._write() as connection:
            self._recorded(connection, week, "$.week")
            return _append(connection, record, week.isoformat(), path)

    def decisions(self, since: datetime.datetime | None = None) -> tuple[Decision, ...]:
        """Every decision taken at or after ``since`` (all without it), oldest first.

        Raises:
            ValidationError: ``since`` is not a time-zone aware datetime (``$.since``).
        """
        return self._log(Decision, "decisions", since)

    def acks(self, since: datetime.datetime | None = None) -> tuple[Acknowledgement, ...]:
        """Every acknowledgement made at or after ``since`` (all without it), oldest first.

        Raises:
            ValidationError: ``since`` is not a time-zone aware datetime (``$.since``).
        """
        return self._log(Acknowledgement, "acknowledgements", since)

    def _log(self, cls: type[T], table: str, since: datetime.datetime | None) -> tuple[T, ...]:
        start = "" if since is None else _utc(_aware(since, "$.since"))
        with self._read() as connection:
            rows = _rows(
                connection,
                f"SELECT seq, body FROM {table} WHERE at_utc >= ? ORDER BY at_utc, seq",  # noqa: S608 - a fixed table name
                start,
            )
        return tuple(_structure(body, cls, f"{self._path}:{table}[{seq}]") for seq, body in rows)


def _append(connection: sqlite3.Connection, record: Decision | Acknowledgement, day: str, path: str) -> bool:
    """Append a decision or an acknowledgement; ``False`` when the same one is there already."""
    body = serialize.to_json(record)
    moment = _utc(record.at)
    if isinstance(record, Decision):
        table, identity = "decisions", {"id": record.id}
        columns = {"decision": record.decision, "item": record.key, "verdict": record.verdict.value}
        before = f"decision {show(record.id)} is already recorded (week "
        after = ") with other content: the trail is never changed; record a new decision with a new id"
    else:
        table, identity, columns = "acknowledgements", {"alert": record.key, "at_utc": moment}, {}
        before = (
            f"{show(record.actor)} already acknowledged {show(record.key)} at {record.at.isoformat()} (week "
        )
        after = ") with another note: the trail is never changed"
    identity["actor"] = record.actor
    where = " AND ".join(f"{name} = ?" for name in identity)
    found = _rows(connection, f"SELECT week, body FROM {table} WHERE {where}", *identity.values())  # noqa: S608 - fixed names
    if found:
        (week, stored), *_ = found
        if stored == body:
            return False
        raise ValidationError.single(path, "append_only", f"{before}{week}{after}")
    row = {"week": day, **identity, **columns, "at_utc": moment, "body": body}
    connection.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",  # noqa: S608 - fixed names
        tuple(row.values()),
    )
    return True


def open_history(path: str | os.PathLike[str], *, create: bool = True, timeout: float = 0.5) -> SQLiteHistory:
    """Open (creating or migrating it as needed) the SQLite history at ``path``.

    Args:
        path: The database file (``engagement.db``).
        create: Whether a missing file is created (``False``: a missing file is an error).
        timeout: Seconds a write waits for another writer before :class:`HistoryBusyError`.

    Returns:
        The :class:`SQLiteHistory`, a context manager.

    Raises:
        ValidationError: The path is bad, missing (with ``create`` off), not a SQLite database
            or another program's (``$.path``).
        HistoryVersionError: A newer comanaged-rcm wrote the file.

    >>> import pathlib, tempfile
    >>> folder = tempfile.TemporaryDirectory()
    >>> (pathlib.Path(folder.name) / "notes.db").write_text("not a database")
    14
    >>> open_history(pathlib.Path(folder.name) / "notes.db")
    Traceback (most recent call last):
    ...
    comanaged_rcm.errors.ValidationError: 1 validation issue: '...notes.db' is not a comanaged-rcm
    history: not a SQLite database (file is not a database) @ $.path
    >>> folder.cleanup()
    """
    return SQLiteHistory(path, create=create, timeout=timeout)
