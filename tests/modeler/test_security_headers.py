"""Security headers on every page and API response: a strict CSP (no inline script, no framing),
nosniff, a Referrer-Policy and a Permissions-Policy; stored files only as sandboxed attachments."""

from __future__ import annotations

import pytest

from projects import services
from tests.test_permission_matrix import API, ROUTES

pytestmark = pytest.mark.django_db

GET_ROUTES = [route for route in ROUTES if route.method == "get"]
EXTRA_PAGES = [
    ("anonymous", "/login/"),
    ("anonymous", "/projects/"),  # the redirect to the login page
    ("owner", "/projects/no-such-page/"),  # 404 page
    ("owner", f"{API}/no/such/path"),  # API 404
    ("no_role", "/projects/"),  # 403 page
    ("owner", f"{API}/docs"),
    ("superuser", "/admin/"),
    ("superuser", "/admin/auth/user/"),
    ("superuser", "/admin/projects/project/"),
]


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_hardened(response, where: str) -> None:
    csp = response.get("Content-Security-Policy")
    assert csp, f"no Content-Security-Policy on {where}"
    policy = directives(csp)
    script = policy.get("script-src", policy.get("default-src"))
    assert script is not None and "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    assert policy.get("frame-ancestors") == ["'none'"] or "sandbox" in policy, where
    assert response.get("X-Content-Type-Options") == "nosniff", where
    assert response.get("Referrer-Policy"), where
    assert "camera=()" in response.get("Permissions-Policy", ""), where
    assert response.get("X-Frame-Options") == "DENY", where


@pytest.fixture
def urls(personas, project):
    connector, _ = services.model_create(
        actor=personas["owner"], project=project, type_name="CONNECTOR", name="c"
    )
    process, _ = services.model_create(
        actor=personas["owner"], project=project, type_name="PROCESS", name="p"
    )

    def fill(url: str) -> str:
        return (
            url.replace("{project}", str(project.pk))
            .replace("{model}", str(connector.pk))
            .replace("{process}", str(process.pk))
        )

    return fill


@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda r: r.label)
@pytest.mark.parametrize("persona", ["owner", "anonymous", "no_role"])
def test_every_route_carries_the_security_headers(client, personas, urls, route, persona):
    if personas[persona] is not None:
        client.force_login(personas[persona])
    url = urls(route.url)
    if route.api and not url.startswith(API):
        url = API + url
    assert_hardened(client.get(url), f"{route.label} as {persona}")


@pytest.mark.parametrize("persona, url", EXTRA_PAGES)
def test_other_pages_carry_the_security_headers(client, personas, persona, url):
    if personas[persona] is not None:
        client.force_login(personas[persona])
    assert_hardened(client.get(url), url)


@pytest.mark.parametrize("kind", ["{model}", "{process}"])
@pytest.mark.parametrize("endpoint", ["content", "export"])
def test_stored_files_are_sandboxed_attachments(client, personas, urls, kind, endpoint):
    client.force_login(personas["owner"])
    response = client.get(urls(f"{API}/models/{kind}/{endpoint}"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    policy = directives(response["Content-Security-Policy"])
    assert "sandbox" in policy and policy["sandbox"] == []  # no allow-scripts, no allow-same-origin
    assert policy["default-src"] == ["'none'"]
    assert response["X-Content-Type-Options"] == "nosniff"
