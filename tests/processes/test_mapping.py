"""The pure extensions module: schema, automatic mapping, checks and the stable file."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from modeler.problems import MAX_PROBLEMS, ValidationFailed
from processes import bpmn, mapping
from tests.processes.conftest import BPMN_FIXTURES, extensions_with, process_xml, variable

MOVIES = mapping.Action(
    "movies.getMovieDesc",
    (mapping.Parameter("movieName", "string", True),),
    (mapping.Parameter("movieDescription", "string"),),
)
CATALOG = {MOVIES.implementation: MOVIES}
VARIABLES = (variable("movieName", required=True), variable("movieDescription"))


def outline(tasks=None, **kwargs):
    return bpmn.read_bpmn(process_xml(tasks, **kwargs))


def test_automatic_rows_for_identical_names():
    completed = mapping.complete_extensions(outline(), extensions_with(*VARIABLES), CATALOG, {})
    assert completed["Process_movies"]["mappings"] == {
        "Task_1": {
            "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
            "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
        }
    }


def test_no_entry_is_written_when_no_name_matches():
    completed = mapping.complete_extensions(outline(), extensions_with(variable("title")), CATALOG, {})
    assert completed["Process_movies"]["mappings"] == {}


def test_unknown_implementation_gets_no_rows_and_a_problem():
    bpmn_outline = outline({"Task_1": "movies.nope"})
    completed = mapping.complete_extensions(bpmn_outline, extensions_with(*VARIABLES), CATALOG, {})
    assert completed["Process_movies"]["mappings"] == {}
    problems = mapping.check_extensions(bpmn_outline, completed, CATALOG)
    assert [(p.problem, p.reference_id) for p in problems] == [
        ("Invalid service implementation on service 'Task_1'", "Task_1")
    ]


def test_implementation_change_keeps_rows_of_the_new_action_only():
    other = mapping.Action(
        "ratings.rate", (mapping.Parameter("movieName", "string"),), (mapping.Parameter("score", "integer"),)
    )
    extensions = extensions_with(
        *VARIABLES,
        variable("score", "integer"),
        mappings={
            "Task_1": {
                "inputs": {"movieName": {"type": "value", "value": "Alien"}},
                "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
            }
        },
    )
    completed = mapping.complete_extensions(
        outline({"Task_1": "ratings.rate"}),
        extensions,
        {**CATALOG, "ratings.rate": other},
        {"Task_1": "movies.getMovieDesc"},
    )
    assert completed["Process_movies"]["mappings"]["Task_1"] == {
        "inputs": {"movieName": {"type": "value", "value": "Alien"}},
        "outputs": {"score": {"type": "variable", "value": "score"}},
    }


def test_same_implementation_keeps_a_user_edit():
    extensions = extensions_with(
        *VARIABLES, mappings={"Task_1": {"inputs": {"movieName": {"type": "value", "value": "X"}}}}
    )
    completed = mapping.complete_extensions(outline(), extensions, CATALOG, {"Task_1": "movies.getMovieDesc"})
    assert completed["Process_movies"]["mappings"]["Task_1"] == {
        "inputs": {"movieName": {"type": "value", "value": "X"}}
    }


def test_collaboration_gets_one_entry_per_process():
    two_pools = bpmn.read_bpmn((BPMN_FIXTURES / "bpmn-js-two-pools-correlation.bpmn20.xml").read_bytes())
    completed = mapping.complete_extensions(two_pools, {}, CATALOG, {})
    assert list(completed) == ["Process_buyer", "Process_seller"]
    assert completed["Process_buyer"] == {"properties": {}, "mappings": {}, "constants": {}}


def test_check_lists_each_semantic_problem_with_its_element():
    extensions = extensions_with(
        variable("movieName", "integer"),
        variable("count", "integer", value="many"),
        variable("when", "date", value="2026-02-30"),
        variable("loopCounter"),
        variable("2bad"),
        variable("when", "date", var_id="dup"),
        mappings={
            "Task_1": {
                "inputs": {
                    "movieName": {"type": "variable", "value": "movieName"},
                    "ghost": {"type": "value", "value": 1},
                },
                "outputs": {
                    "nowhere": {"type": "variable", "value": "movieDescription"},
                    "count": {"type": "variable", "value": "rating"},
                },
            },
            "Task_gone": {"inputs": {}, "outputs": {}},
        },
    )
    extensions["Process_other"] = {"properties": {}, "mappings": {}, "constants": {}}
    problems = mapping.check_extensions(outline(), extensions, CATALOG)
    found = {(p.problem, p.reference_id, p.warning) for p in problems}
    assert found >= {
        ("Unknown process id in process extensions: Process_other", "Process_other", False),
        (
            "Mismatch value type - count(var-count). Expected type is integer",
            "Process_movies/properties/var-count",
            False,
        ),
        ("Invalid date - when(var-when)", "Process_movies/properties/var-when", False),
        ("Reserved process variable name", "Process_movies/properties/var-loopCounter", False),
        ("Invalid process variable name", "Process_movies/properties/var-2bad", False),
        ("Variable names must be unique", "Process_movies/properties/dup", False),
        ("Unknown task in process extensions: Task_gone", "Task_gone", False),
        ("Unknown inputs connector parameter name in process extensions: ghost", "Task_1", False),
        ("Unknown process variable in process extensions: nowhere", "Task_1", False),
        ("Unknown outputs connector parameter name in process extensions: rating", "Task_1", False),
        (
            "Type mismatch: variable 'movieName' (integer) mapped to parameter 'movieName' (string)",
            "Task_1",
            True,
        ),
    }


def test_required_input_unmapped_unless_map_all():
    dont_map = extensions_with(*VARIABLES, mappings={"Task_1": {"inputs": {}, "outputs": {}}})
    problems = [p.problem for p in mapping.check_extensions(outline(), dont_map, CATALOG)]
    assert problems == ["Required input 'movieName' of movies.getMovieDesc is not mapped on 'Task_1'"]
    map_all = extensions_with(*VARIABLES, mappings={"Task_1": {"mappingType": "MAP_ALL_INPUTS"}})
    assert mapping.check_extensions(outline(), map_all, CATALOG) == []


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("integer", 3, True),
        ("integer", True, False),
        ("integer", "${count + 1}", True),
        ("integer", "${unclosed", False),
        ("boolean", False, True),
        ("boolean", "yes", False),
        ("date", "2026-11-27", True),
        ("date", "27/11/2026", False),
        ("datetime", "2026-11-27T10:00:00Z", True),
        ("datetime", "2026-11-27T10:00:00+01:00", True),
        ("datetime", "tomorrow", False),
        ("json", {"any": ["thing"]}, True),
        ("array", [1, 2], True),
        ("array", {"a": 1}, False),
        ("file", {"id": "x"}, True),
        ("string", 5, False),
        ("integer", "", True),
    ],
)
def test_default_value_matches_its_type(kind, value, ok):
    _, entry = variable("v", kind, value=value)
    assert (mapping.value_problem(entry) is None) is ok


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            {"Process_1": {"properties": {"a": {"id": "a", "name": "x", "required": True}}}},
            "required key [type] not found",
        ),
        (
            {"Process_1": {"mappings": {"Task_1": {"mappingType": "MAP_SOME"}}}},
            "MAP_SOME is not a valid enum value",
        ),
        (
            {"Process_1": {"mappings": {"Task_1": {"inputs": {"a": {"type": "static_value", "value": 1}}}}}},
            "not a valid enum",
        ),
        ({"Process_1": {"colour": {}}}, "extraneous key [colour] is not permitted"),
        (
            {"Process_1": {"constants": {"Task_1": {"c": {"value": 3}}}}},
            "expected type: String, found: Integer",
        ),
        (
            {"id": "process-x", "name": "n", "type": "DECISION", "extensions": {}},
            "DECISION is not a valid enum value",
        ),
        ([], "expected type: JSONObject, found: JSONArray"),
    ],
)
def test_schema_violations_are_refused_with_a_json_path(document, message):
    with pytest.raises(ValidationFailed) as caught:
        mapping.read_extensions(document)
    assert message in caught.value.message
    assert caught.value.problems[0].reference_id.startswith("#")


def test_read_extensions_takes_the_file_or_the_inner_map():
    inner = extensions_with(*VARIABLES)
    assert mapping.read_extensions(inner) == inner
    assert mapping.read_extensions(mapping.wrap("m1", "rank-movie", inner)) == inner


def test_file_has_a_stable_order_and_the_apa_shape():
    extensions = extensions_with(*reversed(VARIABLES))
    first = mapping.extensions_file("m1", "rank-movie", extensions)
    shuffled = json.loads(json.dumps(extensions, sort_keys=True))
    assert mapping.extensions_file("m1", "rank-movie", shuffled) == first
    document = json.loads(first)
    assert list(document) == ["id", "name", "type", "extensions"]
    assert document["id"] == "process-m1"
    properties = document["extensions"]["Process_movies"]["properties"]
    assert [v["name"] for v in properties.values()] == ["movieDescription", "movieName"]
    assert list(properties["var-movieName"]) == ["id", "name", "type", "required"]


# --- the published schema and the checks agree (issue 9) ---------------------------------------

_KEYS = st.sampled_from(
    ["Process_movies", "Task_1", "Event_start", "properties", "mappings", "constants", "movieName", "var-1"]
) | st.text(max_size=12)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def _strategy(node: dict, root: dict) -> st.SearchStrategy:
    """Documents valid against a JSON Schema node, for the subset of draft 7 our schema uses."""
    if "$ref" in node:
        return st.deferred(lambda: _strategy(root["definitions"][node["$ref"].rsplit("/", 1)[-1]], root))
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "string":
        return st.text(min_size=node.get("minLength", 0), max_size=min(node.get("maxLength", 30), 30))
    if kind == "boolean":
        return st.booleans()
    if kind != "object":
        return _JSON
    properties = {key: _strategy(value, root) for key, value in node.get("properties", {}).items()}
    required = set(node.get("required", ()))
    known = st.fixed_dictionaries(
        {key: value for key, value in properties.items() if key in required},
        optional={key: value for key, value in properties.items() if key not in required},
    )
    additional = node.get("additionalProperties", True)
    if additional is False:
        extra = st.just({})
    else:
        values = _strategy(additional, root) if isinstance(additional, dict) else _JSON
        extra = st.dictionaries(_KEYS.filter(lambda key: key not in properties), values, max_size=3)
    documents = st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})
    for key, needed in node.get("dependencies", {}).items():
        documents = documents.filter(lambda d, key=key, needed=needed: key not in d or set(needed) <= set(d))
    return documents


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_strategy(mapping.extensions_schema(), mapping.extensions_schema()))
def test_no_document_the_schema_accepts_is_refused_by_the_checks(document):
    import jsonschema

    validator = jsonschema.Draft7Validator(mapping.extensions_schema())
    assert validator.is_valid(document)  # the strategy makes only valid documents
    extensions = mapping.read_extensions(document)  # never raises for a valid document
    bpmn_outline = outline()
    completed = mapping.complete_extensions(bpmn_outline, extensions, CATALOG, {})
    problems = mapping.check_extensions(bpmn_outline, completed, CATALOG)
    assert all(isinstance(problem, mapping.Problem) for problem in problems)
    assert len(problems) <= MAX_PROBLEMS + 1
    written = json.loads(mapping.extensions_file("m1", "rank-movie", completed))
    assert validator.is_valid(written)  # what we write, the schema (and so the checks) accept
    assert mapping.read_extensions(written) == completed


def _shapes(document) -> set[str]:
    seen = set()
    for entry in (document.get("extensions") or {}).values():
        for declared in (entry.get("properties") or {}).values():
            seen.add("no-required" if "required" not in declared else "required")
            seen.add(declared["type"])
        for row_map in (entry.get("mappings") or {}).values():
            for rows in (row_map.get("inputs") or {}, row_map.get("outputs") or {}):
                seen.update("empty-row" if not row else "row" for row in rows.values())
    if "extensions" not in document:
        seen.add("no-extensions")
    if set(document) & set(mapping.METADATA_KEYS):
        seen.add("metadata")
    return seen


@pytest.mark.parametrize(
    "shape", ["no-required", "required", "content", "empty-row", "row", "no-extensions", "metadata"]
)
def test_the_strategy_reaches_the_interesting_shapes(shape):
    """The property test cannot pass vacuously: its strategy does make each shape of issue 9
    (searched for until found, so the answer does not hang on one run's luck)."""
    found = find(
        _strategy(mapping.extensions_schema(), mapping.extensions_schema()),
        lambda document: shape in _shapes(document),
        settings=settings(
            max_examples=20_000,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # the first one found will do: no shrinking
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert shape in _shapes(found)


def test_check_extensions_is_capped():
    variables = [variable(f"{n}bad") for n in range(1000)]
    problems = mapping.check_extensions(outline(), extensions_with(*variables), CATALOG)
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].error_code == "too_many_problems"
    assert problems[-1].problem == "900 more problems not shown"
