"""The checked plans runs.services keeps: one per content and extensions, a few kept."""

from __future__ import annotations

import copy

from runs import services
from tests.runs import processes as p


def test_a_plan_is_shared_by_the_same_content_and_extensions_only(monkeypatch):
    monkeypatch.setattr(services, "_plans", type(services._plans)())
    seed = services._plan(p.SEED, p.SEED_EXTENSIONS)
    assert services._plan(p.SEED, copy.deepcopy(p.SEED_EXTENSIONS)) is seed
    other_variables = p.extensions(variables=[p.variable("movieName")])
    changed = services._plan(p.SEED, other_variables)
    assert changed is not seed and set(changed.variables) == {"movieName"}
    renamed = services._plan(p.SEED.replace(b'name="look up"', b'name="find it"'), p.SEED_EXTENSIONS)
    assert renamed is not seed and renamed.names["Task_1"] == "find it"


def test_the_least_recently_used_plan_goes_first(monkeypatch):
    monkeypatch.setattr(services, "_plans", type(services._plans)())
    monkeypatch.setattr(services, "PLANS_KEPT", 2)
    seed = services._plan(p.SEED, p.SEED_EXTENSIONS)
    routed = services._plan(p.ROUTED, p.ROUTED_EXTENSIONS)
    assert services._plan(p.SEED, p.SEED_EXTENSIONS) is seed  # used again: kept
    services._plan(p.NESTED, p.NESTED_EXTENSIONS)
    assert services._plan(p.SEED, p.SEED_EXTENSIONS) is seed
    assert services._plan(p.ROUTED, p.ROUTED_EXTENSIONS) is not routed  # dropped, checked again
