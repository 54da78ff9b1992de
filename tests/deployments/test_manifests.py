"""The Kubernetes manifests of a deployment: valid for a pinned Kubernetes version, complete, and
the same bytes every time."""

from __future__ import annotations

import copy
import json

import kubernetes_validate
import pytest
import yaml

from deployments import manifests, rules
from tests.deployments.helpers import connector_definition, movies_definition

# The Kubernetes version the manifests are checked against (kubernetes-validate's strict schemas,
# which also refuse unknown fields).
KUBERNETES_VERSION = "1.33.0"


def validate(document: dict) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def deployment(connectors=None, name="movies-prod") -> manifests.Deployment:
    if connectors is None:
        movies = rules.release_connector("movies", movies_definition())
        settings = rules.defaults_for(movies)
        settings.image = "registry.example.com/team/movies:1.2.0"
        settings.replicas = 3
        settings.variables["EXTRA_FLAG"] = "true"
        settings.variables["PORTISH"] = "8080"
        settings.secure_set = frozenset({"MOVIES_API_KEY"})
        connectors = ((movies, settings),)
    return manifests.Deployment(
        name=name,
        release=manifests.ReleaseInfo(id="r-1", name="movies-app", version=4, project_name="movies-app"),
        broker="amqp://rabbitmq.messaging:5672",
        connectors=tuple(connectors),
    )


def test_the_pinned_version_is_known_to_the_validator():
    assert KUBERNETES_VERSION in kubernetes_validate.utils.all_versions()


def test_every_generated_manifest_is_valid_kubernetes():
    documents = manifests.kubernetes_documents(deployment())
    kinds = []
    for name, document in documents.items():
        if name == "kustomization.yaml":
            continue
        # what is validated is what is written: the YAML read back
        written = yaml.safe_load(manifests.dump_yaml(document))
        validate(written)
        kinds.append(written["kind"])
    assert kinds == ["Deployment", "ConfigMap", "Secret"]


def test_many_connectors_all_validate():
    pairs = []
    for index in range(12):
        config = [{"name": f"VAR_{j}", "value": str(j), "required": j % 2 == 0} for j in range(5)]
        config.append({"name": "TOKEN", "secure": True, "required": True})
        connector = rules.release_connector(
            f"c{index}", connector_definition(f"c{index}", ("a", "b"), config)
        )
        settings = rules.defaults_for(connector)
        settings.image = f"ghcr.io/team/c{index}@sha256:" + "f" * 64
        pairs.append((connector, settings))
    for name, document in manifests.kubernetes_documents(deployment(pairs, name="a" * 26)).items():
        if name != "kustomization.yaml":
            validate(yaml.safe_load(manifests.dump_yaml(document)))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["spec"].__setitem__("replicas", "three"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0].pop("name"),
        lambda d: d["spec"]["template"]["spec"]["containers"][0].__setitem__("imagePullPolicy", 7),
        lambda d: d["spec"].__setitem__("replicaz", 1),
        lambda d: d["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"].__setitem__(
            "path", ["/health/live"]
        ),
    ],
)
def test_the_check_catches_a_broken_manifest(breakage):
    document = copy.deepcopy(manifests.kubernetes_documents(deployment())["movies-deployment.yaml"])
    validate(document)  # valid before
    breakage(document)
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(document)


def test_deployment_holds_image_replicas_probes_security_and_environment():
    document = manifests.kubernetes_documents(deployment())["movies-deployment.yaml"]
    labels = {
        "app.kubernetes.io/name": "movies",
        "app.kubernetes.io/instance": "movies-prod",
        "app.kubernetes.io/version": "4",
    }
    assert labels.items() <= document["metadata"]["labels"].items()
    spec = document["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"]["matchLabels"] == {
        "app.kubernetes.io/name": "movies",
        "app.kubernetes.io/instance": "movies-prod",
    }
    assert labels.items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    (container,) = pod["containers"]
    assert container["image"] == "registry.example.com/team/movies:1.2.0"
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http", "scheme": "HTTP"}
    assert container["readinessProbe"]["httpGet"] == {
        "path": "/health/ready",
        "port": "http",
        "scheme": "HTTP",
    }
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert env == {
        "BROKER_URL": "amqp://rabbitmq.messaging:5672",
        "CONNECTOR_NAME": "movies",
        "CONNECTOR_DESTINATIONS": "movies.getMovieDesc,movies.rankMovie",
        "APPLICATION_NAME": "movies-prod",
        "APPLICATION_VERSION": "4",
        "HEALTH_PORT": "8080",
    }
    assert container["envFrom"] == [
        {"configMapRef": {"name": "movies-prod-movies-config"}},
        {"secretRef": {"name": "movies-prod-movies-secrets"}},
    ]


def test_configmap_holds_plain_variables_as_strings_and_secret_holds_empty_keys():
    documents = manifests.kubernetes_documents(deployment())
    config = yaml.safe_load(manifests.dump_yaml(documents["movies-configmap.yaml"]))
    assert config["data"] == {
        "EXTRA_FLAG": "true",  # stays a string through YAML
        "MOVIES_URL": "https://api.example.com",
        "PORTISH": "8080",
        "TIMEOUT_SECONDS": "30",
    }
    secret = yaml.safe_load(manifests.dump_yaml(documents["movies-secret.yaml"]))
    assert secret["type"] == "Opaque"
    assert secret["stringData"] == {"BROKER_PASSWORD": "", "BROKER_USERNAME": "", "MOVIES_API_KEY": ""}
    assert secret["metadata"]["labels"]["app.kubernetes.io/instance"] == "movies-prod"


def test_kustomization_lists_every_manifest():
    documents = manifests.kubernetes_documents(deployment())
    assert documents["kustomization.yaml"] == {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["movies-deployment.yaml", "movies-configmap.yaml", "movies-secret.yaml"],
    }


def test_a_release_without_connectors_exports_an_empty_list():
    files = manifests.deployment_files(deployment(connectors=()), {"p.json": b"{}"})
    assert list(files) == ["descriptor.json", "release/p.json", "kubernetes/kustomization.yaml"]
    assert yaml.safe_load(files["kubernetes/kustomization.yaml"])["resources"] == []
    assert json.loads(files["descriptor.json"])["connectors"] == {}


def test_descriptor_json_names_secure_variables_without_values():
    document = manifests.descriptor_document(deployment())
    assert document["connectors"]["movies"]["secureVariables"] == {"MOVIES_API_KEY": "set"}
    assert document["release"] == {
        "id": "r-1",
        "name": "movies-app",
        "version": 4,
        "projectName": "movies-app",
    }


def test_same_deployment_same_bytes():
    first = manifests.deployment_files(deployment(), {"b.json": b"1", "a/x.json": b"2"})
    second = manifests.deployment_files(deployment(), {"a/x.json": b"2", "b.json": b"1"})
    assert first == second
    assert list(first) == list(second)


def test_yaml_is_written_by_the_library_so_hostile_values_stay_values():
    movies = rules.release_connector("movies", movies_definition())
    settings = rules.defaults_for(movies)
    settings.image = "movies:1"
    settings.variables["TRICK"] = "x\nkind: Namespace\n---\napiVersion: v1"
    document = manifests.config_map(deployment(((movies, settings),)), movies, settings)
    loaded = list(yaml.safe_load_all(manifests.dump_yaml(document)))
    assert len(loaded) == 1
    assert loaded[0]["data"]["TRICK"] == "x\nkind: Namespace\n---\napiVersion: v1"
