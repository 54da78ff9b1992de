"""Steps shared by the browser tests of the project workspace."""

from __future__ import annotations

import re

from playwright.sync_api import expect

UUID = r"[0-9a-f-]{36}"


def create_model(page, kind: str, name: str, description: str = "") -> None:
    """The tree's "+" of `kind` ("connector" or "process"), then the dialog."""
    page.get_by_test_id(f"new-{kind}").click()
    dialog = page.get_by_test_id("model-dialog")
    dialog.get_by_label("Name", exact=True).fill(name)
    if description:
        dialog.get_by_label("Description").fill(description)
    dialog.get_by_test_id("dialog-submit").click()
    expect(page).to_have_url(
        re.compile(rf".*/{kind}s/{UUID}/$" if kind == "connector" else rf".*/processes/{UUID}/$")
    )
    expect(page.get_by_test_id("model-title")).to_have_text(f" / {name}")


def tree_item(page, name: str):
    return page.get_by_test_id("tree-model").and_(page.locator(f'[data-name="{name}"]'))


def model_menu(page, name: str, action: str) -> None:
    tree_item(page, name).get_by_test_id("model-menu-button").click()
    page.get_by_test_id("model-menu").get_by_role("menuitem", name=action).click()


def add_parameter(action, direction: str, name: str, type_: str = "string", required: bool = False) -> None:
    action.get_by_test_id(f"add-{direction}").click()
    row = action.get_by_test_id(f"{direction}-row").last
    row.get_by_test_id("param-name").fill(name)
    row.get_by_test_id("param-type").select_option(type_)
    if required:
        row.get_by_test_id("param-required").check()


def define_movies_connector(page) -> None:
    """In the open connector: action getMovieDesc(movieName*: string) → movieDescription, rating:integer."""
    page.get_by_test_id("add-action").click()
    action = page.get_by_test_id("action").first
    action.get_by_test_id("action-name").fill("getMovieDesc")
    add_parameter(action, "input", "movieName", required=True)
    add_parameter(action, "output", "movieDescription")
    add_parameter(action, "output", "rating", "integer")


def add_variable(page, index: int, name: str, type_: str = "string") -> None:
    page.get_by_test_id("add-variable").click()
    field = page.get_by_test_id(f"variable-name-{index}")
    expect(field).to_be_focused()
    field.fill(name)
    field.press("Enter")
    if type_ != "string":
        page.get_by_test_id(f"variable-type-{index}").select_option(type_)
    expect(page.get_by_test_id(f"variable-name-{index}")).to_have_value(name)


def select_root(page) -> None:
    """Click the empty canvas: the process is selected and its properties show."""
    page.locator(".djs-container > svg").click(position={"x": 600, "y": 420})


def append_service_task(page, after: str = "Event_1") -> str:
    """Append a task to `after` with the context pad and make it a service task; returns its id."""
    page.locator(f'.djs-element[data-element-id="{after}"]').click()
    page.locator('.djs-context-pad [data-action="append.append-task"]').click()
    page.keyboard.press("Escape")  # leave the label editor bpmn-js opens on a new task
    page.locator('.djs-context-pad [data-action="replace"]').click()
    page.locator('[data-id="replace-with-service-task"]').click()
    expect(page.get_by_test_id("implementation")).to_be_visible()
    return page.locator(".djs-element.selected").first.get_attribute("data-element-id")


def code_text(page, testid: str) -> str:
    return page.get_by_test_id(testid).evaluate("node => node.getText()")


def set_code_text(page, testid: str, text: str) -> None:
    editor = page.get_by_test_id(testid)
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    editor.evaluate("(node, text) => node.setText(text)", text)
