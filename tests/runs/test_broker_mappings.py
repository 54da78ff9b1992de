"""Every mapping type over the real RabbitMQ, against the demo movies connector in its own process
(`connector run`): one run passes a chain of service tasks, each mapped another way, and every
IntegrationRequest and every variable written is asserted (SPEC §4.4–§4.5, reference/apa.md §2.5).

Skipped without a broker on loopback, unless MODELER_REQUIRE_BROKER=1 (CI), where it fails.
"""

from __future__ import annotations

import pytest

from tests.runs import processes as p
from tests.runs.conftest import post_run, wait_for_run
from tests.runs.test_broker import movies_process, on_rabbitmq  # noqa: F401 - fixtures
from tests.sdk.conftest import broker_url  # noqa: F401 - the broker fixture (skip/require)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("runs_embedded")]

TASKS = ("T_variable", "T_all", "T_allInputs", "T_allOutputs", "T_literal", "T_expression", "T_constant")
CHAIN = p.bpmn(
    '<bpmn2:startEvent id="S"/>'
    + "".join(p.service(task, "movies.getMovieDesc") for task in TASKS)
    + '<bpmn2:endEvent id="E"/>'
    + "".join(p.flow(f"F_{a}", a, b) for a, b in zip(("S", *TASKS), (*TASKS, "E"), strict=True))
)
WRITE_DESCRIPTION = {"movieDescription": {"type": "variable", "value": "movieDescription"}}
CHAIN_EXTENSIONS = p.extensions(
    variables=[
        p.variable("title", required=True),
        p.variable("movieName"),
        p.variable("movieDescription"),
        p.variable("firstDescription"),
        p.variable("note", value="kept"),
    ],
    mappings={
        # a variable row in, a variable row out (to a variable of another name)
        "T_variable": {
            "inputs": {"movieName": {"type": "variable", "value": "title"}},
            "outputs": {"firstDescription": {"type": "variable", "value": "movieDescription"}},
        },
        # every variable sent under its own name, every output written under its own name
        "T_all": {"mappingType": "MAP_ALL"},
        # every variable sent; nothing written back
        "T_allInputs": {"mappingType": "MAP_ALL_INPUTS"},
        # the rows in, every output written back
        "T_allOutputs": {
            "mappingType": "MAP_ALL_OUTPUTS",
            "inputs": {"movieName": {"type": "value", "value": "Vertigo"}},
        },
        # a literal in, a literal out
        "T_literal": {
            "inputs": {"movieName": {"type": "value", "value": "Metropolis"}},
            "outputs": {"note": {"type": "value", "value": "literal written"}},
        },
        # an expression over the variables in
        "T_expression": {
            "inputs": {"movieName": {"type": "value", "value": "${title}"}},
            "outputs": WRITE_DESCRIPTION,
        },
        # don't map: nothing in but the constant, nothing out
        "T_constant": {"inputs": {}, "outputs": {}},
    },
    constants={"T_constant": {"movieName": {"value": "Alien"}}},
)


@pytest.mark.usefixtures("on_rabbitmq", "movies_process")
def test_every_mapping_type_over_rabbitmq(owner_api, save_process):
    model = save_process(CHAIN, CHAIN_EXTENSIONS)
    response = post_run(owner_api, model, {"variables": {"title": "Alien", "movieName": "ignored"}})
    assert response.status_code == 202, response.content[:500]
    run = wait_for_run(owner_api, response.json()["entry"]["id"], timeout=60)
    assert run["state"] == "COMPLETED", run["error"]
    alien = "Alien (1979): the crew of the Nostromo answers a distress call and meets the perfect organism."
    vertigo = "Vertigo (1958): a detective with a fear of heights follows a woman who seems possessed."
    sent = {task["elementId"]: task["inBoundVariables"] for task in run["serviceTasks"]}
    written = {task["elementId"]: task["result"]["written"] for task in run["serviceTasks"]}
    assert list(sent) == list(TASKS)
    assert sent["T_variable"] == {"movieName": "Alien"}
    assert written["T_variable"] == {"firstDescription": alien}
    assert sent["T_all"] == {
        "title": "Alien",
        "movieName": "ignored",
        "movieDescription": None,  # declared without a default
        "firstDescription": alien,
        "note": "kept",
    }
    assert written["T_all"] == {"movieDescription": "ignored: no description in the catalogue yet."}
    assert sent["T_allInputs"] == sent["T_all"] | {"movieDescription": written["T_all"]["movieDescription"]}
    assert written["T_allInputs"] == {}
    assert sent["T_allOutputs"] == {"movieName": "Vertigo"}
    assert written["T_allOutputs"] == {"movieDescription": vertigo}
    assert sent["T_literal"] == {"movieName": "Metropolis"}
    assert written["T_literal"] == {"note": "literal written"}
    assert sent["T_expression"] == {"movieName": "Alien"}
    assert written["T_expression"] == {"movieDescription": alien}
    assert sent["T_constant"] == {"movieName": "Alien"}
    assert written["T_constant"] == {}
    assert run["variables"] == {
        "title": "Alien",
        "movieName": "ignored",
        "movieDescription": alien,
        "firstDescription": alien,
        "note": "literal written",
    }
