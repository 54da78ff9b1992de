"""In the browser: validate → fix the problem → release → download → import the download under a
new name → the copy opens with the same diagram and mappings; restore asks first; a refused
import shows its problems."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from modeler.roles import APS_MODELER
from projects import archive
from projects.models import Model, Project, Release
from tests.factories import make_user
from tests.projects.test_archive import apa_files

pytestmark = pytest.mark.django_db(transaction=True)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
    return buffer.getvalue()


def _broken_project(owner) -> Project:
    """The APA project whose connector action is misnamed: the process's implementation is invalid."""
    files = apa_files()
    files["connectors/movies.json"] = files["connectors/movies.json"].replace(
        b'"name": "getMovieDesc"', b'"name": "getMovie"'
    )
    return archive.project_import(actor=owner, data=_zip(files))


def _allow_refusals(page) -> None:
    """Validation with problems, a refused release and a refused import answer 400 by design (the
    page shows their problems); Chromium logs each such answer as a console error."""
    allow = getattr(page, "allow_console_error", None)
    if allow is not None:
        allow(r"status of 400 \(Bad Request\)", "validate/release/import refusals answer 400 by design")


def _release(page, comment: str) -> None:
    """Fill and send the release form (in a dialog behind a Release button where the page has one)."""
    opener = page.get_by_test_id("open-release")
    if opener.count():
        opener.click()
    form = page.get_by_test_id("release-form")
    form.get_by_label("Release comment").fill(comment)
    form.locator("button[type=submit]").click()


def _fix_connector(page, connector: Model) -> None:
    """The user's fix, saved as the connector editor saves it (PUT with If-Match, session + CSRF);
    the editor itself has its own browser tests."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    content = bytes(connector.content).replace(b'"name": "getMovie"', b'"name": "getMovieDesc"')
    response = page.request.put(
        f"/modeling-service/v1/models/{connector.pk}/content",
        data=content,
        headers={"Content-Type": "application/json", "If-Match": '"0.0.1"', "X-CSRFToken": token},
    )
    assert response.status == 200, response.text()


def test_validate_fix_release_download_import_copy(new_page, sign_in, workspace_dir, tmp_path):
    owner = make_user("olivia", APS_MODELER)
    project = _broken_project(owner)
    process = Model.objects.get(project=project, type="PROCESS")
    page = new_page()
    _allow_refusals(page)
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/")

    # validate: the problem names the model and links to it
    page.get_by_test_id("validate").click()
    status = page.get_by_test_id("archive-status")
    expect(status).to_contain_text("Validation errors found in project's models")
    problem = page.get_by_test_id("problem").filter(
        has_text="Invalid service implementation on service 'Task_1spvopd'"
    )
    expect(problem).to_have_count(1)
    link = problem.get_by_test_id("problem-model")
    expect(link).to_have_text("rank-movie")
    link.click()
    expect(page).to_have_url(re.compile(rf".*/processes/{process.pk}/#element=Task_1spvopd$"))
    page.goto(f"/projects/{project.pk}/")

    # a release is refused while the error is there
    _release(page, "too early")
    expect(status).to_contain_text("Not released: Validation errors found in project's models")
    expect(page.get_by_test_id("problem")).to_have_count(1)
    assert Release.objects.count() == 0

    # fix: the connector's action gets the name the process uses
    _fix_connector(page, Model.objects.get(project=project, type="CONNECTOR"))
    page.get_by_test_id("validate").click()
    expect(status).to_have_text("No problems found: the project can be released.")
    expect(page.get_by_test_id("problem")).to_have_count(0)

    # release, then download it
    _release(page, "first release")
    expect(status).to_have_text("Release 1 created.")
    row = page.get_by_test_id("release-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("first release")
    with page.expect_download() as download_info:
        row.get_by_test_id("release-download").click()
    download = download_info.value
    assert download.suggested_filename == "movies-app-release-1.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    release = Release.objects.get(project=project)
    assert saved.read_bytes() == bytes(release.content)

    # import the download under a new name, from the project list, and the copy opens
    page.goto("/projects/")
    form = page.get_by_test_id("import-form")
    form.get_by_label("Project zip").set_input_files(str(saved))
    form.get_by_label("New name").fill("movies-copy")
    form.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r".*/projects/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("project-name")).to_have_text("movies-copy")
    copy = Project.objects.get(name="movies-copy", owner=owner)
    copied = Model.objects.get(project=copy, type="PROCESS")
    process.refresh_from_db()
    assert bytes(copied.content) == bytes(process.content)
    assert copied.extensions == process.extensions
    assert copied.extensions["Process_rk7m2q9x"]["mappings"]["Task_1spvopd"]["inputs"] == {
        "movieName": {"type": "variable", "value": "movieToRank"}
    }
    page.goto(f"/projects/{copy.pk}/processes/{copied.pk}/")
    expect(page.locator('[data-element-id="Task_1spvopd"]').first).to_be_visible()
    page.goto(f"/projects/{copy.pk}/")
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("archive-status")).to_have_text(
        "No problems found: the project can be released."
    )


def test_restore_asks_first_and_a_refused_import_shows_its_problems(
    new_page, sign_in, workspace_dir, tmp_path
):
    owner = make_user("olivia", APS_MODELER)
    project = archive.project_import(actor=owner, data=_zip(apa_files()))
    from projects import releases, services

    releases.release_create(actor=owner, project=project, comment="one")
    process = Model.objects.get(project=project, type="PROCESS")
    services.model_save_content(
        actor=owner,
        model=process,
        content=bytes(process.content).replace(b'name="look up"', b'name="changed"'),
    )
    page = new_page()
    _allow_refusals(page)
    sign_in(page, owner)
    page.goto(f"/projects/{project.pk}/")
    page.get_by_test_id("release-restore").click()
    dialog = page.get_by_test_id("restore-dialog")
    expect(dialog).to_be_visible()
    page.get_by_test_id("restore-cancel").click()
    expect(dialog).to_be_hidden()
    process.refresh_from_db()
    assert b'name="changed"' in bytes(process.content)
    page.get_by_test_id("release-restore").click()
    with page.expect_navigation():  # the page reloads once the restore has committed
        page.get_by_test_id("restore-confirm").click()
    expect(page.get_by_test_id("release-row")).to_have_count(1)
    process.refresh_from_db()
    assert b'name="look up"' in bytes(process.content) and process.version == 3

    hostile = apa_files()
    hostile["processes/rank-movie.bpmn20.xml"] = (
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<x/>'
    )
    bad = tmp_path / "bad.zip"
    bad.write_bytes(_zip(hostile))
    page.goto("/projects/")
    form = page.get_by_test_id("import-form")
    form.get_by_label("Project zip").set_input_files(str(bad))
    form.get_by_label("New name").fill("never-stored")
    form.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-status")).to_contain_text(
        "Not imported: Cannot import processes/rank-movie.bpmn20.xml"
    )
    expect(page.get_by_test_id("import-problems")).to_contain_text("DOCTYPE")
    assert not Project.objects.filter(name="never-stored").exists()
