"""In the browser, as a devops user: create a descriptor for the demo project's release, enter the
movies connector's image and its secure API key, save, reload (the key shows "set", never the
value), download the zip. As a modeler, the Deployments page is 403."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from deployments.models import Descriptor
from modeler.management.commands.seed_demo import DEMO_CONNECTOR
from modeler.roles import APS_DEVOPS, APS_MODELER
from projects import archive, releases, services
from tests.deployments.helpers import CANARY, grant_deploy_everything
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

IMAGE = "registry.example.com/demo/movies:1.0.0"


def _allow_refusals(page) -> None:
    allow = getattr(page, "allow_console_error", None)
    if allow is not None:
        allow(
            r"status of 400 \(Bad Request\)",
            "validation as you type answers 400 while the form is incomplete",
        )
        allow(r"status of 403 \(Forbidden\)", "the modeler's Deployments page is a 403 by design")


@pytest.fixture
def demo_release():
    """The demo project of seed_demo (its movies connector has the secure MOVIES_API_KEY), released."""
    owner = make_user("modeler", APS_MODELER)
    project = services.project_create(actor=owner, name="demo-movies", description="Demo")
    services.model_create(
        actor=owner,
        project=project,
        type_name="CONNECTOR",
        name="movies",
        content=json.dumps(DEMO_CONNECTOR, indent=2).encode(),
    )
    services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank-movie")
    grant_deploy_everything()
    return owner, releases.release_upload(actor=owner, project=project, data=archive.export_zip(project))


def test_devops_user_deploys_the_demo_release(new_page, sign_in, demo_release):
    owner, release = demo_release
    devops = make_user("dave", APS_DEVOPS)
    page = new_page()
    _allow_refusals(page)
    sign_in(page, devops)
    page.goto("/deployments/")
    expect(page.get_by_test_id("deployments-link")).to_be_visible()
    page.get_by_test_id("release-select").select_option(str(release.pk))
    page.get_by_role("button", name="Configure deployment").click()
    page.wait_for_url("**/deployments/new/?release=*")

    connector = page.get_by_test_id("connector-movies")
    expect(connector).to_contain_text("movies.getMovieDesc")
    secure = page.locator("#v-movies-MOVIES_API_KEY")
    expect(secure).to_have_attribute("type", "password")
    expect(connector.get_by_test_id("secure-state")).to_have_text("not set")
    expect(page.get_by_test_id("problems")).to_contain_text("the image is required")
    expect(page.get_by_test_id("download")).to_be_hidden()  # nothing saved yet

    page.get_by_test_id("name").fill("movies-demo")
    connector.get_by_label("Image of movies").fill("Registry/Movies:1")  # validated as you type
    expect(page.get_by_test_id("problems")).to_contain_text("invalid image reference")
    connector.get_by_label("Image of movies").fill(IMAGE)
    secure.fill(CANARY)
    expect(page.get_by_test_id("validation-state")).to_have_text("Valid: ready to deploy")
    page.get_by_test_id("save").click()
    page.wait_for_url("**/deployments/*-*-*-*-*/")
    descriptor = Descriptor.objects.get(name="movies-demo")
    assert descriptor.owner_id == devops.pk
    assert descriptor.connectors["movies"]["image"] == IMAGE

    page.reload()
    connector = page.get_by_test_id("connector-movies")
    expect(connector.get_by_test_id("secure-state")).to_have_text("set")
    expect(page.locator("#v-movies-MOVIES_API_KEY")).to_have_value("")
    expect(page.locator("#v-movies-MOVIES_API_KEY")).to_have_attribute("placeholder", "set")
    expect(connector.get_by_label("Image of movies")).to_have_value(IMAGE)
    assert CANARY not in page.content()

    with page.expect_download() as download_info:
        page.get_by_test_id("download").click()
    download = download_info.value
    assert download.suggested_filename == "movies-demo-deployment.zip"
    data = Path(download.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        names = zipped.namelist()
        contents = b"".join(zipped.open(name).read() for name in names)
    assert names[0] == "descriptor.json"
    assert "kubernetes/movies-deployment.yaml" in names and "release/demo-movies.json" in names
    assert IMAGE.encode() in contents and CANARY.encode() not in contents

    page.goto("/deployments/")
    row = page.get_by_test_id("descriptor-row")
    expect(row).to_contain_text("movies-demo")
    expect(row).to_contain_text("demo-movies · release 1")
    expect(row.get_by_test_id("state")).to_have_text("valid")


def test_the_deployments_page_is_403_for_a_modeler(new_page, sign_in):
    modeler = make_user("mona", APS_MODELER)
    page = new_page()
    _allow_refusals(page)
    sign_in(page, modeler)
    expect(page.get_by_test_id("deployments-link")).to_have_count(0)
    response = page.goto("/deployments/")
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("APS_DEVOPS")


def test_deployment_pages_pass_axe(new_page, sign_in, axe_check, demo_release):
    owner, release = demo_release
    devops = make_user("dave", APS_DEVOPS)
    page = new_page(bypass_csp=True)  # axe-core is injected as a script
    _allow_refusals(page)
    sign_in(page, devops)
    page.goto("/deployments/")
    violations = axe_check(page, "deployments list")
    page.goto(f"/deployments/new/?release={release.pk}")
    expect(page.get_by_test_id("problems")).to_contain_text("the image is required")
    violations += axe_check(page, "new descriptor")
    page.get_by_test_id("name").fill("movies-demo")
    page.get_by_label("Image of movies").fill(IMAGE)
    page.locator("#v-movies-MOVIES_API_KEY").fill(CANARY)
    expect(page.get_by_test_id("validation-state")).to_have_text("Valid: ready to deploy")
    page.get_by_test_id("save").click()
    page.wait_for_url("**/deployments/*-*-*-*-*/")
    expect(page.get_by_test_id("download")).to_be_visible()
    violations += axe_check(page, "descriptor editor")
    page.goto("/deployments/")
    violations += axe_check(page, "deployments list with a descriptor")
    assert violations == []
