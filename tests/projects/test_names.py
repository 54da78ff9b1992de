"""Name rules of SPEC §3: each problem is reported once, for what is really wrong."""

from __future__ import annotations

import pytest

from projects.names import dns_name_problems


@pytest.mark.parametrize(
    "name, problems",
    [
        ("a" * 26, []),
        ("a" * 27, ["The name length cannot be greater than 26"]),  # long, but otherwise a DNS name
        ("Upper", ["The name is not a valid DNS name"]),
        ("-x", ["The name is not a valid DNS name"]),
        ("x" * 27 + "-", ["The name length cannot be greater than 26", "The name is not a valid DNS name"]),
        (" ", ["The name cannot be empty"]),
    ],
)
def test_each_name_problem_once(name, problems):
    assert [p.problem for p in dns_name_problems(name)] == problems
