"""The exception hierarchy and findings."""

from __future__ import annotations

import pytest

from comanaged_rcm.errors import (
    ConventionError,
    InsufficientDataError,
    Issue,
    RCMError,
    RuleSyntaxError,
    ValidationError,
)
from comanaged_rcm.findings import Finding, Severity, errors_only, raise_for_findings


class TestHierarchy:
    @pytest.mark.parametrize(
        "cls", [ValidationError, ConventionError, RuleSyntaxError, InsufficientDataError]
    )
    def test_every_error_is_an_rcm_error_and_a_value_error(self, cls: type[Exception]) -> None:
        """Callers catch either the library base or the builtin they already know."""
        assert issubclass(cls, RCMError)
        assert issubclass(cls, ValueError)


class TestValidationError:
    def test_lists_every_issue_with_its_path(self) -> None:
        """The message names each issue and its path, on one line."""
        err = ValidationError(
            [Issue("$.a", "type", "expected int (got 'x')"), Issue("$.b[1]", "missing", "required")]
        )
        assert str(err) == "2 validation issues: expected int (got 'x') @ $.a; required @ $.b[1]"
        assert [i.path for i in err.issues] == ["$.a", "$.b[1]"]
        assert "\n" not in str(err)

    def test_needs_at_least_one_issue(self) -> None:
        """An empty error would hide the problem, so it is refused."""
        with pytest.raises(ValueError, match="at least one Issue"):
            ValidationError([])

    def test_under_reroots_every_path(self) -> None:
        """Nested validation reports paths from the document root."""
        err = ValidationError([Issue("$.kind", "value", "bad"), Issue("$", "value", "worse")])
        assert [i.path for i in err.under("$.items[3]").issues] == ["$.items[3].kind", "$.items[3]"]

    def test_under_accepts_relative_paths(self) -> None:
        """A path without the root marker is treated as relative."""
        assert Issue("kind", "value", "bad").under("$.x").path == "$.x.kind"


class TestRuleSyntaxError:
    def test_carries_position(self) -> None:
        """Line and column point at the offending node."""
        err = RuleSyntaxError("attribute access is not allowed", text="a.b", line=1, column=2)
        assert (err.line, err.column, err.text) == (1, 2, "a.b")
        assert str(err).endswith("at line 1, column 2")


class TestFindings:
    def test_raise_for_findings_raises_only_for_errors(self) -> None:
        """Warnings never raise; errors become one ValidationError coded by rule id."""
        warning = Finding("R-2", Severity.WARNING, "$.x", "look")
        error = Finding("R-1", Severity.ERROR, "$.y", "fix")
        raise_for_findings([warning])
        with pytest.raises(ValidationError) as info:
            raise_for_findings([warning, error, error])
        assert [(i.code, i.path) for i in info.value.issues] == [("R-1", "$.y"), ("R-1", "$.y")]
        assert errors_only([warning, error]) == [error]
        assert not warning.is_error
