"""Domain problems and the errors that carry them.

Pure module: no Django import. Services and pure domain modules raise these; the API error
handler turns them into the error shape of SPEC §6 and the HTML views show their messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import islice

# Every list of problems a request collects or answers is cut here (RELIABILITY.md: collecting
# every JSON Schema error of a hostile 1 MiB document took a minute and 1.4 GB).
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One validation finding, in the shape of APA's ModelValidationError."""

    problem: str
    description: str = ""
    validator_set_name: str = ""
    warning: bool = False
    error_code: str = "validation_failed"
    reference_id: str | None = None
    hidden: int = 0  # on a "more problems not shown" row: how many it stands for (never sent)

    def as_json(self) -> dict:
        data = asdict(self)
        return {
            "problem": data["problem"],
            "description": data["description"] or data["problem"],
            "validatorSetName": data["validator_set_name"],
            "warning": data["warning"],
            "errorCode": data["error_code"],
            "referenceId": data["reference_id"],
        }


def more_problems(count: int, *, warning: bool) -> Problem:
    """The last row of a cut list: how many problems were left out (a warning if all of them are)."""
    return Problem(
        f"{count} more problems not shown",
        f"Only the first {MAX_PROBLEMS} problems are listed; at least {count} more were found. "
        "Fix these and validate again.",
        warning=warning,
        error_code="too_many_problems",
        hidden=count,
    )


def capped(problems: Iterable[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """At most `limit` problems, plus one row counting the rest; reads at most 10 × limit items.

    Taking from an iterator stops the work that produces problems, so a hostile document costs
    no more than `10 × limit` findings; past that the count is a lower bound ("at least N"). A
    list cut before may be cut again (or joined to another): its last row keeps its count.
    """
    iterator = iter(problems)
    kept = list(islice(iterator, limit))
    rest = list(islice(iterator, 9 * limit))
    if rest:
        count = sum(problem.hidden or 1 for problem in rest)
        kept.append(more_problems(count, warning=all(problem.warning for problem in rest)))
    return kept


@dataclass
class ModelingError(Exception):
    """A refused request: an HTTP status, a message and the problems behind it."""

    message: str
    problems: list[Problem] = field(default_factory=list)
    status: int = 400
    error_code: str = "validation_failed"

    def __post_init__(self) -> None:
        super().__init__(self.message)
        self.problems = capped(self.problems)  # the last guard: no refusal answers an unbounded list

    def __str__(self) -> str:
        return self.message


class ValidationFailed(ModelingError):
    """Content or input that breaks a rule (400)."""


class Conflict(ModelingError):
    """A name already taken (409)."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message, problems or [], 409, "name_conflict")


class VersionConflict(ModelingError):
    """A write based on a stale version (412)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], 412, "version_conflict")


class NotFound(ModelingError):
    """Something named in the request does not exist or is not visible (404)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], 404, "not_found")
