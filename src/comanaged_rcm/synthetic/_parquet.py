"""A synthetic ledger of any size as Parquet files, generated in chunks so memory stays flat.

The ledger is a sequence of chunks. Chunk ``k`` (0, 1, 2...) is the book
``generate_book(seed=chunk_seed(seed, k), claims=chunk_claims, start=start, weeks=weeks, ...)``
with its ids renamed to be unique across chunks: the claim id ``C0000017`` of chunk 3 becomes
``C00003-0000017`` and the work item ``W00000042`` becomes ``W00003-00000042`` (the letter, the
chunk number in 5 digits, a hyphen, then the book's own digits). Every id of a chunk is renamed,
so the opening A/R's claims (numbered after the book's own) are covered too. The chunk number is
the part file's: chunk 3 is written to ``transactions/part-00003.parquet``,
``submissions/part-00003.parquet`` and ``work_items/part-00003.parquet``.

Chunks are written whole until the transactions written reach the target; the ledger then holds
at least ``transactions`` rows and fewer than ``transactions`` plus one chunk's (no claim's
history is ever cut). Each chunk is a full book over the same weeks, so the ledger is the book of
an operation ``chunks`` times the size of one chunk, with the same rates.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as directory:
...     ledger = write_parquet(directory, transactions=1500, chunk_claims=200)
...     ledger.chunks, ledger.rows["transactions"] >= 1500, ledger.files["work_items"][0].name
(2, True, 'part-00000.parquet')
"""

from __future__ import annotations

import datetime
import importlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from comanaged_rcm import _check, _io
from comanaged_rcm._check import as_int, v
from comanaged_rcm.errors import Issue, RCMError, ValidationError
from comanaged_rcm.kpi._book import SCHEMAS
from comanaged_rcm.synthetic._engine import DEFAULT_START, generate_book
from comanaged_rcm.synthetic._models import (
    MAX_CLAIMS,
    MAX_SEED,
    QA_ERROR_RATES,
    BookParameters,
    Payer,
    QATruth,
    SyntheticBook,
    default_payers,
)

__all__ = [
    "ARROW_EXTRA",
    "DEFAULT_CHUNK_CLAIMS",
    "MAX_CHUNKS",
    "PARQUET_TABLES",
    "ParquetLedger",
    "chunk_seed",
    "rename_chunk",
    "write_parquet",
]

ARROW_EXTRA = "pip install 'comanaged-rcm[arrow]'"
"""How to install pyarrow, which writing Parquet needs."""

DEFAULT_CHUNK_CLAIMS = 250_000
"""Claims per chunk by default: about 1.15 million transactions, about 1.3 GB of memory at the peak."""

MAX_CHUNKS = 100_000
"""The most chunks a ledger has (part files are numbered with 5 digits)."""

PARQUET_TABLES = ("transactions", "submissions", "work_items")
"""The tables written, each in its own directory of part files."""

_PART = re.compile(r"part-\d{5}\.parquet\Z")

_NULLABLE = frozenset(
    {(table, f.name) for table, fields in SCHEMAS.items() for f in fields if f.nullable}
    | {("submissions", "carc")}  # the book's extra column: empty when a submission was not denied
)
"""(table, column) of the text columns whose empty cells are written as null."""


def chunk_seed(seed: int, chunk: int) -> int:
    """The seed of chunk ``chunk`` of a ledger of ``seed``.

    It is the first 64-bit word of ``numpy.random.SeedSequence(seed, spawn_key=(chunk,))``
    (numpy keeps SeedSequence's output stable across versions), so the chunks of one ledger, and
    those of ledgers of different seeds, draw from unrelated streams.

    Args:
        seed: The ledger's seed (0 to 2**64 - 1).
        chunk: The chunk number (0 to :data:`MAX_CHUNKS` - 1).

    Raises:
        ValidationError: ``seed`` or ``chunk`` is out of range.

    >>> chunk_seed(7, 0) != chunk_seed(7, 1), chunk_seed(7, 2) == chunk_seed(7, 2)
    (True, True)
    """
    seed = _check.count(seed, "$.seed", maximum=MAX_SEED)
    chunk = _check.count(chunk, "$.chunk", maximum=MAX_CHUNKS - 1)
    state = np.random.SeedSequence(seed, spawn_key=(chunk,)).generate_state(1, np.uint64)
    return int(state[0])


def rename_chunk(book: SyntheticBook, chunk: int) -> dict[str, dict[str, npt.NDArray[Any]]]:
    """The book's three tables with their claim and item ids renamed for chunk ``chunk``.

    ``C0000017`` becomes ``C00003-0000017`` in chunk 3, ``W00000042`` becomes ``W00003-00000042``;
    the other columns are the book's own arrays (not copied).

    Raises:
        ValidationError: ``book`` is not a SyntheticBook or ``chunk`` is out of range.

    >>> book = generate_book(seed=1, claims=50)
    >>> tables = rename_chunk(book, 3)
    >>> str(book.transactions["claim_id"][0]), str(tables["transactions"]["claim_id"][0])
    ('C0000052', 'C00003-0000052')
    """
    _check.instance(book, SyntheticBook, "$.book")
    chunk = _check.count(chunk, "$.chunk", maximum=MAX_CHUNKS - 1)
    renamed: dict[str, dict[str, npt.NDArray[Any]]] = {}
    for name, table in book.tables().items():
        columns = dict(table)
        for column in ("claim_id", "item_id"):
            if column in columns:
                columns[column] = _prefixed(columns[column], chunk)
        renamed[name] = columns
    return renamed


def _prefixed(ids: npt.NDArray[np.str_], chunk: int) -> npt.NDArray[np.str_]:
    """``X123`` -> ``X00003-123``: the chunk number after the letter, built from code points."""
    n, width = ids.size, ids.dtype.itemsize // 4
    if not n or not width:
        return ids
    codes = np.ascontiguousarray(ids).view(np.uint32).reshape(n, width)
    out = np.empty((n, width + 6), dtype=np.uint32)
    out[:, 0] = codes[:, 0]
    out[:, 1:7] = np.frombuffer(f"{chunk:05d}-".encode("utf-32-le"), dtype=np.uint32)
    out[:, 7:] = codes[:, 1:]
    renamed: npt.NDArray[np.str_] = out.view(f"<U{width + 6}").reshape(n)
    return renamed


def _files(_: object, __: attrs.Attribute[Any], value: object) -> None:
    """A dict of table name to a tuple of paths."""
    mapping = _check.instance(value, dict, "$.files", "a dict of table name to a tuple of paths")
    for name, paths in mapping.items():
        _check.one_of(name, PARQUET_TABLES, "$.files")
        _check.tuple_of(paths, Path, f"$.files.{name}")


def _rows(_: object, __: attrs.Attribute[Any], value: object) -> None:
    """A dict of table name to a row count."""
    mapping = _check.instance(value, dict, "$.rows", "a dict of table name to a row count")
    for name, count in mapping.items():
        _check.one_of(name, PARQUET_TABLES, "$.rows")
        _check.count(count, f"$.rows.{name}")


@attrs.frozen(kw_only=True)
class ParquetLedger:
    """A synthetic ledger written as Parquet by :func:`write_parquet`.

    Args:
        directory: Where it was written; each table is the directory ``directory/<table>``.
        files: The part files of each table, in chunk order.
        rows: The rows written, per table.
        chunks: How many chunks were written.
        chunk_claims: Claims with a date of service in the book, per chunk.
        seed: The ledger's seed (chunk ``k`` has seed :func:`chunk_seed` ``(seed, k)``).
        start: The book's first day.
        weeks: The book's length in weeks.
        target: The transactions asked for (``rows["transactions"]`` is at least this).

    >>> ParquetLedger(directory=Path("d"), files={}, rows={"transactions": 9}, chunks=1,
    ...     chunk_claims=2, seed=7, start=DEFAULT_START, weeks=1, target=5)
    ParquetLedger('d', chunks=1 of 2 claims, seed=7, 2026-05-04 + 1 weeks, rows: transactions=9)
    """

    directory: Path = attrs.field(validator=v.instance(Path))
    files: dict[str, tuple[Path, ...]] = attrs.field(validator=_files)
    rows: dict[str, int] = attrs.field(validator=_rows)
    chunks: int = attrs.field(converter=as_int, validator=v.count(maximum=MAX_CHUNKS))
    chunk_claims: int = attrs.field(converter=as_int, validator=v.count(minimum=1, maximum=MAX_CLAIMS))
    seed: int = attrs.field(converter=as_int, validator=v.count(maximum=MAX_SEED))
    start: datetime.date = attrs.field(validator=v.date())
    weeks: int = attrs.field(converter=as_int, validator=v.count(minimum=1))
    target: int = attrs.field(converter=as_int, validator=v.count(minimum=1))

    def glob(self, table: str) -> str:
        """The glob of one table's part files, as DuckDB's ``read_parquet`` or Spark take it.

        Raises:
            ValidationError: ``table`` is not one of :data:`PARQUET_TABLES`.

        >>> ParquetLedger(directory=Path("d"), files={}, rows={}, chunks=0, chunk_claims=1, seed=7,
        ...     start=DEFAULT_START, weeks=1, target=1).glob("transactions")
        'd/transactions/*.parquet'
        """
        table = _check.one_of(table, PARQUET_TABLES, "$.table")
        return str(self.directory / table / "*.parquet")

    def __repr__(self) -> str:
        rows = ", ".join(f"{name}={count:,}" for name, count in self.rows.items())
        return (
            f"ParquetLedger({str(self.directory)!r}, chunks={self.chunks} of {self.chunk_claims:,} claims,"
            f" seed={self.seed}, {self.start} + {self.weeks} weeks, rows: {rows})"
        )


def write_parquet(
    directory: str | os.PathLike[str],
    *,
    transactions: int,
    seed: int = 7,
    start: datetime.date = DEFAULT_START,
    weeks: int = 26,
    chunk_claims: int = DEFAULT_CHUNK_CLAIMS,
    payers: tuple[Payer, ...] | None = None,
    error_rates: Mapping[str, float] | None = None,
) -> ParquetLedger:
    """Write a synthetic ledger of at least ``transactions`` transactions as Parquet, chunk by chunk.

    Chunk ``k`` is :func:`~comanaged_rcm.synthetic.generate_book` with seed
    :func:`chunk_seed` ``(seed, k)``, ``chunk_claims`` claims and the other arguments as given,
    its ids renamed by :func:`rename_chunk` (``C00003-0000017``). Whole chunks are written until
    the transactions reach ``transactions``: the ledger holds at least that many and fewer than
    that many plus the last chunk's; no claim's history is cut. One chunk is in memory at a time.

    Each table is a directory of part files, one per chunk: ``directory/transactions/part-00000.parquet``,
    ``directory/submissions/...``, ``directory/work_items/...``, so that
    ``read_parquet('directory/transactions/*.parquet')`` reads one table. The columns are the
    book's (:meth:`~comanaged_rcm.synthetic.SyntheticBook.tables`), named and typed as the KPI
    schema (:data:`comanaged_rcm.kpi.SCHEMAS`) says: dates as Parquet ``DATE``, money as
    ``double``, counts as ``int64``, flags as ``boolean``, text as ``string`` (dictionary
    encoded by Parquet where that pays); missing dates and empty nullable text
    (``write_off_reason``, ``carc``) are null. Files are compressed with zstd. The same arguments
    and pyarrow version write the same bytes.

    All or nothing: the part files are written into a private directory inside ``directory``
    (created with its parents when missing); only when every chunk is written are the three table
    directories moved into place, each replacing the table directory of an earlier ledger. A
    failure leaves ``directory`` as it was. A table directory holding anything but part files is
    never replaced: it is refused before anything is generated. Other files in ``directory`` are
    never touched.

    Args:
        directory: Where to write (``str`` or ``os.PathLike``).
        transactions: The fewest transactions to write (>= 1).
        seed: The ledger's seed (0 to 2**64 - 1).
        start: The book's first day.
        weeks: The book's length in weeks.
        chunk_claims: Claims per chunk (>= 1; a chunk simulates its run-in's too, within
            generate_book's bound). About 4.6 transactions are written per claim with the defaults.
        payers: The payer mix (default :func:`~comanaged_rcm.synthetic.default_payers`).
        error_rates: The QA truth of each chunk's book; validated and passed on, it changes no
            file (the ledger holds no QA table).

    Returns:
        The ledger: its directory, part files, rows per table and chunks.

    Raises:
        ValidationError: An argument is out of range (naming it, ``$.transactions``...); a
            table's directory holds other files or a file is in its way (``$.directory``); or the
            target needs more than :data:`MAX_CHUNKS` chunks.
        RCMError: pyarrow is not installed (``pip install 'comanaged-rcm[arrow]'``).
        OSError: Writing failed; ``directory`` is unchanged.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as directory:
    ...     ledger = write_parquet(directory, transactions=600, chunk_claims=100)
    ...     sorted(p.name for p in Path(directory).iterdir()), ledger.chunks
    (['submissions', 'transactions', 'work_items'], 2)
    """
    target = _check.count(transactions, "$.transactions", minimum=1)
    seed = _check.count(seed, "$.seed", maximum=MAX_SEED)
    chunk_claims = _check.count(chunk_claims, "$.chunk_claims", minimum=1, maximum=MAX_CLAIMS)
    folder = Path(_check.text(_io.check_path(directory, "$.directory"), "$.directory", maximum=4096))
    pa, pq = _arrow()
    try:  # the chunks' books are checked before anything is generated or written
        BookParameters(
            seed=0, claims=chunk_claims, start=start, weeks=weeks,
            payers=default_payers() if payers is None else payers,
        )  # fmt: skip
        QATruth(error_rates=QA_ERROR_RATES if error_rates is None else error_rates)
    except ValidationError as exc:  # the chunk's claims are this function's chunk_claims
        raise ValidationError(
            [
                Issue(re.sub(r"^\$\.claims\b", "$.chunk_claims", i.path), i.code, i.message.replace(
                    "'claims'", "'chunk_claims'"))
                for i in exc.issues
            ]
        ) from None
    _check_in_the_way(folder)
    with _io.staged(folder) as stage:  # creates ``folder``; removes it again on failure
        work = Path(tempfile.mkdtemp(dir=stage.directory, prefix=".comanaged-rcm-parquet-"))
        try:
            rows = dict.fromkeys(PARQUET_TABLES, 0)
            files: dict[str, list[Path]] = {name: [] for name in PARQUET_TABLES}
            for name in PARQUET_TABLES:
                (work / name).mkdir()
            chunk = 0
            while rows["transactions"] < target:
                if chunk == MAX_CHUNKS:
                    _check.fail(
                        "$.transactions",
                        "range",
                        f"'transactions' needs more than {MAX_CHUNKS:,} chunks of {chunk_claims:,} claims"
                        f" (got {target:,}): raise chunk_claims",
                    )
                book = generate_book(
                    seed=chunk_seed(seed, chunk), claims=chunk_claims, start=start, weeks=weeks,
                    payers=payers, error_rates=error_rates,
                )  # fmt: skip
                tables = rename_chunk(book, chunk)
                del book
                for name in PARQUET_TABLES:
                    part = f"part-{chunk:05d}.parquet"
                    table = _to_arrow(pa, name, tables[name])
                    pq.write_table(table, work / name / part, compression="zstd")
                    rows[name] += table.num_rows
                    files[name].append(folder / name / part)
                del tables, table
                chunk += 1
            _swap(work, folder)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return ParquetLedger(
        directory=folder,
        files={name: tuple(paths) for name, paths in files.items()},
        rows=rows,
        chunks=chunk,
        chunk_claims=chunk_claims,
        seed=seed,
        start=start,
        weeks=weeks,
        target=target,
    )


def _arrow() -> tuple[ModuleType, ModuleType]:
    """The modules ``pyarrow`` and ``pyarrow.parquet``, or the RCMError naming the extra."""
    try:  # optional: imported only when writing Parquet
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise RCMError(f"writing Parquet needs pyarrow, an optional dependency: {ARROW_EXTRA}") from None


def _to_arrow(pa: ModuleType, table: str, columns: Mapping[str, npt.NDArray[Any]]) -> Any:  # noqa: ANN401
    """One table as a pyarrow Table: the schema's types, nulls where the book has missing cells."""
    arrays = {}
    for name, values in columns.items():
        kind = values.dtype.kind
        if kind == "M":
            days = values.astype("datetime64[D]")
            missing = np.isnat(days)
            arrays[name] = pa.array(days, type=pa.date32(), mask=missing if missing.any() else None)
        elif kind == "U":
            arrays[name] = _text(pa, values, nullable=(table, name) in _NULLABLE)
        elif kind == "f":
            arrays[name] = pa.array(values, type=pa.float64())
        elif kind in "iu":
            arrays[name] = pa.array(values, type=pa.int64())
        else:
            arrays[name] = pa.array(values, type=pa.bool_())
    return pa.table(arrays)


def _text(pa: ModuleType, values: npt.NDArray[np.str_], *, nullable: bool) -> Any:  # noqa: ANN401
    """A text column as an Arrow ``string`` array; empty cells are null when ``nullable``.

    Few distinct values (payers, types) are converted once each; the ids, fixed-width ASCII, are
    handed to Arrow as one buffer.
    """
    n, width = values.size, values.dtype.itemsize // 4
    codes = np.ascontiguousarray(values).view(np.uint32).reshape(n, width) if n and width else None
    if codes is not None and codes.max() < 128 and bool(np.all(codes[:, -1] != 0)):  # fixed-width ASCII
        offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32 if n * width < 2**31 else np.int64)
        kind = pa.string() if offsets.dtype == np.int32 else pa.large_string()
        data = codes.astype(np.uint8)
        array = pa.Array.from_buffers(kind, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
        return array.cast(pa.string()) if kind != pa.string() else array
    distinct, inverse = np.unique(values, return_inverse=True)
    dictionary = pa.array(distinct, type=pa.string())
    if nullable and distinct.size and distinct[0] == "":
        dictionary = pa.array(distinct, type=pa.string(), mask=distinct == "")
    indices = pa.array(inverse.reshape(-1).astype(np.int32))
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


def _check_in_the_way(folder: Path) -> None:
    """Refuse a table directory that is not one an earlier ledger wrote (part files only)."""
    for name in PARQUET_TABLES:
        target = folder / name
        if not os.path.lexists(target):
            continue
        if target.is_symlink() or not target.is_dir():
            message = f"a file is in the way of the table directory {str(target)!r}"
            _check.fail("$.directory", "exists", message)
        others = sorted(p.name for p in target.iterdir() if not (_PART.match(p.name) and p.is_file()))
        if others:
            _check.fail(
                "$.directory",
                "exists",
                f"the table directory {str(target)!r} holds other files than a ledger's part files"
                f" ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}): move them or write"
                " elsewhere",
            )


def _swap(work: Path, folder: Path) -> None:
    """Move the staged table directories into ``folder``, replacing earlier ones; all or nothing."""
    _check_in_the_way(folder)  # again: the files may have changed while the chunks were generated
    old = work / ".old"
    old.mkdir()
    moved: list[Path] = []  # the table directories moved into place
    saved: dict[Path, Path] = {}  # an earlier ledger's table directory -> where it was put aside
    try:
        for name in PARQUET_TABLES:
            target = folder / name
            if os.path.lexists(target):
                (target).replace(old / name)
                saved[target] = old / name
            (work / name).replace(target)
            moved.append(target)
    except BaseException:
        for target in reversed(moved):
            shutil.rmtree(target, ignore_errors=True)
        for target, aside in saved.items():
            aside.replace(target)
        raise
    _io._fsync_directory(folder)  # noqa: SLF001 - the staging module's own durability step
