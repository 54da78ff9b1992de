"""Name rules of SPEC §3 (DNS-1035 labels of at most 26 characters).

Pure module: no Django import.
"""

from __future__ import annotations

import re

from modeler.problems import Problem

MAX_NAME_LENGTH = 26
DNS_NAME = re.compile(r"^[a-z]([-a-z0-9]{0,24}[a-z0-9])?$")
# The same rule without the length, so that a name only too long is told just that.
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


def dns_name_problems(name: object, kind: str = "") -> list[Problem]:
    """Problems of a project, connector or model name; empty when the name is valid."""
    label = f"The {kind} name" if kind else "The name"
    validator = "Name validator"
    if name is None:
        return [
            Problem("The name is required", f"{label} is required", validator, error_code="field.required")
        ]
    if not isinstance(name, str):
        return [Problem("The name must be a string", f"{label} must be a string", validator)]
    if not name.strip():
        return [
            Problem(
                "The name cannot be empty", f"{label} cannot be empty", validator, error_code="field.empty"
            )
        ]
    problems = []
    if len(name) > MAX_NAME_LENGTH:
        problems.append(
            Problem(
                "The name length cannot be greater than 26",
                f"{label} length cannot be greater than {MAX_NAME_LENGTH}: '{name[:60]}'",
                validator,
                error_code="length.greater",
            )
        )
    if not _DNS_LABEL.fullmatch(name):
        problems.append(
            Problem(
                "The name is not a valid DNS name",
                f"{label} should follow DNS-1035 conventions: it must consist of lower case "
                f"alphanumeric characters or '-', and must start and end with an alphanumeric "
                f"character: '{name[:60]}'",
                "DNS name validator",
                error_code="regex.mismatch",
            )
        )
    return problems
