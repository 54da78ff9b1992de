"""In the browser: the History tab of a model editor lists the saved versions, compares two side
by side (the changed line marked with words) and restores an older version as a new one; a
restore after someone else's save is the conflict state; a viewer sees no Restore (and axe-core
finds nothing serious in the History panel); a connector has the same tab."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects import services
from projects.models import Model
from tests.factories import ProjectFactory, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _put(page, model: Model, content: bytes, version: int) -> None:
    """A save through the modeling API (as the editor saves: session, CSRF, If-Match)."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.put(
        f"/modeling-service/v1/models/{model.pk}/content",
        data=content,
        headers={"Content-Type": "application/xml", "If-Match": f'"0.0.{version}"', "X-CSRFToken": token},
    )
    assert response.status == 200, response.text()


def _process_with_three_versions(page, owner):
    """Version 1 as created, 2 names the start event 'Order received', 3 renames it and adds a line."""
    project = ProjectFactory(owner=owner, name="orders")
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="order-flow")
    initial = bytes(model.content)
    received = initial.replace(
        b'<bpmn2:startEvent id="Event_1" />', b'<bpmn2:startEvent id="Event_1" name="Order received" />'
    )
    paid = received.replace(
        b'<bpmn2:startEvent id="Event_1" name="Order received" />',
        b"<bpmn2:documentation>Paid orders only</bpmn2:documentation>\n"
        b'    <bpmn2:startEvent id="Event_1" name="Order paid" />',
    )
    assert received != initial and paid != received
    _put(page, model, received, 1)
    _put(page, model, paid, 2)
    return project, model


def test_history_diff_and_restore(new_page, sign_in, screenshot):
    owner = make_user("olivia", APS_MODELER)
    page = new_page()
    sign_in(page, owner)
    project, model = _process_with_three_versions(page, owner)
    page.goto(f"/projects/{project.pk}/processes/{model.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.3)")

    page.get_by_role("tab", name="History").click()
    history = page.get_by_test_id("history")
    rows = history.get_by_test_id("version-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-version", "0.0.3")
    expect(rows.nth(0)).to_contain_text("(current)")
    expect(rows.nth(0)).to_contain_text("olivia")
    expect(rows.nth(2)).to_have_attribute("data-version", "0.0.1")
    # the current version has nothing to restore; the older ones do
    expect(rows.nth(0).get_by_test_id("restore-version")).to_have_count(0)
    expect(rows.nth(1).get_by_test_id("restore-version")).to_be_visible()

    # default: the previous version beside the current one
    expect(history.get_by_test_id("diff-left")).to_have_value("0.0.2")
    expect(history.get_by_test_id("diff-right")).to_have_value("0.0.3")
    expect(history.get_by_test_id("diff-left-title")).to_have_text("Version 0.0.2")
    expect(history.get_by_test_id("diff-right-title")).to_have_text("Version 0.0.3 (current)")
    expect(history.get_by_test_id("diff-summary")).to_have_text(
        "1 line removed, 2 lines added from 0.0.2 to 0.0.3."
    )
    diff = history.get_by_test_id("diff")
    changed = diff.locator("[data-testid=diff-row][data-kind=changed]")
    expect(changed).to_have_count(1)
    expect(changed.locator("td.text").nth(0)).to_have_text(
        '    <bpmn2:startEvent id="Event_1" name="Order received" />'
    )
    expect(changed.locator("td.text").nth(1)).to_have_text(
        '    <bpmn2:startEvent id="Event_1" name="Order paid" />'
    )
    # marked with words, not only colours
    expect(changed.locator("td.mark").nth(0)).to_have_text("removed")
    expect(changed.locator("td.mark").nth(1)).to_have_text("added")
    added = diff.locator("[data-testid=diff-row][data-kind=added]")
    expect(added).to_have_count(1)
    expect(added.locator("td.text").nth(1)).to_have_text(
        "    <bpmn2:documentation>Paid orders only</bpmn2:documentation>"
    )
    expect(added.locator("td.mark").nth(1)).to_have_text("added")
    screenshot(page, "history-diff")
    # long unchanged runs are folded and can be shown
    unfold = diff.get_by_test_id("diff-unfold")
    expect(unfold).to_have_count(1)
    rows_before = diff.get_by_test_id("diff-row").count()
    unfold.click()
    expect(diff.get_by_test_id("diff-unfold")).to_have_count(0)
    assert diff.get_by_test_id("diff-row").count() > rows_before

    # picking the first version compares it with the current one
    rows.nth(2).get_by_test_id("compare-version").click()
    expect(history.get_by_test_id("diff-left")).to_have_value("0.0.1")
    expect(rows.nth(2).get_by_test_id("compare-version")).to_have_attribute("aria-pressed", "true")
    expect(diff.locator("[data-kind=changed] td.text").nth(0)).to_have_text(
        '    <bpmn2:startEvent id="Event_1" />'
    )

    # restore version 2 (the first of the two saves): asked first, naming the version
    rows.nth(1).get_by_test_id("restore-version").click()
    dialog = page.get_by_test_id("model-dialog")
    expect(dialog.get_by_role("heading")).to_have_text("Restore version 0.0.2 of order-flow?")
    dialog.get_by_test_id("dialog-submit").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.4)")
    expect(page.get_by_test_id("archive-status")).to_have_text(
        "Restored version 0.0.2 of order-flow as version 0.0.4."
    )
    # the editor shows the restored diagram
    expect(page.get_by_role("tab", name="Diagram")).to_have_attribute("aria-selected", "true")
    expect(page.locator(".djs-container").get_by_text("Order received")).to_be_visible()
    name = page.evaluate(
        "() => window.modelerWorkspace.current.modeler.get('elementRegistry').get('Event_1').businessObject.name"
    )
    assert name == "Order received"
    model.refresh_from_db()
    assert model.version == 4
    assert b'name="Order received"' in bytes(model.content)
    assert b"Paid orders only" not in bytes(model.content)

    # the history has a new newest entry, identical to version 2
    page.get_by_role("tab", name="History").click()
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_attribute("data-version", "0.0.4")
    expect(rows.nth(0)).to_contain_text("(current)")
    rows.nth(2).get_by_test_id("compare-version").click()
    expect(history.get_by_test_id("diff-summary")).to_have_text(
        "Version 0.0.2 and version 0.0.4 (current) are identical."
    )
    screenshot(page, "history-after-restore")


def test_restore_after_another_save_is_a_conflict(new_page, sign_in):
    owner = make_user("olivia", APS_MODELER)
    page = new_page()
    page.allow_console_error(r"status of 412", "a restore with a stale If-Match answers 412 by design")
    sign_in(page, owner)
    project, model = _process_with_three_versions(page, owner)
    page.goto(f"/projects/{project.pk}/processes/{model.pk}/")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.3)")
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_test_id("version-row")).to_have_count(3)

    # someone else saves version 4 meanwhile
    _put(page, model, bytes(model.content).replace(b"Paid orders only", b"Paid orders, again"), 3)
    page.get_by_test_id("version-row").nth(2).get_by_test_id("restore-version").click()
    page.get_by_test_id("model-dialog").get_by_test_id("dialog-submit").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Conflict: not restored")
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_contain_text("version 0.0.1 was not restored")
    model.refresh_from_db()
    assert model.version == 4

    # loading their version ends the conflict
    conflict.get_by_test_id("reload").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved (version 0.0.4)")


def test_a_viewer_compares_but_cannot_restore(new_page, sign_in, axe_check):
    owner = make_user("olivia", APS_MODELER)
    viewer = make_user("victor", APS_MODELER)
    page = new_page()
    sign_in(page, owner)
    project, model = _process_with_three_versions(page, owner)
    assign_perm("view_project", viewer, project)
    viewer_page = new_page(bypass_csp=True)  # for axe-core's script
    sign_in(viewer_page, viewer)
    viewer_page.goto(f"/projects/{project.pk}/processes/{model.pk}/")
    viewer_page.get_by_role("tab", name="History").click()
    expect(viewer_page.get_by_test_id("version-row")).to_have_count(3)
    expect(
        viewer_page.get_by_test_id("diff-row").and_(viewer_page.locator("[data-kind=changed]"))
    ).to_have_count(1)
    expect(viewer_page.get_by_test_id("restore-version")).to_have_count(0)
    # axe-core on the History panel (the tree and the problems panel have checks of their own)
    axe_check(viewer_page, "page")  # injects axe-core
    violations = viewer_page.evaluate(
        "async () => (await axe.run('[data-testid=history]:not([hidden])', {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => `${v.id}: ${v.help}`)"
    )
    assert violations == [], "\n".join(violations)


def test_connector_history(new_page, sign_in):
    owner = make_user("olivia", APS_MODELER)
    project = ProjectFactory(owner=owner, name="movies")
    connector, _ = services.model_create(actor=owner, project=project, type_name="CONNECTOR", name="movies")
    page = new_page()
    sign_in(page, owner)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    content = bytes(connector.content).replace(b'"description": ""', b'"description": "Films"')
    if content == bytes(connector.content):
        pytest.skip("the initial connector has no empty description to change")
    response = page.request.put(
        f"/modeling-service/v1/models/{connector.pk}/content",
        data=content,
        headers={"Content-Type": "application/json", "If-Match": '"0.0.1"', "X-CSRFToken": token},
    )
    assert response.status == 200, response.text()
    page.goto(f"/projects/{project.pk}/connectors/{connector.pk}/")
    page.get_by_role("tab", name="History").click()
    expect(page.get_by_test_id("version-row")).to_have_count(2)
    expect(page.locator("[data-testid=diff-row][data-kind=changed] td.text").nth(1)).to_contain_text(
        '"Films"'
    )
    page.get_by_test_id("version-row").nth(1).get_by_test_id("restore-version").click()
    page.get_by_test_id("model-dialog").get_by_test_id("dialog-submit").click()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(page.get_by_test_id("archive-status")).to_have_text(
        "Restored version 0.0.1 of movies as version 0.0.3."
    )
    connector.refresh_from_db()
    assert connector.version == 3
