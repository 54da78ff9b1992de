"""Whatever the API stores, the editors open: BPMN in ISO-8859-1 and UTF-16, a connector with a
UTF-8 byte-order mark; the names read right and the page raises no JavaScript error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from projects import services

pytestmark = pytest.mark.django_db(transaction=True)

BPMN = """<?xml version="1.0" encoding="{encoding}"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="Definitions_enc" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="Process_enc" name="Café" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="Début" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_enc">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="152" y="102" width="36" height="36" /></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@pytest.mark.parametrize(
    "encoding, codec",
    [("ISO-8859-1", "iso-8859-1"), ("UTF-16", "utf-16"), ("UTF-32", "utf-32-le")],
    ids=["latin-1", "utf-16-with-bom", "utf-32-without-bom"],
)
def test_process_editor_opens_bpmn_in_any_accepted_encoding(
    new_page, sign_in, owner, project, encoding, codec
):
    content = BPMN.format(encoding=encoding).encode(codec)
    process, _ = services.model_create(
        actor=owner, project=project, type_name="PROCESS", name="encoded", content=content
    )
    assert bytes(process.content) == content  # stored byte for byte
    page = new_page()
    sign_in(page, owner)
    response = page.goto(f"/projects/{project.pk}/processes/{process.pk}/")
    assert response.status == 200
    page.wait_for_selector("body[data-editor-ready]")
    page.locator('[data-element-id="StartEvent_1"]').first.click()
    expect(page.get_by_test_id("properties-panel").get_by_label("Name", exact=True)).to_have_value("Début")
    # no JavaScript error: the new_page fixture fails the test on any page or console error


def test_connector_editor_opens_json_with_a_byte_order_mark(new_page, sign_in, owner, project):
    content = b'\xef\xbb\xbf{"name": "bom", "description": "Caf\xc3\xa9", "actions": {}}\n'
    connector, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="bom", content=content
    )
    page = new_page()
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/connectors/{connector.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(page.get_by_test_id("connector-description")).to_have_value("Café")
    # no JavaScript error: the new_page fixture fails the test on any page or console error
