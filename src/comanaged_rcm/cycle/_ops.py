"""Operations at any day: who is working what, queues and their ages, open escalations.

:class:`Operations` indexes an engagement's work items once (integer codes of party and
workflow, days as integers, sorted keys and running sums), so that :meth:`Operations.at`
answers any day in the data's range, mid-week too, with a few binary searches and one pass
over integer arrays: cheap enough for a host to call on every page load.

The as-of rule: the snapshot at ``day`` counts everything dated on or before ``day``, at the
close of that day. A work item opened on ``day`` is open in it (one day old); one closed on
``day`` is closed by it. An escalation counts when its alert had begun (its condition first
held) by the close of ``day``.
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterator

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check as check
from comanaged_rcm._check import as_int, as_tuple, v
from comanaged_rcm.cycle._data import CycleData, DataDates
from comanaged_rcm.cycle._engagement import Engagement, check_engagement
from comanaged_rcm.cycle._escalate import _close
from comanaged_rcm.cycle._format import format_figure
from comanaged_rcm.cycle._report import PartyWork, WorkflowQueue
from comanaged_rcm.cycle._section import Section, section, section_html, section_markdown
from comanaged_rcm.cycle._warehouse import dates_of
from comanaged_rcm.errors import Issue, ValidationError
from comanaged_rcm.escalation import Alert, AlertStatus, BusinessHours, State
from comanaged_rcm.kpi import Book

__all__ = ["EscalationCount", "Operations", "OperationsSnapshot", "operations_section"]

_AGED = 30
"""A queue item is aged when it is more than this many days old (the report's ``aged_over_30``)."""
_DAY = datetime.timedelta(days=1)
_EPOCH = datetime.date(1970, 1, 1)
_NO_OWNER = "(no owner found)"
_OPEN = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)


@attrs.frozen(kw_only=True)
class EscalationCount:
    """The open escalations of one owner and rule at a snapshot's day.

    ``owner`` is the party id the alerts are routed to (empty when the directory names none,
    and ``owner_name`` then says so); ``acknowledged`` of ``open_alerts`` have been
    acknowledged; ``oldest`` is the first day by whose close the oldest of them had begun (its
    condition first held), in the zone of the engagement's business hours (UTC without them).
    """

    owner: str = attrs.field(validator=v.text(empty=True))
    owner_name: str = attrs.field(validator=v.text())
    rule: str = attrs.field(validator=v.identifier())
    open_alerts: int = attrs.field(converter=as_int, validator=v.count(minimum=1))
    acknowledged: int = attrs.field(converter=as_int, validator=v.count())
    oldest: datetime.date = attrs.field(validator=v.date())

    def __attrs_post_init__(self) -> None:
        if self.acknowledged > self.open_alerts:
            check.fail(
                "$.acknowledged",
                "range",
                f"'acknowledged' ({self.acknowledged}) must not exceed 'open_alerts' ({self.open_alerts})",
            )


@attrs.frozen(kw_only=True)
class OperationsSnapshot:
    """Operations at the close of ``day``: who is working what, the queues, open escalations.

    ``by_party`` has one line per party and workflow with work in it: items closed (with their
    touches and how many were escalated) from ``since`` to ``day``, both included, and items
    open at the close of ``day``. ``queues`` has one line per workflow of the data: items open
    at the close of ``day``, how many are more than 30 days old, and the median and oldest age
    (an item's age is the days from its opening to the close of ``day``: one on its first
    day). These are the report's :class:`~comanaged_rcm.cycle.PartyWork` and
    :class:`~comanaged_rcm.cycle.WorkflowQueue`: the snapshot at a period's last day, since
    its first, is the report's operations section. ``escalations`` are the open escalations
    by owner and rule, or ``None`` when the index was built without an escalation state.

    Raises:
        ValidationError: A field of the wrong type; ``since`` after ``day`` (``$.since``).

    >>> snapshot = OperationsSnapshot(day=datetime.date(2026, 11, 4), since=datetime.date(2026, 11, 4),
    ...     by_party=(), queues=())
    >>> snapshot.open_escalations is None
    True
    """

    engagement: str = attrs.field(default="engagement", validator=v.text())
    day: datetime.date = attrs.field(validator=v.date())
    since: datetime.date = attrs.field(validator=v.date())
    by_party: tuple[PartyWork, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(PartyWork))
    queues: tuple[WorkflowQueue, ...] = attrs.field(converter=as_tuple, validator=v.tuple_of(WorkflowQueue))
    escalations: tuple[EscalationCount, ...] | None = attrs.field(
        default=None, converter=as_tuple, validator=v.optional(v.tuple_of(EscalationCount))
    )

    def __attrs_post_init__(self) -> None:
        if self.since > self.day:
            check.fail("$.since", "range", f"'since' ({self.since}) must not be after 'day' ({self.day})")

    @property
    def open_escalations(self) -> int | None:
        """How many escalations are open (``None`` without an escalation state)."""
        return None if self.escalations is None else sum(e.open_alerts for e in self.escalations)

    def _repr_markdown_(self) -> str:
        return "\n".join(line for part in operations_section(self) for line in section_markdown(part))

    def _repr_html_(self) -> str:
        return "\n".join(section_html(part) for part in operations_section(self))


def _codes(book: Book, column: str) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.intp]]:
    """The sorted distinct values of a work-item column (each readable text) and each row's code."""
    uniques, inverse = book.codes("work_items", column)
    path = f"$.data.work_items.{column}"
    for value in uniques.tolist():
        try:
            check.text(value, path)
        except ValidationError as exc:
            message = f"work item {column} ids must be readable text: {exc.issues[0].message}"
            raise ValidationError.single(path, "format", message) from None
    return uniques, inverse


def _days(values: npt.NDArray[np.datetime64], base: int) -> npt.NDArray[np.int64]:
    """Days after ``base`` (days since the epoch) of dates; ``NaT`` stays the smallest int64."""
    raw = values.astype("datetime64[D]").view(np.int64)
    return np.where(raw == np.iinfo(np.int64).min, raw, raw - base)


class _Alerts:
    """An escalation state's open alerts in the order they began, coded by owner and rule."""

    def __init__(self, engagement: Engagement, state: State, office: BusinessHours | None) -> None:
        names: dict[str, str] = {}
        for party in engagement.split.parties:
            names.setdefault(party.id, party.name)
        alerts = sorted((a for a in state.alerts.values() if a.status in _OPEN), key=_began)
        self.began = [a.active_since for a in alerts]
        self.naive = bool(alerts) and alerts[0].active_since.tzinfo is None
        groups: dict[tuple[str, str], int] = {}
        self.group = np.array([groups.setdefault(_group(a), len(groups)) for a in alerts], dtype=np.intp)
        self.acknowledged = np.array([a.status is AlertStatus.ACKNOWLEDGED for a in alerts], dtype=bool)
        self.keys = list(groups)
        self.names = [names.get(owner, owner) if owner else _NO_OWNER for owner, _ in self.keys]
        first = np.full(len(groups), len(alerts), dtype=np.intp)
        np.minimum.at(first, self.group, np.arange(len(alerts)))
        self.oldest = [_first_day(alerts[i], office) for i in first.tolist()]
        self.order = sorted(range(len(groups)), key=self.keys.__getitem__)

    def at(self, close: datetime.datetime | None) -> tuple[EscalationCount, ...]:
        """The alerts begun by ``close`` (all of them for ``None``), by owner and rule."""
        if close is not None and self.naive:
            close = close.replace(tzinfo=None)
        upto = len(self.began) if close is None else bisect.bisect_right(self.began, close)
        n = len(self.keys)
        count = np.bincount(self.group[:upto], minlength=n)
        acked = np.bincount(self.group[:upto], weights=self.acknowledged[:upto], minlength=n)
        return tuple(
            EscalationCount(
                owner=self.keys[g][0],
                owner_name=self.names[g],
                rule=self.keys[g][1],
                open_alerts=int(count[g]),
                acknowledged=int(acked[g]),
                oldest=self.oldest[g],
            )
            for g in self.order
            if count[g]
        )


def _began(alert: Alert) -> datetime.datetime:
    return alert.active_since


def _first_day(alert: Alert, office: BusinessHours | None) -> datetime.date:
    """The first day by whose close the alert had begun: its day, or the day before at its first moment.

    Days are those of the business hours' zone (UTC without them); a naive moment is its own
    wall clock. A moment within a day of the calendar's ends is refused: it has no such day.
    """
    began = alert.active_since
    try:
        if began.tzinfo is None:
            local, start = began, datetime.datetime.combine(began.date(), datetime.time(0))
        else:
            local = began.astimezone(datetime.UTC if office is None else office.tz)
            start = _close(local.date(), office)
        return local.date() - _DAY if began <= start else local.date()
    except OverflowError:
        path = f"$.state.alerts[{check.show(alert.key)}].active_since"
        message = f"the alert's start ({began}) is too close to the ends of the calendar to fall on a day"
        raise ValidationError.single(path, "range", message) from None


def _group(alert: Alert) -> tuple[str, str]:
    return alert.owner or "", alert.rule


class Operations:
    """An index of an engagement's work items, for an operations snapshot of any day.

    Built once from the engagement (its parties' names and kinds, its business hours) and its
    :class:`~comanaged_rcm.cycle.CycleData` (validated as :func:`~comanaged_rcm.cycle.run_cycle`
    validates it), and optionally an escalation :class:`~comanaged_rcm.escalation.State`
    (the last one a history recorded, or a cycle's). :meth:`at` then answers any day of the
    data's range (the span of the transactions' posting dates, or for a ledger without one of
    the submissions' and work items' dates) without another pass over text.

    The as-of rule: the snapshot at ``day`` counts everything dated on or before ``day`` (the
    close of that day). An item opened on ``day`` is open in it, one day old; an item closed on
    ``day`` is closed by it. A state is one moment's: an alert resolved before it was recorded
    is not in it, so a snapshot counts the state's open alerts (firing or acknowledged) that
    had begun (``active_since``) by the close of ``day``, in the zone of the engagement's
    business hours (UTC without them).

    Args:
        engagement: The engagement document (its cross-references must check clean).
        data: The provider's tables.
        state: An escalation state, whose open alerts the snapshots count; ``None`` leaves the
            snapshots' ``escalations`` out (``None``).

    Raises:
        ValidationError: ``engagement`` is not an :class:`~comanaged_rcm.cycle.Engagement` or
            has errors (``$.engagement`` and the findings' paths), ``data`` is not a
            :class:`~comanaged_rcm.cycle.CycleData` (``$.data``) or its tables do not validate,
            a work item's team or workflow is not readable text (``$.data.work_items.team``),
            or ``state`` is not a :class:`~comanaged_rcm.escalation.State` (``$.state``).

    Examples:
        >>> from comanaged_rcm.cycle import default_engagement
        >>> from comanaged_rcm.synthetic import generate_book
        >>> book = generate_book(seed=1, claims=3000)
        >>> ops = Operations(default_engagement(), CycleData.from_synthetic(book))
        >>> ops
        Operations(engagement='Demo Health System x co-managed RCM partner', work_items=7,453,
        range=transactions posted 2026-02-02 .. 2026-11-01, no state)
        >>> queue = ops.at(datetime.date(2026, 10, 28)).queues[0]
        >>> queue.workflow, queue.open_items, queue.aged_over_30
        ('appeals', 13, 2)
    """

    def __init__(self, engagement: Engagement, data: CycleData, state: State | None = None) -> None:
        check.instance(engagement, Engagement, "$.engagement")
        check.instance(data, CycleData, "$.data")
        if state is not None:
            check.instance(state, State, "$.state")
        errors = [f for f in check_engagement(engagement) if f.is_error]
        if errors:
            raise ValidationError([Issue(f.path, f.rule, f.message) for f in errors])
        book = data.book()
        self.engagement = engagement
        self._dates: DataDates | None = dates_of(data)
        office = engagement.business_hours
        self._office = None if office is None else office.business_hours
        self._alerts = None if state is None else _Alerts(engagement, state, self._office)
        self._index(book)

    def __repr__(self) -> str:
        alerts = "no state" if self._alerts is None else f"{len(self._alerts.began):,} open alerts"
        return (
            f"Operations(engagement={self.engagement.name!r}, work_items={self._rows:,},"
            f" range={self._dates}, {alerts})"
        )

    @property
    def first(self) -> datetime.date | None:
        """The first day of the data's range (``None`` when the data holds no date)."""
        return None if self._dates is None else self._dates.first

    @property
    def last(self) -> datetime.date | None:
        """The last day of the data's range (``None`` when the data holds no date)."""
        return None if self._dates is None else self._dates.last

    def _index(self, book: Book) -> None:
        """Sorted integer keys of the work items by (party and workflow, day), and running sums."""
        items, dates = book.work_items, self._dates
        self._rows = 0 if items is None else len(items["item_id"])
        kinds = {p.id: (p.name, p.kind.value) for p in reversed(self.engagement.split.parties)}
        if items is None or not self._rows or dates is None:  # work items have dates: both or neither
            empty = np.zeros(0, dtype=np.int64)
            self._base, self._stride, self._workflows = 0, 1, np.zeros(0, dtype=str)
            self._pairs: list[tuple[str, str, str, str]] = []
            self._open_keys = self._closed_keys = empty
            self._queue_keys = self._queue_opened = self._queue_closed = empty
            self._starts = np.zeros(1, dtype=np.int64)
            self._touches = self._escalated = np.zeros(1, dtype=np.int64)
            return
        teams, team = _codes(book, "team")
        workflows, workflow = _codes(book, "workflow")
        raw_opened = items["opened"].astype("datetime64[D]").view(np.int64)
        base = min(int(raw_opened.min()), (dates.first - _EPOCH).days)
        opened = raw_opened - base
        closed = _days(items["closed"], base)
        never = np.iinfo(np.int64).min
        latest = max(int(opened.max()), int(closed.max()), (dates.last - _EPOCH).days - base)
        stride = latest + 2  # days 0..latest, and latest + 1 for items never closed
        closed = np.where(closed == never, latest + 1, closed)
        pair = team.astype(np.int64) * len(workflows) + workflow
        distinct, code = np.unique(pair, return_inverse=True)
        row = code.astype(np.int64) * stride
        self._base, self._stride, self._workflows = base, stride, workflows
        self._pairs = []
        for value in distinct.tolist():
            party = str(teams[value // len(workflows)])
            name, kind = kinds.get(party, (party, "unknown"))
            self._pairs.append((party, name, kind, str(workflows[value % len(workflows)])))
        self._open_keys = np.sort(row + opened)
        by_closed = np.argsort(row + closed, kind="stable")
        self._closed_keys = (row + closed)[by_closed]
        self._touches = np.concatenate([[0], np.cumsum(items["touches"][by_closed], dtype=np.int64)])
        self._escalated = np.concatenate([[0], np.cumsum(items["escalated"][by_closed], dtype=np.int64)])
        self._starts = np.searchsorted(self._open_keys, np.arange(len(distinct) + 1) * stride)
        queue = workflow.astype(np.int64) * stride
        by_queue = np.argsort(queue + opened, kind="stable")
        self._queue_keys = (queue + opened)[by_queue]
        self._queue_opened = opened[by_queue]
        self._queue_closed = closed[by_queue]

    def at(self, day: datetime.date, *, since: datetime.date | None = None) -> OperationsSnapshot:
        """The operations snapshot at the close of ``day``.

        Items open, queues and ages are those at the close of ``day``; items closed (with their
        touches and escalations) are those closed from ``since`` to ``day``, both included.

        Args:
            day: Any day of the data's range (:attr:`first` to :attr:`last`).
            since: The first day whose closed items count (``day`` itself by default); the
                report's period start for a report period's snapshot.

        Raises:
            ValidationError: ``day`` is not a date in the data's range, or the data holds no
                date (``$.day``, with the range in the message); ``since`` is not a date from
                the range's first day to ``day`` (``$.since``).

        >>> from comanaged_rcm.cycle import default_engagement
        >>> from comanaged_rcm.synthetic import generate_book
        >>> book = generate_book(seed=1, claims=3000)
        >>> ops = Operations(default_engagement(), CycleData.from_synthetic(book))
        >>> ops.at(datetime.date(2027, 1, 4))
        Traceback (most recent call last):
        ...
        comanaged_rcm.errors.ValidationError: 1 validation issue: 'day' (2027-01-04) is outside the data's
        range (transactions posted 2026-02-02 .. 2026-11-01) @ $.day
        """
        day = check.date(day, "$.day")
        if self._dates is None:
            check.fail("$.day", "range", f"'day' ({day}) has no data: the tables hold no date")
        if not self._dates.first <= day <= self._dates.last:
            check.fail("$.day", "range", f"'day' ({day}) is outside the data's range ({self._dates})")
        since = day if since is None else check.date(since, "$.since")
        if not self._dates.first <= since <= day:
            check.fail(
                "$.since",
                "range",
                f"'since' ({since}) must be from the data's first day ({self._dates.first}) to 'day' ({day})",
            )
        today, start = (day - _EPOCH).days - self._base, (since - _EPOCH).days - self._base
        escalations = None
        if self._alerts is not None:
            close = None if day == datetime.date.max else _close(day + _DAY, self._office)
            escalations = self._alerts.at(close)
        return OperationsSnapshot(
            engagement=self.engagement.name,
            day=day,
            since=since,
            by_party=tuple(self._by_party(today, start)),
            queues=tuple(self._queues(today)),
            escalations=escalations,
        )

    def _by_party(self, today: int, start: int) -> Iterator[PartyWork]:
        rows = np.arange(len(self._pairs), dtype=np.int64) * self._stride
        starts = self._starts[:-1]
        opened = np.searchsorted(self._open_keys, rows + today, side="right") - starts
        upto = np.searchsorted(self._closed_keys, rows + today, side="right")
        before = np.searchsorted(self._closed_keys, rows + start - 1, side="right")
        closed = upto - before
        still_open = opened - (upto - starts)
        touches = self._touches[upto] - self._touches[before]
        escalated = self._escalated[upto] - self._escalated[before]
        for i in np.flatnonzero((closed > 0) | (still_open > 0)).tolist():
            party, name, kind, workflow = self._pairs[i]
            yield PartyWork(
                party=party,
                party_name=name,
                kind=kind,
                workflow=workflow,
                closed=int(closed[i]),
                touches=int(touches[i]),
                escalated=int(escalated[i]),
                open_items=int(still_open[i]),
            )

    def _queues(self, today: int) -> Iterator[WorkflowQueue]:
        days = self._queue_opened
        rows = np.flatnonzero((days <= today) & (self._queue_closed > today))
        keys = self._queue_keys[rows]  # the open items, by workflow, oldest first
        lines = np.arange(len(self._workflows) + 1, dtype=np.int64) * self._stride
        bounds = np.searchsorted(keys, lines)
        first, counts = bounds[:-1], np.diff(bounds)
        aged = np.searchsorted(keys, lines[:-1] + max(today - _AGED + 1, 0)) - first
        ages = today + 1 - days[rows]  # days[rows] ascending within a workflow: ages descending
        for w, name in enumerate(self._workflows.tolist()):
            n = int(counts[w])
            median = oldest = None
            if n:
                at = int(first[w])
                median = float((ages[at + (n - 1) // 2] + ages[at + n // 2]) / 2)
                oldest = int(ages[at])
            yield WorkflowQueue(
                workflow=str(name),
                open_items=n,
                aged_over_30=int(aged[w]),
                median_age_days=median,
                oldest_age_days=oldest,
            )


def operations_section(snapshot: OperationsSnapshot) -> list[Section]:
    """An operations snapshot as report sections: who is working what, queues, open escalations.

    Each renderer lays them out (``section_text``, ``section_markdown``, ``section_html`` of
    the report's sections); without an escalation state the third section says so.

    Raises:
        ValidationError: ``snapshot`` is not an :class:`OperationsSnapshot` (``$.snapshot``).

    >>> snapshot = OperationsSnapshot(day=datetime.date(2026, 11, 4), since=datetime.date(2026, 11, 2),
    ...     by_party=(), queues=())
    >>> for part in operations_section(snapshot):
    ...     print(part.title)
    Who is working what on 2026-11-04
    Queues at the close of 2026-11-04
    Open escalations on 2026-11-04
    """
    check.instance(snapshot, OperationsSnapshot, "$.snapshot")
    day = snapshot.day
    closed = f"on {day}" if snapshot.since == day else f"from {snapshot.since} to {day}"
    parts = [
        section(
            f"Who is working what on {day}",
            ["party", "kind", "workflow", "closed", "touches", "escalated", "open"],
            [
                [
                    w.party_name,
                    w.kind,
                    w.workflow,
                    *map(_count, (w.closed, w.touches, w.escalated, w.open_items)),
                ]
                for w in snapshot.by_party
            ],
            f"Items closed {closed}; items open at the close of {day}.",
        ),
        section(
            f"Queues at the close of {day}",
            ["workflow", "open", f"aged > {_AGED} d", "median age", "oldest"],
            [
                [
                    q.workflow,
                    _count(q.open_items),
                    _count(q.aged_over_30),
                    format_figure(q.median_age_days, "days") if q.median_age_days is not None else "-",
                    "-" if q.oldest_age_days is None else f"{q.oldest_age_days:,} d",
                ]
                for q in snapshot.queues
            ],
            "An item's age counts the days from its opening to the close of the day (1 on its first day).",
        ),
    ]
    if snapshot.escalations is None:
        note = "No escalation state was given: open escalations are not shown."
    else:
        note = f"{snapshot.open_escalations:,} open escalation(s), begun by the close of {day}."
    parts.append(
        section(
            f"Open escalations on {day}",
            ["owner", "rule", "open", "acknowledged", "oldest began"],
            [
                [e.owner_name, e.rule, _count(e.open_alerts), _count(e.acknowledged), e.oldest.isoformat()]
                for e in snapshot.escalations or ()
            ],
            note,
        )
    )
    return parts


def _count(value: int) -> str:
    return f"{value:,}"
