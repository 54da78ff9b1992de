"""Each mapping type applied at run time (runs.mapping; SPEC §4.4–§4.5, reference/apa.md §2.5)."""

from __future__ import annotations

import pytest

from runs.expressions import ExpressionError
from runs.mapping import inbound_variables, outbound_variables

VARIABLES = {"movieName": "Alien", "year": 1979, "movieDescription": None}
DECLARED = ["movieName", "year", "movieDescription"]
OUTPUTS = {"movieDescription": "A crew meets a monster", "rating": 9}


def test_no_mapping_sends_nothing_and_writes_nothing():
    assert inbound_variables(None, None, VARIABLES) == {}
    assert outbound_variables(None, OUTPUTS, DECLARED) == {}


def test_dont_map_sends_nothing_and_writes_nothing():
    dont = {"inputs": {}, "outputs": {}}
    assert inbound_variables(dont, None, VARIABLES) == {}
    assert outbound_variables(dont, OUTPUTS, DECLARED) == {}


def test_map_all_sends_every_variable_and_writes_every_output():
    mapping = {"mappingType": "MAP_ALL"}
    assert inbound_variables(mapping, None, VARIABLES) == VARIABLES
    assert outbound_variables(mapping, OUTPUTS, DECLARED) == OUTPUTS  # rating is created


def test_map_all_inputs_only_sends():
    mapping = {"mappingType": "MAP_ALL_INPUTS"}
    assert inbound_variables(mapping, None, VARIABLES) == VARIABLES
    assert outbound_variables(mapping, OUTPUTS, DECLARED) == {}


def test_map_all_outputs_only_writes():
    mapping = {"mappingType": "MAP_ALL_OUTPUTS"}
    assert inbound_variables(mapping, None, VARIABLES) == {}
    assert outbound_variables(mapping, OUTPUTS, DECLARED) == OUTPUTS


def test_explicit_inputs_variable_literal_and_expression():
    mapping = {
        "inputs": {
            "name": {"type": "variable", "value": "movieName"},
            "missing": {"type": "variable", "value": "notAVariable"},
            "limit": {"type": "value", "value": 5},
            "label": {"type": "value", "value": "plain text"},
            "old": {"type": "value", "value": "${year < 1980}"},
            "copy": {"type": "value", "value": "${movieName}"},
            "unmapped": {},
        }
    }
    assert inbound_variables(mapping, None, VARIABLES) == {
        "name": "Alien",
        "limit": 5,
        "label": "plain text",
        "old": True,
        "copy": "Alien",
    }


def test_an_input_expression_over_an_unknown_variable_fails():
    mapping = {"inputs": {"x": {"type": "value", "value": "${nope == 1}"}}}
    with pytest.raises(ExpressionError, match="unknown variable 'nope'"):
        inbound_variables(mapping, None, VARIABLES)


def test_constants_are_sent_whatever_the_mapping():
    constants = {"apiVersion": {"value": "2"}, "region": {"value": "eu"}}
    assert inbound_variables(None, constants, VARIABLES) == {"apiVersion": "2", "region": "eu"}
    assert inbound_variables({"mappingType": "MAP_ALL"}, constants, {"a": 1}) == {
        "a": 1,
        "apiVersion": "2",
        "region": "eu",
    }
    mapping = {"inputs": {"apiVersion": {"type": "value", "value": "1"}}}
    assert inbound_variables(mapping, constants, VARIABLES)["apiVersion"] == "2"


def test_explicit_outputs_write_declared_variables_only():
    mapping = {
        "outputs": {
            "movieDescription": {"type": "variable", "value": "movieDescription"},
            "year": {"type": "value", "value": 2000},
            "undeclared": {"type": "variable", "value": "rating"},
            "movieName": {"type": "variable", "value": "notSent"},
        }
    }
    assert outbound_variables(mapping, OUTPUTS, DECLARED) == {
        "movieDescription": "A crew meets a monster",
        "year": 2000,
    }
