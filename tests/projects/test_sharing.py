"""Sharing a project announces itself: the new collaborator sees who shared it; the add form
suggests only people the owner already works with."""

from __future__ import annotations

import pytest

from modeler.roles import APS_MODELER
from projects import selectors, services
from tests.factories import ProjectFactory, make_user

pytestmark = pytest.mark.django_db


def test_a_shared_project_is_listed_as_shared_with_you_by_whom(client, owner, collaborator, project):
    client.force_login(collaborator)
    page = client.get("/projects/").content.decode()
    assert "shared with you by olivia" in page
    client.force_login(owner)
    page = client.get("/projects/").content.decode()
    assert "shared with you" not in page  # the owner's own project is not "shared with" her


def test_known_modelers_are_only_people_one_already_works_with(owner, collaborator, project, modeler):
    stranger = make_user("stan", APS_MODELER)
    ProjectFactory(owner=stranger, name="elsewhere")
    assert list(selectors.known_modelers(owner)) == [collaborator]
    assert list(selectors.known_modelers(collaborator)) == [owner]
    assert list(selectors.known_modelers(modeler)) == []


def test_the_add_form_suggests_known_modelers_only(client, owner, collaborator, project, modeler):
    other = ProjectFactory(owner=owner, name="second")
    client.force_login(owner)
    page = client.get(f"/projects/{other.pk}/").content.decode()
    assert '<option value="carl">' in page
    assert "mona" not in page  # a modeler the owner never worked with is not listed


def test_unknown_inactive_and_roleless_accounts_get_the_same_answer(owner, project, no_role):
    make_user("gone", APS_MODELER, is_active=False)
    messages = []
    for username in ("ghost", "gone", no_role.username):
        with pytest.raises(services.NotFound) as refused:
            services.collaborator_add(actor=owner, project=project, username=username)
        messages.append(refused.value.message.replace(username, "X"))
    assert len(set(messages)) == 1
