"""Engines the pushdown tests run on: DuckDB in process, Spark in local mode.

``spark_session()`` starts one local Spark session per test process (two cores, no UI, UTC) and
returns it, or ``None`` with the reason when PySpark or a Java runtime is missing; the ``spark``
fixture in ``tests/conftest.py`` skips with that reason.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np

SPARK_MISSING_JAVA = "Spark needs a Java runtime (none found on PATH or JAVA_HOME)"
SPARK_MISSING = "PySpark is not installed (pip install comanaged-rcm[spark])"


def spark_unavailable() -> str | None:
    """Why Spark cannot run here, or ``None`` when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return SPARK_MISSING
    home = os.environ.get("JAVA_HOME")
    if shutil.which("java") is None and not (home and (Path(home) / "bin" / "java").exists()):
        return SPARK_MISSING_JAVA
    return None


@functools.cache
def spark_session() -> Any:
    """One local Spark session for the test process (``None`` when Spark cannot run here)."""
    if spark_unavailable() is not None:
        return None
    from pyspark.sql import SparkSession  # noqa: PLC0415 - optional, only when Spark runs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (
            SparkSession.builder.master("local[2]")
            .appName("comanaged_rcm-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    return session


DATE_COLUMNS = frozenset(
    {"service_date", "posting_date", "billed_date", "submitted_date", "adjudicated_date"}
    | {"opened", "closed", "month"}
)
NULLABLE_TEXT = frozenset({"write_off_reason", "carc"})


def polars_frame(columns: dict[str, Any]) -> Any:
    """Columns as a polars frame typed as a warehouse holds them: dates, nulls for missing text."""
    import polars as pl  # noqa: PLC0415 - a test dependency of the engine tests

    data = {}
    for name, values in columns.items():
        array = np.asarray(values)
        if name in DATE_COLUMNS:
            data[name] = pl.Series(name, array.astype("datetime64[D]")).cast(pl.Date)
        elif name in NULLABLE_TEXT:
            data[name] = pl.Series(name, array.tolist()).replace("", None)
        else:
            data[name] = pl.Series(name, array)
    return pl.DataFrame(data)
