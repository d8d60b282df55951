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

from collections.abc import Iterable

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


@attrs.frozen
class Issue:
    """One problem with an input: where it is, a stable code, and what is wrong.

    Args:
        path: Where the problem is, rooted at ``$`` (``$.activities[3].letters``).
        code: A short stable identifier (``missing``, ``unknown_key``, ``type``, ``range``...).
        message: What was expected and what was got.

    >>> str(Issue("$.seed", "type", "expected int (got 'x')"))
    "expected int (got 'x') @ $.seed"
    """

    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.message} @ {self.path}"

    def under(self, prefix: str) -> Issue:
        """Return this issue re-rooted below ``prefix`` (``$.a`` under ``$.x[1]`` is ``$.x[1].a``).

        >>> Issue("$.kind", "type", "bad").under("$.activities[0]").path
        '$.activities[0].kind'
        """
        rest = self.path[1:] if self.path.startswith("$") else f".{self.path}"
        return attrs.evolve(self, path=f"{prefix}{rest}")


class ValidationError(RCMError, ValueError):
    """An input failed validation; :attr:`issues` lists every problem found, in order.

    ``str(error)`` is one line naming each issue with its path, so a command line can print it
    as is.
    """

    issues: tuple[Issue, ...]

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues = tuple(issues)
        if not self.issues:
            msg = "ValidationError needs at least one Issue"
            raise ValueError(msg)
        super().__init__(self._render())

    @classmethod
    def single(cls, path: str, code: str, message: str) -> ValidationError:
        """Build the error for one issue.

        >>> ValidationError.single("$.n", "range", "must be > 0 (got 0)").issues[0].code
        'range'
        """
        return cls([Issue(path, code, message)])

    def under(self, prefix: str) -> ValidationError:
        """Return the same error with every path re-rooted below ``prefix``."""
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

    >>> err = RuleSyntaxError("unknown field 'balanse' (did you mean 'balance'?)",
    ...                       text="balanse > 5", line=1, column=1)
    >>> str(err)
    "unknown field 'balanse' (did you mean 'balance'?) at line 1, column 1"
    """

    def __init__(self, message: str, *, text: str = "", line: int = 1, column: int = 1) -> None:
        self.message = message
        self.text = text
        self.line = line
        self.column = column
        super().__init__(f"{message} at line {line}, column {column}")


class InsufficientDataError(RCMError, ValueError):
    """There is too little data to compute the requested figure (an empty population, say)."""
