"""Issue 9: every real file a user brings opens. Small fixtures of our own, each showing one construct
real tools write (APA, bpmn-js, Camunda, Trisotech, the OMG MIWG reference models): accepted, stored
with the right problems, or refused, and read back byte-identical."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from lxml import etree

from connectors.models import Implementation
from modeler.problems import MAX_PROBLEMS, ValidationFailed
from processes import bpmn, mapping
from processes.models import ProcessDefinition
from projects.models import Model, ModelVersion
from tests.assertions import assert_refused
from tests.processes.conftest import API, BPMN_FIXTURES, FIXTURES, process_xml

MIWG = BPMN_FIXTURES / "miwg"
EXTENSIONS = FIXTURES / "extensions"
CONNECTORS = FIXTURES / "connectors"
MIWG_FILES = sorted(MIWG.glob("*.bpmn"))

# Element types and attributes the MIWG reference models (bpmn-miwg-test-suite Reference/*.bpmn)
# use; our fixtures in tests/fixtures/bpmn/miwg must hold every one of them.
MIWG_ELEMENTS = {
    # collaborations, lanes, conversations
    "collaboration", "participant", "participantMultiplicity", "messageFlow", "laneSet", "lane",
    "flowNodeRef", "childLaneSet", "conversation", "subConversation", "callConversation",
    "conversationLink", "participantRef", "messageFlowRef",
    # activities
    "task", "userTask", "manualTask", "scriptTask", "script", "businessRuleTask", "sendTask",
    "receiveTask", "serviceTask", "callActivity", "subProcess", "adHocSubProcess", "transaction",
    "standardLoopCharacteristics", "loopCondition", "multiInstanceLoopCharacteristics",
    "loopCardinality", "completionCondition", "potentialOwner", "resourceRef", "rendering",
    "globalUserTask", "resource",
    # gateways and flows
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "complexGateway", "eventBasedGateway",
    "activationCondition", "sequenceFlow", "conditionExpression", "incoming", "outgoing",
    # events and every event definition
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "messageEventDefinition", "timerEventDefinition", "timeDate", "timeCycle", "timeDuration",
    "errorEventDefinition", "escalationEventDefinition", "cancelEventDefinition",
    "compensateEventDefinition", "conditionalEventDefinition", "condition", "linkEventDefinition",
    "signalEventDefinition", "terminateEventDefinition",
    "message", "signal", "error", "escalation",
    # data
    "itemDefinition", "dataObject", "dataObjectReference", "dataState", "dataStore",
    "dataStoreReference", "ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet",
    "dataInputRefs", "dataOutputRefs", "dataInputAssociation", "dataOutputAssociation", "sourceRef",
    "targetRef", "assignment", "from", "to", "transformation", "property", "interface", "operation",
    "inMessageRef",
    # artifacts
    "textAnnotation", "text", "association", "group", "category", "categoryValue", "documentation",
    # diagram interchange
    "BPMNDiagram", "BPMNPlane", "BPMNShape", "BPMNEdge", "BPMNLabel", "BPMNLabelStyle", "Bounds",
    "Font", "waypoint",
}  # fmt: skip
MIWG_ATTRIBUTES = {
    "id", "name", "targetNamespace", "exporter", "exporterVersion", "expressionLanguage",
    "typeLanguage", "isExecutable", "processType", "isClosed", "processRef", "minimum", "maximum",
    "sourceRef", "targetRef", "messageRef", "categoryValueRef", "value", "associationDirection",
    "completionQuantity", "startQuantity", "isForCompensation", "implementation", "scriptFormat",
    "operationRef", "instantiate", "testBefore", "loopMaximum", "isSequential", "behavior",
    "calledElement", "triggeredByEvent", "ordering", "cancelRemainingInstances", "method", "default",
    "gatewayDirection", "eventGatewayType", "isImmediate", "language", "isInterrupting",
    "parallelMultiple", "cancelActivity", "attachedToRef", "signalRef", "errorRef", "errorCode",
    "escalationRef", "escalationCode", "activityRef", "waitForCompletion", "structureRef",
    "itemKind", "isCollection", "itemRef", "itemSubjectRef", "dataObjectRef", "dataStoreRef",
    "capacity", "isUnlimited", "textFormat", "implementationRef", "calledCollaborationRef",
    "bpmnElement", "isHorizontal", "isExpanded", "labelStyle", "messageVisibleKind",
    "sourceElement", "targetElement", "resolution", "documentation", "x", "y", "width", "height",
    "size", "isBold", "isItalic", "isUnderline", "isStrikeThrough",
    "{http://www.w3.org/2001/XMLSchema-instance}type",
}  # fmt: skip


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _codes(problems) -> list[tuple[str, bool]]:
    return [(problem.error_code, problem.warning) for problem in problems]


# --- pure: what each construct gives -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing-target-namespace.bpmn", [("xsd_invalid", False)]),
        ("plane-names-old-process-id.bpmn", [("dangling_diagram_reference", True)]),
        ("imported-namespace-reference.bpmn", []),
        ("compensation.bpmn", []),
        ("link-events.bpmn", []),
        ("ad-hoc-sub-process.bpmn", []),
    ],
)
def test_each_bpmn_construct_is_stored_with_its_problems(name, expected):
    assert _codes(bpmn.read_bpmn(_read(BPMN_FIXTURES / name)).problems) == expected


def test_a_missing_target_namespace_is_an_error_with_its_line():
    [problem] = bpmn.read_bpmn(_read(BPMN_FIXTURES / "missing-target-namespace.bpmn")).problems
    assert problem.description.startswith("line 2: ")
    assert "'targetNamespace' is required but missing" in problem.description


def test_a_plane_naming_an_old_process_id_is_a_warning_naming_it():
    [problem] = bpmn.read_bpmn(_read(BPMN_FIXTURES / "plane-names-old-process-id.bpmn")).problems
    assert problem.warning and problem.reference_id == "Plane_1"
    assert problem.description.startswith("line 13: bpmnElement 'Process_old' does not name an element")


def test_a_reference_into_an_imported_namespace_is_not_dangling_but_a_local_one_is_checked():
    content = _read(BPMN_FIXTURES / "imported-namespace-reference.bpmn")
    assert bpmn.read_bpmn(content).problems == []
    broken = content.replace(b'processRef="tns:Process_order"', b'processRef="tns:Process_gone"')
    [problem] = bpmn.read_bpmn(broken).problems
    assert (problem.error_code, problem.warning) == ("dangling_reference", False)
    assert "processRef 'Process_gone'" in problem.description
    # a prefix that is not an imported namespace is no excuse either
    unknown = content.replace(b'processRef="lunch:Process_lunch"', b'processRef="tns:Process_lunch"')
    assert _codes(bpmn.read_bpmn(unknown).problems) == [("dangling_reference", False)]


@pytest.mark.parametrize("path", MIWG_FILES, ids=[path.name for path in MIWG_FILES])
def test_miwg_style_files_have_no_problem_at_all(path):
    outline = bpmn.read_bpmn(_read(path))
    assert outline.processes
    assert outline.problems == []


def test_miwg_style_fixtures_cover_every_element_and_attribute_of_the_reference_models():
    elements: set[str] = set()
    attributes: set[str] = set()
    for path in MIWG_FILES:
        for element in bpmn.parse_xml(_read(path)).iter(etree.Element):
            elements.add(etree.QName(element).localname)
            attributes.update(element.attrib)
    assert MIWG_ELEMENTS - elements == set()
    assert MIWG_ATTRIBUTES - attributes == set()


@pytest.mark.parametrize(
    ("name", "code", "text"),
    [
        ("", "process_name", "has no name"),
        ('name=""', "process_name", "has a blank name"),
        ('name="   "', "process_name", "has a blank name"),
        ('name="' + "n" * 27 + '"', "process_name", "27 characters long"),
    ],
)
def test_process_names_are_checked(name, code, text):
    content = process_xml().replace(b'name="rank movie"', name.encode())
    problems = [p for p in bpmn.read_bpmn(content).problems if p.error_code == code]
    assert [(p.warning, p.reference_id) for p in problems] == [(False, "Process_movies")]
    assert text in problems[0].description


def test_a_26_character_process_name_is_fine():
    content = process_xml().replace(b'name="rank movie"', b'name="' + b"n" * 26 + b'"')
    assert bpmn.read_bpmn(content).problems == []


@pytest.mark.parametrize(
    ("content", "code", "text"),
    [
        (process_xml().replace(b"</bpmn2:process>", b"</bpmn2:proces>"), "xml_malformed", "line "),
        (
            b'<!DOCTYPE d>\n<d xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
            "doctype_forbidden",
            "DOCTYPE",
        ),
        (
            b'<process xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p"/>',
            "not_bpmn",
            "found <process>",
        ),
        (process_xml().replace(b'id="Event_end"', b'id="Task_1"'), "duplicate_id", "'Task_1' is used twice"),
        (process_xml().replace(b"Process_movies", b"P" * 256), "id_too_long", "process id"),
        (process_xml().replace(b'"Task_1"', b'"' + b"T" * 256 + b'"'), "id_too_long", "256 characters"),
    ],
    ids=["not-well-formed", "doctype", "not-definitions", "duplicate-id", "long-process-id", "long-id"],
)
def test_what_cannot_be_a_bpmn_model_is_refused(content, code, text):
    with pytest.raises(ValidationFailed) as caught:
        bpmn.read_bpmn(content)
    assert caught.value.error_code == code
    assert text in caught.value.message


def test_a_hostile_file_gets_bounded_work_and_a_bounded_list():
    # 170,000 tasks each breaking the XSD, with no flow, in 5 MiB
    tasks = "".join(f'<bpmn2:task id="T{n}" x="1"/>' for n in range(165_000))
    content = process_xml({"Task_1": None}, extra=tasks)
    assert len(content) < 5 * 1024 * 1024
    started = time.perf_counter()
    problems = bpmn.read_bpmn(content).problems
    assert time.perf_counter() - started < 10  # 1.2 s measured; the tree-only XSD pass took minutes
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1].error_code == "too_many_problems"
    assert problems[0].error_code == "xsd_invalid"


def test_many_dangling_references_are_capped():
    flows = "".join(f'<bpmn2:sequenceFlow id="F{n}" sourceRef="n{n}" targetRef="m{n}"/>' for n in range(5000))
    problems = bpmn.read_bpmn(process_xml({"Task_1": None}, extra=flows)).problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert {p.error_code for p in problems[:-1]} == {"dangling_reference"}


# --- pure: extensions files as APA writes them -----------------------------------------------

MOVIES = mapping.Action(
    "movies.getMovieDesc",
    (mapping.Parameter("movieName", "string", True),),
    (mapping.Parameter("movieDescription", "string"),),
)


def _save(name: str, process: bytes | None = None):
    """What a save does with the extensions file `name`: read, complete, check."""
    outline = bpmn.read_bpmn(process or process_xml())
    read = mapping.read_extensions(json.loads(_read(EXTENSIONS / name)))
    completed = mapping.complete_extensions(outline, read, {MOVIES.implementation: MOVIES}, {})
    return completed, mapping.check_extensions(outline, completed, {MOVIES.implementation: MOVIES})


def _problem_set(problems) -> set[tuple[str, bool]]:
    return {(problem.problem, problem.warning) for problem in problems}


def test_a_file_without_extensions_key_is_a_process_without_variables():
    completed, problems = _save("no-extensions-key.json")
    assert completed == {"Process_movies": {"properties": {}, "mappings": {}, "constants": {}}}
    assert _problem_set(problems) == {
        ("Required input 'movieName' of movies.getMovieDesc is not mapped on 'Task_1'", False)
    }


def test_the_pre_2020_layout_is_moved_under_the_only_process_with_a_warning():
    completed, problems = _save("pre-2020-layout.json")
    assert completed["Process_movies"]["properties"]["var-movieName"]["value"] == "Alien"
    assert completed["Process_movies"]["mappings"]["Task_1"]["inputs"] == {
        "movieName": {"type": "variable", "value": "movieName"}
    }
    assert list(completed) == ["Process_movies"]  # no process called properties / mappings / constants
    assert _problem_set(problems) == {("Extensions converted from the pre-2020 layout", True)}


def test_the_empty_pre_2020_layout_stores_no_bogus_processes():
    completed, problems = _save("pre-2020-layout-empty.json")
    assert list(completed) == ["Process_movies"]
    assert ("Extensions converted from the pre-2020 layout", True) in _problem_set(problems)
    assert not [p for p in problems if p.problem.startswith("Unknown process id")]


def test_the_pre_2020_layout_at_the_top_of_the_file_is_converted_too():
    completed, problems = _save("pre-2020-layout-top-level.json")
    assert completed["Process_movies"]["properties"]["var-movieName"]["name"] == "movieName"
    assert ("Extensions converted from the pre-2020 layout", True) in _problem_set(problems)


def test_the_pre_2020_layout_with_two_processes_is_kept_and_reported():
    two_pools = _read(BPMN_FIXTURES / "bpmn-js-two-pools-correlation.bpmn20.xml")
    completed, problems = _save("pre-2020-layout.json", two_pools)
    assert completed[mapping.LEGACY_ENTRY]["properties"]["var-movieName"]["value"] == "Alien"
    found = _problem_set(problems)
    assert ("Extensions in the pre-2020 layout could not be bound", True) in found
    assert (f"Unknown process id in process extensions: {mapping.LEGACY_ENTRY}", False) in found


def test_a_variable_key_differing_from_its_id_is_a_warning():
    completed, problems = _save("variable-key-differs-from-id.json")
    assert completed["Process_movies"]["properties"]["movieName"]["id"] == "4e1b8c2d-var"
    found = _problem_set(problems)
    assert ("Process variable key differs from its id", True) in found
    assert ("Process variable key differs from its id", False) not in found


def test_a_variable_without_required_is_not_required_and_the_flag_is_written():
    completed, _ = _save("variable-without-required.json")
    variable = completed["Process_movies"]["properties"]["var-movieName"]
    assert list(variable.items()) == [
        ("id", "var-movieName"),
        ("name", "movieName"),
        ("type", "string"),
        ("required", False),
        ("value", "Alien"),
    ]
    written = json.loads(mapping.extensions_file("m1", "rank-movie", completed))
    assert written["extensions"]["Process_movies"]["properties"]["var-movieName"]["required"] is False


def test_the_variable_type_content_is_accepted():
    completed, problems = _save("variable-type-content.json")
    assert completed["Process_movies"]["properties"]["var-poster"]["type"] == "content"
    assert not [p for p in problems if "poster" in p.description]


def test_an_empty_mapping_row_means_no_mapping():
    completed, problems = _save("empty-mapping-row.json")
    assert completed["Process_movies"]["mappings"]["Task_1"] == {
        "inputs": {"movieName": {}},
        "outputs": {"movieDescription": {}},
    }
    # the required input is unmapped; the empty output row names no connector output
    assert _problem_set(problems) == {
        ("Required input 'movieName' of movies.getMovieDesc is not mapped on 'Task_1'", False)
    }


def test_older_metadata_keys_are_ignored_with_a_warning():
    completed, problems = _save("older-metadata-keys.json")
    assert list(completed) == ["Process_movies"]
    [note] = [p for p in problems if p.problem == "Older metadata keys ignored"]
    assert note.warning
    assert "createdBy, creationDate, lastModifiedBy, lastModifiedDate" in note.description
    assert not [p for p in problems if "extraneous key" in p.description]


def test_an_unknown_top_level_key_is_still_refused():
    document = json.loads(_read(EXTENSIONS / "older-metadata-keys.json")) | {"colour": "red"}
    with pytest.raises(ValidationFailed, match=r"extraneous key \[colour\] is not permitted"):
        mapping.read_extensions(document)


@pytest.mark.parametrize("path", sorted(EXTENSIONS.glob("*.json")), ids=lambda path: path.name)
def test_the_published_schema_accepts_every_current_layout_fixture_and_the_code_reads_all(path):
    import jsonschema

    document = json.loads(_read(path))
    if path.name in ("pre-2020-layout.json", "pre-2020-layout-top-level.json"):
        # the old layout predates the schema: read (with a warning), not described
        assert not jsonschema.Draft7Validator(mapping.extensions_schema()).is_valid(document)
    else:
        jsonschema.Draft7Validator(mapping.extensions_schema()).validate(document)
    assert isinstance(mapping.read_extensions(document), dict)


# --- through the API: stored, round trips, refusals ------------------------------------------


def _import(api, project, file_name: str, content: bytes, type_: str = "PROCESS", **fields):
    return api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": SimpleUploadedFile(file_name, content), "type": type_, **fields},
        format="multipart",
    )


def _counts():
    return (
        Model.objects.count(),
        ModelVersion.objects.count(),
        ProcessDefinition.objects.count(),
        Implementation.objects.count(),
    )


BPMN_CASES = [
    *(BPMN_FIXTURES / name for name in (
        "missing-target-namespace.bpmn", "plane-names-old-process-id.bpmn",
        "imported-namespace-reference.bpmn", "compensation.bpmn", "link-events.bpmn",
        "ad-hoc-sub-process.bpmn",
    )),
    *MIWG_FILES,
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("path", BPMN_CASES, ids=[path.name for path in BPMN_CASES])
def test_every_file_is_stored_and_reads_back_byte_identical(owner_api, project, path):
    raw = _read(path)
    response = _import(owner_api, project, path.name, raw)
    assert response.status_code == 201, response.content[:400]
    model_id = response.json()["entry"]["id"]
    assert owner_api.get(f"{API}/models/{model_id}/content").content == raw
    assert owner_api.get(f"{API}/models/{model_id}/export").content == raw
    stored = Model.objects.get(pk=model_id)
    assert bytes(stored.content) == raw
    assert [p for p in stored.problems if p["errorCode"] == "flow"] == []
    expected = _codes(bpmn.read_bpmn(raw).problems)
    assert [(p["errorCode"], p["warning"]) for p in stored.problems] == expected
    # a save of the same bytes changes nothing
    again = owner_api.generic("PUT", f"{API}/models/{model_id}/content", raw, content_type="application/xml")
    assert again.status_code == 200
    assert owner_api.get(f"{API}/models/{model_id}/content").content == raw


@pytest.mark.django_db
def test_an_xsd_error_is_stored_and_blocks_nothing_but_release(owner_api, project):
    raw = _read(BPMN_FIXTURES / "missing-target-namespace.bpmn")
    response = _import(owner_api, project, "no-namespace.bpmn", raw)
    assert response.status_code == 201
    [problem] = response.json()["problems"]
    assert (problem["errorCode"], problem["warning"]) == ("xsd_invalid", False)
    assert problem["description"].startswith("line 2: ")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "code", "text"),
    [
        (process_xml().replace(b'id="Event_end"', b'id="Task_1"'), "duplicate_id", "Task_1"),
        (process_xml().replace(b"Process_movies", b"P" * 300), "id_too_long", "255"),
        (b'<process xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p"/>', "not_bpmn", "definitions"),
    ],
    ids=["duplicate-id", "process-id-300", "not-definitions"],
)
def test_refused_files_store_nothing(owner_api, project, content, code, text):
    before = _counts()
    response = _import(owner_api, project, "refused.bpmn", content)
    assert_refused(response, 400, code, text)
    assert _counts() == before


@pytest.mark.django_db
def test_a_process_id_over_255_characters_is_a_400_on_save_not_a_500(owner_api, project):
    created = _import(owner_api, project, "long-id.bpmn20.xml", process_xml())
    assert created.status_code == 201
    model_id = created.json()["entry"]["id"]
    before = (_counts(), owner_api.get(f"{API}/models/{model_id}/content").content)
    response = owner_api.generic(
        "PUT",
        f"{API}/models/{model_id}/content",
        process_xml().replace(b"Process_movies", b"P" * 300),
        content_type="application/xml",
    )
    assert_refused(response, 400, "id_too_long", "ids are limited to 255 characters")
    assert (_counts(), owner_api.get(f"{API}/models/{model_id}/content").content) == before


@pytest.mark.django_db
def test_a_hostile_file_answers_a_bounded_problem_list(owner_api, project):
    tasks = "".join(f'<bpmn2:task id="T{n}" x="1"/>' for n in range(100_000))
    response = _import(owner_api, project, "hostile.bpmn", process_xml({"Task_1": None}, extra=tasks))
    assert response.status_code == 201
    problems = response.json()["problems"]
    assert len(problems) <= 2 * (MAX_PROBLEMS + 1)  # the BPMN list and the extensions list, each capped
    assert len(Model.objects.get(pk=response.json()["entry"]["id"]).problems) == len(problems)


# --- single-file import names ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("rank-movie.bpmn20.xml", "rank-movie"),
        ("rank-movie.bpmn", "rank-movie"),
        ("rank-movie.bpmn.xml", "rank-movie"),
        ("rank-movie.BPMN", "rank-movie"),
    ],
)
def test_bpmn_file_names_are_accepted(owner_api, project, file_name, expected):
    response = _import(owner_api, project, file_name, process_xml())
    assert response.status_code == 201, response.content[:300]
    assert response.json()["entry"]["name"] == expected
    assert [p for p in response.json()["problems"] if p["errorCode"] == "name_derived"] == []


@pytest.mark.django_db
def test_an_invalid_file_name_takes_the_name_field(owner_api, project):
    response = _import(owner_api, project, "RankMovie.bpmn20.xml", process_xml(), name="rank-movie")
    assert response.status_code == 201
    assert response.json()["entry"]["name"] == "rank-movie"
    assert [p for p in response.json()["problems"] if p["errorCode"] == "name_derived"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("RankMovie.bpmn20.xml", "rankmovie"),
        ("Rank Movie (v2).bpmn", "rank-movie-v2"),
        ("2024_Order process for the whole company.bpmn", "order-process-for-the-whol"),
        ("Été.bpmn", "t"),
        ("42.bpmn", "process"),
    ],
)
def test_an_invalid_file_name_without_a_name_field_gets_a_derived_name_and_says_so(
    owner_api, project, file_name, expected
):
    response = _import(owner_api, project, file_name, process_xml())
    assert response.status_code == 201, response.content[:300]
    assert response.json()["entry"]["name"] == expected
    [note] = [p for p in response.json()["problems"] if p["errorCode"] == "name_derived"]
    assert note["warning"] is True
    assert f"the model is named '{expected}'" in note["description"]


@pytest.mark.django_db
def test_an_invalid_name_field_is_refused(owner_api, project):
    before = _counts()
    response = _import(owner_api, project, "RankMovie.bpmn20.xml", process_xml(), name="Rank Movie")
    assert_refused(response, 400, "regex.mismatch", "DNS-1035")
    assert _counts() == before


@pytest.mark.django_db
def test_other_file_names_are_refused(owner_api, project):
    before = _counts()
    response = _import(owner_api, project, "rank-movie.xml", process_xml())
    assert_refused(response, 400, "unexpected_extension", ".bpmn20.xml, .bpmn.xml, .bpmn")
    assert _counts() == before


# --- connectors as real files have them --------------------------------------------------------


@pytest.mark.django_db
def test_a_connector_whose_action_key_differs_from_its_id_is_accepted_and_found_by_name(owner_api, project):
    raw = _read(CONNECTORS / "action-key-differs-from-id.json")
    response = _import(owner_api, project, "coin.json", raw, type_="CONNECTOR")
    assert response.status_code == 201, response.content[:300]
    model_id = response.json()["entry"]["id"]
    assert owner_api.get(f"{API}/models/{model_id}/content").content == raw
    [row] = Implementation.objects.filter(connector_id=model_id)
    assert row.implementation == "coin.flip"
    assert json.loads(row.entry)["actionId"] == "flipActionId"


@pytest.mark.django_db
def test_a_secure_value_is_refused_on_save(owner_api, project):
    created = owner_api.post(
        f"{API}/projects/{project.pk}/models", {"name": "weather", "type": "CONNECTOR"}, format="json"
    )
    model_id = created.json()["entry"]["id"]
    before = (_counts(), owner_api.get(f"{API}/models/{model_id}/content").content)
    raw = _read(CONNECTORS / "secure-config-with-value.json")
    response = owner_api.generic(
        "PUT", f"{API}/models/{model_id}/content", raw, content_type="application/json"
    )
    assert_refused(
        response, 400, "secure_value", "The secure connector variable 'WEATHER_API_KEY' holds a value"
    )
    assert b"canary-4b1f7e" not in response.content
    assert (_counts(), owner_api.get(f"{API}/models/{model_id}/content").content) == before


@pytest.mark.django_db
def test_a_secure_value_is_stripped_with_a_warning_on_import(owner_api, project, workspace_dir):
    raw = _read(CONNECTORS / "secure-config-with-value.json")
    response = _import(owner_api, project, "weather.json", raw, type_="CONNECTOR")
    assert response.status_code == 201, response.content[:300]
    [note] = response.json()["problems"]
    assert (note["errorCode"], note["warning"]) == ("secure_value_removed", True)
    assert "WEATHER_API_KEY" in note["description"]
    model = Model.objects.get(pk=response.json()["entry"]["id"])
    document = json.loads(bytes(model.content))
    assert [c.get("value") for c in document["config"]] == ["https://weather.example", "", ""]
    assert b"canary-4b1f7e" not in response.content
    assert all(b"canary-4b1f7e" not in bytes(v.content) for v in ModelVersion.objects.all())
    assert all(b"canary-4b1f7e" not in path.read_bytes() for path in Path(workspace_dir).rglob("*.json"))


@pytest.mark.django_db
def test_a_connector_without_secure_values_imports_byte_identical(owner_api, project):
    raw = (FIXTURES / "movies-apa.json").read_bytes()
    response = _import(owner_api, project, "movies.json", raw, type_="CONNECTOR")
    assert response.status_code == 201
    assert response.json()["problems"] == []
    assert owner_api.get(f"{API}/models/{response.json()['entry']['id']}/content").content == raw


# --- extensions through the API -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("no-extensions-key.json", None),
        ("pre-2020-layout.json", "Extensions converted from the pre-2020 layout"),
        ("older-metadata-keys.json", "Older metadata keys ignored"),
        ("variable-key-differs-from-id.json", "Process variable key differs from its id"),
        ("variable-without-required.json", None),
        ("variable-type-content.json", None),
        ("empty-mapping-row.json", None),
    ],
)
def test_extensions_files_are_accepted_on_save(owner_api, project, name, warning):
    created = _import(owner_api, project, "rank-movie.bpmn20.xml", process_xml())
    model_id = created.json()["entry"]["id"]
    response = owner_api.put(
        f"{API}/models/{model_id}/content",
        {
            "file": SimpleUploadedFile("rank-movie.bpmn20.xml", process_xml(), "application/xml"),
            "extensions": SimpleUploadedFile(name, _read(EXTENSIONS / name), "application/json"),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content[:400]
    assert list(response.json()["entry"]["extensions"]) == ["Process_movies"]
    warnings = {p["problem"] for p in response.json()["problems"] if p["warning"]}
    assert (warning in warnings) if warning else not warnings - {"Type mismatch"}
