"""Settings shared by every test: hypothesis profiles.

``ci`` (the default) derandomizes hypothesis, so every run draws the same examples on any
machine, and drops the deadline, so a loaded 2-core machine cannot fail a test by being slow.
``long`` draws many more examples with a fresh seed each run, for fuzzing at leisure:
``pytest -m fuzz --hypothesis-profile=long tests/fuzz``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("long", deadline=None, max_examples=5_000, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def spark() -> Any:
    """A local Spark session (two cores, UTC), or a skip naming what is missing."""
    from tests.engines import spark_session, spark_unavailable  # noqa: PLC0415 - only Spark tests

    reason = spark_unavailable()
    if reason is not None:
        pytest.skip(reason)
    return spark_session()
