"""The exceptions ``comanaged_rcm`` raises, and nothing else.

Every public entry point raises only these for bad input. Each one also subclasses the builtin
that callers already catch (``ValueError``), so ``except ValueError`` keeps working::

    Exception
     └── RCMError                      base of everything the library raises on purpose
          ├── ValidationError          (also ValueError) one or more Issues, each with its path
          ├── ConventionError          (also ValueError) unknown or inconsistent named convention
          ├── RuleSyntaxError          (also ValueError) an expression outside the rule language,
          │                            with line and column
          └── InsufficientDataError    (also ValueError) too little data to compute a figure

A :class:`ValidationError` carries every problem found, never only the first: each
:class:`Issue` has a JSON-pointer-like ``path`` (``$.workflows[2].activities[0].kind``), a stable
``code`` and a ``message`` that says what was expected and what was got.

>>> err = ValidationError([Issue("$.confidence", "range", "must be in (0, 1) (got 1.5)")])
>>> print(err)
1 validation issue: must be in (0, 1) (got 1.5) @ $.confidence
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

__all__ = [
    "ConventionError",
    "InsufficientDataError",
    "Issue",
    "RCMError",
    "RuleSyntaxError",
    "ValidationError",
]


class RCMError(Exception):
    """Base class of every error ``comanaged_rcm`` raises on purpose."""


_MAX_RULE = 1_000_000
"""The longest expression text a :class:`RuleSyntaxError` carries."""

# Characters shown escaped in a path or message: C0 and C1 controls (tab and line feed stay),
# surrogates, bidirectional overrides and isolates, zero-width characters and the byte-order mark.
_ESCAPED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _readable(value: Any) -> Any:  # noqa: ANN401 - a converter takes whatever a caller passed
    """Text with its control and invisible characters escaped; anything else as it is."""
    return _ESCAPED.sub(_escape, value) if isinstance(value, str) else value


def _check_text(value: object, path: str, *, empty: bool = False, maximum: int | None = None) -> None:
    from comanaged_rcm import _check  # noqa: PLC0415 - _check imports this module

    _check.text(
        value, path, empty=empty, multiline=True, maximum=_MAX_MESSAGE if maximum is None else maximum
    )


def _check_prefix(prefix: object) -> None:
    """A path prefix is text of at most :data:`~comanaged_rcm._check.MAX_TEXT` characters."""
    from comanaged_rcm import _check  # noqa: PLC0415 - _check imports this module

    _check_text(prefix, "$.prefix", maximum=_check.MAX_TEXT)


_MAX_MESSAGE = 1_000_000
"""The longest path or message an :class:`Issue` holds (library messages are far shorter)."""


def _text(name: str, *, empty: bool = False) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: the field ``name`` of an :class:`Issue` is text."""
    path = f"$.{name}"

    def validate(_: object, __: object, value: object) -> None:
        _check_text(value, path, empty=empty)

    return validate


def _issues(issues: object) -> tuple[Issue, ...]:
    """The issues of a :class:`ValidationError`: at least one, each an :class:`Issue`.

    A refusal here is itself a :class:`ValidationError` at ``$.issues``; it is built from one
    well-formed Issue, so it cannot recurse.
    """
    if isinstance(issues, str | bytes | Mapping) or not isinstance(issues, Iterable):
        raise ValidationError.single(
            "$.issues", "type", f"'issues' must be an iterable of Issue (got {type(issues).__name__})"
        )
    try:
        items = tuple(issues)
    except RCMError:
        raise
    except Exception as exc:  # noqa: BLE001 - iteration of a foreign object may raise anything
        raise ValidationError.single(
            "$.issues",
            "type",
            f"'issues' must be an iterable of Issue ({type(exc).__name__} while reading it)",
        ) from None
    if not items:
        raise ValidationError.single("$.issues", "empty", "ValidationError needs at least one Issue")
    for i, item in enumerate(items):
        if not isinstance(item, Issue):
            raise ValidationError.single(
                f"$.issues[{i}]", "type", f"'issues[{i}]' must be an Issue (got {type(item).__name__})"
            )
    return items


@attrs.frozen
class Issue:
    r"""One problem with an input: where it is, a stable code, and what is wrong.

    Args:
        path: Where the problem is, rooted at ``$`` (``$.activities[3].letters``).
        code: A short stable identifier (``missing``, ``unknown_key``, ``type``, ``range``...).
        message: What was expected and what was got.

    The three fields are text; control and invisible characters in ``path`` and ``message``
    (which quote what a caller passed) are shown escaped, so an error always prints as one
    readable line:

    >>> str(Issue("$.seed", "type", "expected int (got 'x')"))
    "expected int (got 'x') @ $.seed"
    >>> str(Issue("$.name", "value", "bad name 'a\x00b'"))
    "bad name 'a\\x00b' @ $.name"
    """

    path: str = attrs.field(converter=_readable, validator=_text("path"))
    code: str = attrs.field(validator=_text("code"))
    message: str = attrs.field(converter=_readable, validator=_text("message", empty=True))

    def __str__(self) -> str:
        return f"{self.message} @ {self.path}"

    def under(self, prefix: str) -> Issue:
        """Return this issue re-rooted below ``prefix`` (``$.a`` under ``$.x[1]`` is ``$.x[1].a``).

        >>> Issue("$.kind", "type", "bad").under("$.activities[0]").path
        '$.activities[0].kind'

        Raises:
            ValidationError: ``prefix`` is not a path (``$.prefix``).
        """
        _check_prefix(prefix)
        rest = self.path[1:] if self.path.startswith("$") else f".{self.path}"
        return attrs.evolve(self, path=f"{prefix}{rest}")


class ValidationError(RCMError, ValueError):
    """An input failed validation; :attr:`issues` lists every problem found, in order.

    ``str(error)`` is one line naming each issue with its path, so a command line can print it
    as is.
    """

    issues: tuple[Issue, ...]

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = _issues(issues)
        super().__init__(self._render())

    @classmethod
    def single(cls, path: str, code: str, message: str) -> ValidationError:
        """Build the error for one issue.

        >>> ValidationError.single("$.n", "range", "must be > 0 (got 0)").issues[0].code
        'range'
        """
        return cls([Issue(path, code, message)])

    def under(self, prefix: str) -> ValidationError:
        """Return the same error with every path re-rooted below ``prefix``.

        Raises:
            ValidationError: ``prefix`` is not a path (``$.prefix``).
        """
        _check_prefix(prefix)
        return type(self)(issue.under(prefix) for issue in self.issues)

    def _render(self) -> str:
        count = len(self.issues)
        noun = "issue" if count == 1 else "issues"
        return f"{count} validation {noun}: " + "; ".join(str(i) for i in self.issues)


class ConventionError(RCMError, ValueError):
    """A named convention is unknown, or a combination of conventions is inconsistent."""


class RuleSyntaxError(RCMError, ValueError):
    """An expression is outside the rule language or cannot be parsed.

    Args:
        message: What is wrong, and a suggestion when there is one.
        text: The expression as given.
        line: 1-based line of the offending node.
        column: 1-based column of the offending node.

    Raises:
        ValidationError: An argument is not of its kind (``$.message``, ``$.line``...).

    >>> err = RuleSyntaxError("unknown field 'balanse' (did you mean 'balance'?)",
    ...                       text="balanse > 5", line=1, column=1)
    >>> str(err)
    "unknown field 'balanse' (did you mean 'balance'?) at line 1, column 1"
    """

    def __init__(self, message: str, *, text: str = "", line: int = 1, column: int = 1) -> None:
        from comanaged_rcm import _check  # noqa: PLC0415 - _check imports this module

        self.message = _check.text(message, "$.message", multiline=True)
        self.text = _check.text(text, "$.text", empty=True, multiline=True, maximum=_MAX_RULE)
        self.line = _check.count(line, "$.line", minimum=1)
        self.column = _check.count(column, "$.column", minimum=1)
        super().__init__(f"{message} at line {line}, column {column}")


class InsufficientDataError(RCMError, ValueError):
    """There is too little data to compute the requested figure (an empty population, say)."""
