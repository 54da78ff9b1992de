"""Stored content is inert: a connector and a process holding script in every text position are
opened through every content/export URL and every page that shows them, and nothing fires; the
pages themselves run under the strict CSP without a single violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from projects import services

pytestmark = pytest.mark.django_db(transaction=True)
API = "/modeling-service/v1"
HOSTILE = Path(__file__).parent.parent / "fixtures" / "hostile"

WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.fixture
def hostile_models(owner, project):
    connector, _ = services.model_create(
        actor=owner,
        project=project,
        type_name="CONNECTOR",
        name="xss",
        content=(HOSTILE / "script-everywhere.json").read_bytes(),
    )
    process, _ = services.model_create(
        actor=owner,
        project=project,
        type_name="PROCESS",
        name="xss-process",
        content=(HOSTILE / "script-everywhere.bpmn20.xml").read_bytes(),
    )
    return connector, process


def test_script_in_stored_content_fires_nowhere(new_page, sign_in, owner, project, hostile_models):
    connector, process = hostile_models
    page = new_page()
    page.add_init_script(WATCH)
    fired: list[str] = []
    page.route("**/pwned/**", lambda route: (fired.append(route.request.url), route.fulfill(status=204)))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, owner)

    for model, filename in ((connector, "xss.json"), (process, "xss-process.bpmn20.xml")):
        for endpoint in ("content", "export"):
            with page.expect_download() as download:
                try:
                    page.goto(f"{API}/models/{model.pk}/{endpoint}")
                except PlaywrightError as error:  # Chromium reports the navigation turned download
                    assert "Download is starting" in str(error)
            assert download.value.suggested_filename == filename

    pages = [
        "/projects/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/connectors/{connector.pk}/",
        f"/projects/{project.pk}/processes/{process.pk}/",
        f"{API}/docs",
    ]
    for url in pages:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        if "/processes/" in url:
            page.wait_for_selector("body[data-editor-ready]")
            page.locator('[data-element-id="Task_1"]').first.click()
            expect(page.get_by_test_id("properties-panel").get_by_label("ID", exact=True)).to_have_value(
                "Task_1"
            )
            page.get_by_role("tab", name="XML").click()
            page.get_by_role("tab", name="Extensions").click()
        if url.endswith("/docs"):  # Swagger UI runs from its own script files under the CSP
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Modeler")
        if "/connectors/" in url:
            page.get_by_role("tab", name="JSON").click()
        page.wait_for_timeout(300)
        assert page.evaluate("window.__cspViolations") == [], url

    assert fired == []
    assert dialogs == []
