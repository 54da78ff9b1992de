"""The rules of SPEC §8.2 as a pure module: image references, replicas, variables, names."""

from __future__ import annotations

import pytest

from deployments import rules
from tests.deployments.helpers import connector_definition, movies_definition

VALID_IMAGES = [
    "movies:1.0",
    "team/movies:1.0.3",
    "registry.example.com/team/movies:1.0",
    "registry.example.com:5000/team/movies:v2",
    "localhost:5000/movies:dev_build-7",
    "ghcr.io/org/sub/group/movies:2026.11.28",
    "docker.io/library/python:3.12-slim",
    "movies@sha256:" + "a" * 64,
    "registry.example.com/movies:1.0@sha256:" + "0123456789abcdef" * 4,
    "my_team/movies__x/a-b--c:T_1",
    "[::1]:5000/movies:1",
    "Registry.Example.COM/movies:1",  # the host part may hold upper case
    "movies:" + "t" * 128,
]

# (reference, words the message must hold)
MALFORMED_IMAGES = [
    ("Movies:1.0", "lower case"),
    ("team/Movies:1.0", "lower case"),
    ("movies :1.0", "spaces"),
    ("movies: 1.0", "spaces"),
    (" movies:1.0", "spaces"),
    ("movies:", "':' must be followed by a tag"),
    ("registry.example.com:5000/movies:", "':' must be followed by a tag"),
    ("movies:" + "t" * 129, "129 characters"),
    ("movies@sha256:" + "a" * 63, "64 lower-case hexadecimal"),
    ("movies@sha256:" + "A" * 64, "64 lower-case hexadecimal"),
    ("movies@md5:" + "a" * 32, "must start with 'sha256:'"),
    ("movies@", "sha256"),
    ("movies:-bad", "cannot start with '.' or '-'"),
    ("movies:.bad", "cannot start with '.' or '-'"),
    ("movies:1.0:2.0", "a tag holds letters"),
    ("team//movies:1", "empty path"),
    ("/movies:1", "empty path"),
    ("movies/:1", "empty path"),
    ("movies!:1", "path components"),
    ("registry.example.com:port/movies:1", "reference grammar"),
    ("https://registry.example.com/movies:1", "URL"),
    ("mövies:1", "ASCII"),
    ("movies:1\n", "spaces"),
    ("-movies:1", "path components"),
    ("movies_:1", "path components"),
    ("registry.example.com/" + "a" * 260 + ":1", "at most 255"),
    ("x" * 600, "at most 512"),
]


@pytest.mark.parametrize("image", VALID_IMAGES)
def test_valid_references_have_no_error(image):
    assert [p for p in rules.image_problems("movies", image) if not p.warning] == []


@pytest.mark.parametrize(
    ("image", "words"), MALFORMED_IMAGES, ids=[repr(i[:40]) for i, _ in MALFORMED_IMAGES]
)
def test_malformed_references_are_errors_naming_the_connector(image, words):
    problems = rules.image_problems("movies", image)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.warning is False
    assert problem.error_code == "image.invalid"
    assert problem.reference_id == "movies"
    assert problem.description.startswith("connector 'movies': ")
    assert words in problem.description, problem.description


def test_at_least_fifteen_malformed_forms_are_covered():
    assert len(MALFORMED_IMAGES) >= 15


@pytest.mark.parametrize("image", ["movies", "registry.example.com:5000/team/movies", "movies:latest"])
def test_unpinned_references_are_warnings(image):
    problems = rules.image_problems("movies", image)
    assert [(p.warning, p.error_code) for p in problems] == [(True, "image.unpinned")]
    assert "pin a version tag or a digest" in problems[0].description


def test_a_digest_pins_even_without_a_tag():
    assert rules.image_problems("movies", "movies@sha256:" + "b" * 64) == []


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("API_KEY", True),
        ("_x", True),
        ("a1", True),
        ("1A", False),
        ("MY-VAR", False),
        ("MY VAR", False),
        ("", False),
    ],
)
def test_environment_names(name, ok):
    assert (rules.variable_name_problems("movies", name) == []) is ok


def test_reserved_runtime_names_are_refused():
    problems = rules.variable_name_problems("movies", "BROKER_URL")
    assert [p.error_code for p in problems] == ["variable.name_reserved"]


def test_release_connector_reads_actions_config_and_hides_secure_defaults():
    definition = movies_definition()
    definition["config"].append({"name": "LEAKY", "value": "should-not-be-default", "secure": True})
    connector = rules.release_connector("movies", definition)
    assert connector.destinations == ("movies.getMovieDesc", "movies.rankMovie")
    assert connector.secure_names == ("MOVIES_API_KEY", "LEAKY")
    assert rules.defaults_for(connector).variables == {
        "MOVIES_URL": "https://api.example.com",
        "TIMEOUT_SECONDS": "30",
    }
    assert connector.variable("LEAKY").value == ""


def _connectors():
    return {"movies": rules.release_connector("movies", movies_definition())}


def test_parse_prefills_defaults_and_keeps_secure_values_apart():
    parsed = rules.parse_input(
        {
            "name": "movies-prod",
            "releaseId": "r",
            "connectors": {
                "movies": {"image": "movies:1", "variables": {"MOVIES_API_KEY": "s3", "EXTRA_ONE": "x"}}
            },
        },
        release_connectors=_connectors(),
        creating=True,
    )
    settings = parsed.connectors["movies"]
    assert settings.variables == {
        "MOVIES_URL": "https://api.example.com",
        "TIMEOUT_SECONDS": "30",
        "EXTRA_ONE": "x",
    }
    assert parsed.secret_changes == {"movies": {"MOVIES_API_KEY": "s3"}}
    assert parsed.broker == rules.DEFAULT_BROKER


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ({"replicas": 0}, "replicas.range"),
        ({"replicas": 51}, "replicas.range"),
        ({"replicas": "2"}, "field.invalid"),
        ({"replicas": True}, "field.invalid"),
        ({"replicas": 1.5}, "field.invalid"),
        ({"image": 7}, "field.invalid"),
        ({"variables": []}, "field.invalid"),
        ({"variables": {"MOVIES_URL": 3}}, "variable.invalid"),
        ({"variables": {"MOVIES_API_KEY": 3}}, "variable.invalid"),
        ({"variables": {"9LIVES": "x"}}, "variable.name_invalid"),
        ({"variables": {"CONNECTOR_NAME": "x"}}, "variable.name_reserved"),
        ({"imagee": "movies:1"}, "field.unknown"),
    ],
)
def test_parse_refuses_bad_connector_settings(raw, code):
    with pytest.raises(rules.Refused) as caught:
        rules.parse_input(
            {"name": "movies-prod", "releaseId": "r", "connectors": {"movies": raw}},
            release_connectors=_connectors(),
            creating=True,
        )
    assert code in [p.error_code for p in caught.value.problems]


def test_refusals_never_quote_a_variable_value():
    secret = "do-not-echo-me"
    with pytest.raises(rules.Refused) as caught:
        rules.parse_input(
            {
                "name": "Bad Name",
                "releaseId": "r",
                "connectors": {
                    "movies": {
                        "replicas": 0,
                        "variables": {"MOVIES_URL": [secret], "MOVIES_API_KEY": {"v": secret}},
                    },
                    "nope": {},
                },
            },
            release_connectors=_connectors(),
            creating=True,
        )
    assert secret not in repr([p.as_json() for p in caught.value.problems]) + caught.value.message


def test_unknown_connectors_are_named_with_the_release_s_connectors():
    with pytest.raises(rules.Refused) as caught:
        rules.parse_input(
            {"name": "movies-prod", "releaseId": "r", "connectors": {"books": {"image": "books:1"}}},
            release_connectors=_connectors(),
            creating=True,
        )
    assert (
        caught.value.problems[0].description
        == "connectors: the release has no connector 'books' (its connectors: movies)"
    )


def test_descriptor_problems_require_image_and_required_variables():
    connectors = _connectors()
    settings = {"movies": rules.defaults_for(connectors["movies"])}
    settings["movies"].variables["MOVIES_URL"] = ""
    problems = rules.descriptor_problems(connectors, settings)
    assert [(p.error_code, p.warning) for p in problems] == [
        ("image.required", False),
        ("variable.required", False),  # MOVIES_API_KEY (secure, not set)
        ("variable.required", False),  # MOVIES_URL emptied
    ]
    assert "secure variable 'MOVIES_API_KEY'" in problems[1].description
    settings["movies"].image = "movies:latest"
    settings["movies"].variables["MOVIES_URL"] = "u"
    settings["movies"].secure_set = frozenset({"MOVIES_API_KEY"})
    assert [(p.error_code, p.warning) for p in rules.descriptor_problems(connectors, settings)] == [
        ("image.unpinned", True)
    ]


def test_a_release_without_connectors_has_nothing_to_fill():
    parsed = rules.parse_input({"name": "empty-app", "releaseId": "r"}, release_connectors={}, creating=True)
    assert parsed.connectors == {}
    assert rules.descriptor_problems({}, {}) == []


def test_config_names_that_are_no_environment_names_block_the_deployment():
    definition = connector_definition("odd", config=[{"name": "my var", "value": "x"}])
    connectors = {"odd": rules.release_connector("odd", definition)}
    settings = {"odd": rules.ConnectorSettings(image="odd:1", variables={"my var": "x"})}
    assert [p.error_code for p in rules.descriptor_problems(connectors, settings)] == [
        "variable.name_invalid"
    ]


@pytest.mark.parametrize(
    ("broker", "code"),
    [
        ("http://rabbit", "broker.invalid"),
        ("amqp://user:pw@rabbit:5672", "broker.credentials"),
        ("amqp://rab bit", "broker.invalid"),
        (5, "field.invalid"),
    ],
)
def test_broker_urls(broker, code):
    assert [p.error_code for p in rules.broker_problems(broker)] == [code]


def test_good_brokers():
    for broker in ("amqp://rabbitmq:5672", "amqps://user@rabbit.example.com/vhost", "memory://"):
        assert rules.broker_problems(broker) == []
