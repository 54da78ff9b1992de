"""The admin site changes projects and collaborators through the services: permissions follow.

Driven with Django's test client as a superuser; each test asserts the guardian permissions the
edit leaves (projects.permissions.project_permissions) and the workspace folder.
"""

from __future__ import annotations

import pytest

from modeler.problems import Conflict, ValidationFailed
from modeler.roles import APS_MODELER
from projects import services
from projects.models import Collaborator, Project, ProjectUserObjectPermission
from projects.permissions import COLLABORATOR_PERMISSIONS, OWNER_PERMISSIONS, project_permissions
from projects.workspace import project_dir
from tests.factories import ProjectFactory, make_user

OWNER = frozenset(p.value for p in OWNER_PERMISSIONS)
COLLABORATING = frozenset(p.value for p in COLLABORATOR_PERMISSIONS)
NOTHING = frozenset()
PREFIX = "collaborators"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _url(project) -> str:
    return f"/admin/projects/project/{project.pk}/change/"


def _value(field):
    value = field.value()
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _form_data(admin_client, project) -> dict:
    """The change form as the page shows it: every field of the project and of each collaborator row."""
    response = admin_client.get(_url(project))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: _value(form[name]) for name in form.fields}
    (inline,) = response.context["inline_admin_formsets"]
    formset = inline.formset
    assert formset.prefix == PREFIX
    management = formset.management_form
    for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
        data[f"{PREFIX}-{name}"] = management[name].value()
    for row in formset.forms:
        for name in row.fields:
            data[row.add_prefix(name)] = _value(row[name])
    return data


def _add_row(data, user) -> None:
    index = int(data[f"{PREFIX}-TOTAL_FORMS"])
    data[f"{PREFIX}-{index}-user"] = user.pk
    data[f"{PREFIX}-{index}-created_by"] = "sam"  # only where the form asks for it (before the fix)
    data[f"{PREFIX}-TOTAL_FORMS"] = index + 1


def _row_of(data, user) -> int:
    for key, value in data.items():
        if key.endswith("-user") and value == user.pk:
            return int(key.split("-")[1])
    raise AssertionError(f"{user} has no row")


def _save(admin_client, project, data):
    return admin_client.post(_url(project), data)


def _saved(response):
    assert response.status_code == 302, response.context and [
        response.context["adminform"].form.errors,
        [f.errors for f in response.context["inline_admin_formsets"][0].formset.forms],
    ]
    return response


@pytest.mark.django_db
def test_removing_a_collaborator_takes_their_permissions(admin_client, project, owner, collaborator):
    assert project_permissions(collaborator, project) == COLLABORATING
    data = _form_data(admin_client, project)
    data[f"{PREFIX}-{_row_of(data, collaborator)}-DELETE"] = "on"
    _saved(_save(admin_client, project, data))
    assert not Collaborator.objects.filter(project=project).exists()
    assert project_permissions(collaborator, project) == NOTHING
    assert project_permissions(owner, project) == OWNER


@pytest.mark.django_db
def test_adding_a_collaborator_gives_their_permissions(admin_client, project, modeler):
    data = _form_data(admin_client, project)
    _add_row(data, modeler)
    _saved(_save(admin_client, project, data))
    row = Collaborator.objects.get(project=project, user=modeler)
    assert row.created_by == "sam"
    assert project_permissions(modeler, project) == COLLABORATING


@pytest.mark.django_db
def test_replacing_a_collaborators_user_moves_the_permissions(admin_client, project, collaborator, modeler):
    data = _form_data(admin_client, project)
    data[f"{PREFIX}-{_row_of(data, collaborator)}-user"] = modeler.pk
    _saved(_save(admin_client, project, data))
    assert list(Collaborator.objects.filter(project=project).values_list("user__username", flat=True)) == [
        modeler.username
    ]
    assert project_permissions(collaborator, project) == NOTHING
    assert project_permissions(modeler, project) == COLLABORATING


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["no_role", "devops", "owner", "inactive"])
def test_a_collaborator_the_api_would_refuse_is_refused(admin_client, project, personas, who):
    user = make_user("ivy", APS_MODELER, is_active=False) if who == "inactive" else personas[who]
    data = _form_data(admin_client, project)
    _add_row(data, user)
    response = _save(admin_client, project, data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[-1].errors["user"]
    expected = "owns the project" if who == "owner" else "APS_MODELER role"
    assert expected in errors[0]
    assert Collaborator.objects.filter(project=project).count() == 1
    assert project_permissions(user, project) == (OWNER if who == "owner" else NOTHING)


@pytest.mark.django_db
def test_changing_the_owner_moves_the_owner_permissions_and_the_folder(
    admin_client, project, owner, collaborator, modeler, workspace_dir
):
    old_folder = project_dir(owner.pk, project.name)
    assert (old_folder / f"{project.name}.json").is_file()
    data = _form_data(admin_client, project)
    data["owner"] = modeler.pk
    _saved(_save(admin_client, project, data))
    project.refresh_from_db()
    assert project.owner == modeler
    assert project.last_modified_by == "sam"
    assert project_permissions(modeler, project) == OWNER
    assert project_permissions(owner, project) == NOTHING
    assert project_permissions(collaborator, project) == COLLABORATING
    assert not old_folder.exists()
    assert (project_dir(modeler.pk, project.name) / f"{project.name}.json").is_file()


@pytest.mark.django_db
def test_giving_the_project_to_its_collaborator_ends_the_collaboration(
    admin_client, project, owner, collaborator
):
    data = _form_data(admin_client, project)
    data["owner"] = collaborator.pk
    _saved(_save(admin_client, project, data))
    assert not Collaborator.objects.filter(project=project).exists()
    assert project_permissions(collaborator, project) == OWNER
    assert project_permissions(owner, project) == NOTHING


@pytest.mark.django_db
def test_owner_change_and_a_new_collaborator_in_one_submission(admin_client, project, owner, modeler):
    """The old owner can be kept as a collaborator in the same save."""
    data = _form_data(admin_client, project)
    data["owner"] = modeler.pk
    _add_row(data, owner)
    _saved(_save(admin_client, project, data))
    assert project_permissions(modeler, project) == OWNER
    assert project_permissions(owner, project) == COLLABORATING


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["no_role", "devops"])
def test_a_new_owner_without_the_role_is_refused(admin_client, project, owner, personas, who):
    data = _form_data(admin_client, project)
    data["owner"] = personas[who].pk
    response = _save(admin_client, project, data)
    assert response.status_code == 200
    assert "APS_MODELER role" in response.context["adminform"].form.errors["owner"][0]
    project.refresh_from_db()
    assert project.owner == owner
    assert project_permissions(owner, project) == OWNER
    assert project_permissions(personas[who], project) == NOTHING


@pytest.mark.django_db
def test_a_new_owner_with_a_project_of_that_name_is_refused(admin_client, project, owner, modeler):
    ProjectFactory(owner=modeler, name=project.name)
    data = _form_data(admin_client, project)
    data["owner"] = modeler.pk
    response = _save(admin_client, project, data)
    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)
    project.refresh_from_db()
    assert project.owner == owner
    assert project_permissions(modeler, project) == NOTHING
    assert project_permissions(owner, project) == OWNER


@pytest.mark.django_db
def test_a_rename_moves_the_workspace_folder(admin_client, project, owner):
    old_folder = project_dir(owner.pk, project.name)
    data = _form_data(admin_client, project)
    data["name"] = "movies-renamed"
    data["description"] = "Renamed in the admin"
    _saved(_save(admin_client, project, data))
    project.refresh_from_db()
    assert (project.name, project.description) == ("movies-renamed", "Renamed in the admin")
    assert not old_folder.exists()
    assert (project_dir(owner.pk, "movies-renamed") / "movies-renamed.json").is_file()


@pytest.mark.django_db
def test_a_bad_name_is_refused(admin_client, project):
    data = _form_data(admin_client, project)
    data["name"] = "Not A DNS Name"
    response = _save(admin_client, project, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"]
    project.refresh_from_db()
    assert project.name == "movies-app"


@pytest.mark.django_db
def test_deleting_in_the_admin_removes_the_workspace_folder(admin_client, project, owner):
    folder = project_dir(owner.pk, project.name)
    assert folder.is_dir()
    response = admin_client.post(f"/admin/projects/project/{project.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not folder.exists()


@pytest.mark.django_db
def test_bulk_delete_goes_through_the_service(admin_client, project, owner):
    folder = project_dir(owner.pk, project.name)
    response = admin_client.post(
        "/admin/projects/project/",
        {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not folder.exists()


@pytest.mark.django_db
def test_projects_are_not_added_in_the_admin(admin_client):
    assert admin_client.get("/admin/projects/project/add/").status_code == 403


# --- the site's face ------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_is_branded_with_a_link_back_to_the_projects(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "<title>Users, roles and projects | Modeler administration</title>" in page
    assert '<div id="site-name"><a href="/admin/">Modeler administration</a></div>' in page
    assert '<a href="/projects/">View site</a>' in page


@pytest.mark.django_db
def test_user_list_shows_roles(admin_client, owner, devops, no_role):
    response = admin_client.get("/admin/auth/user/")
    assert response.status_code == 200
    assert "Roles" in [header["text"] for header in response.context["result_headers"]]
    page = response.content.decode()
    for user, roles in ((owner, "APS_MODELER"), (devops, "APS_DEVOPS"), (no_role, "—")):
        row = page[page.index(f">{user.username}</a>") :]
        row = row[: row.index("</tr>")]
        assert f'<td class="field-roles">{roles}</td>' in row


@pytest.mark.django_db
def test_user_form_puts_the_roles_right_under_the_username(admin_client, owner):
    response = admin_client.get(f"/admin/auth/user/{owner.pk}/change/")
    assert response.status_code == 200
    fieldsets = [fieldset.name for fieldset in response.context["adminform"]]
    assert fieldsets[:2] == [None, "Roles"]
    roles = list(response.context["adminform"])[1]
    assert [field.field.name for line in roles for field in line] == ["groups", "is_active"]


# --- project_transfer on its own, and a rule broken between the form check and the save ------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["no_role", "inactive"])
def test_transfer_service_refuses_a_non_modeler(project, owner, superuser, no_role, who):
    new_owner = no_role if who == "no_role" else make_user("ivy", APS_MODELER, is_active=False)
    with pytest.raises(ValidationFailed, match="APS_MODELER role"):
        services.project_transfer(actor=superuser, project=project, new_owner=new_owner)
    project.refresh_from_db()
    assert project.owner == owner
    assert project_permissions(owner, project) == OWNER
    assert project_permissions(new_owner, project) == NOTHING


@pytest.mark.django_db
def test_transfer_service_refuses_a_name_the_new_owner_already_uses(project, owner, superuser, modeler):
    ProjectFactory(owner=modeler, name=project.name)
    with pytest.raises(Conflict, match="already exists"):
        services.project_transfer(actor=superuser, project=project, new_owner=modeler)
    project.refresh_from_db()
    assert project.owner == owner
    assert project_permissions(owner, project) == OWNER
    assert project_permissions(modeler, project) == NOTHING


@pytest.mark.django_db
def test_a_refusal_at_save_time_rolls_the_whole_submission_back(
    admin_client, project, owner, collaborator, modeler, monkeypatch
):
    """A service refusing after the form was checked (a race) leaves nothing half-done."""

    def refused(**kwargs):
        raise Conflict("A project with the name 'movies-app' already exists")

    # The last step of the save fails, after the owner change and the description were applied.
    monkeypatch.setattr(services, "collaborator_remove", refused)
    data = _form_data(admin_client, project)
    data[f"{PREFIX}-{_row_of(data, collaborator)}-DELETE"] = "on"
    data["description"] = "changed"
    data["owner"] = modeler.pk
    response = _save(admin_client, project, data)
    assert response.status_code == 302
    assert response["Location"] == _url(project)
    page = admin_client.get(_url(project)).content.decode()
    assert "Nothing was changed: A project with the name &#x27;movies-app&#x27; already exists" in page
    project.refresh_from_db()
    assert (project.owner, project.description) == (owner, "Movies")
    assert project_permissions(owner, project) == OWNER
    assert project_permissions(modeler, project) == NOTHING
    assert project_permissions(collaborator, project) == COLLABORATING
    assert Collaborator.objects.filter(project=project, user=collaborator).exists()


def test_guardians_object_permission_pages_grant_nothing(client, superuser, project, modeler):
    """The attack that made an invisible co-owner: POST guardian's user-manage form."""
    from projects.permissions import project_permissions

    client.force_login(superuser)
    base = f"/admin/projects/project/{project.pk}/permissions/"
    assert client.get(base).status_code != 200
    client.post(
        f"{base}user-manage/{modeler.pk}/",
        {"permissions": ["view_project", "change_project", "delete_project", "manage_collaborators"]},
    )
    assert project_permissions(modeler, project) == frozenset()


def test_a_new_project_gives_its_owner_each_owner_permission_once(owner, collaborator):
    """project_insert grants them in one insert (permissions.grant_owner), as assign_perm did."""
    project = services.project_create(actor=owner, name="granted")
    assert project_permissions(owner, project) == OWNER
    assert project_permissions(collaborator, project) == NOTHING
    rows = ProjectUserObjectPermission.objects.filter(content_object=project)
    assert sorted(rows.values_list("user_id", "permission__codename")) == sorted(
        (owner.pk, codename) for codename in OWNER
    )
