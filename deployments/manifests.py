"""The files of a deployment zip (SPEC §8.2): descriptor.json and the Kubernetes manifests.

Pure module: no Django import. Manifests are built as dictionaries and written with PyYAML's
safe dumper (never by joining strings), keys in the order built, so that the same descriptor
always gives the same bytes. Secure values never enter this module: a Secret is written with
its keys and empty values, to be filled in by whoever applies the manifests.

The contract with the connector SDK (README "Deployments"): the container listens on
HEALTH_PORT (8080) and answers `GET /health/live` (the process runs) and `GET /health/ready`
(connected to the broker and consuming); it reads BROKER_URL (and BROKER_USERNAME /
BROKER_PASSWORD when set), CONNECTOR_NAME, CONNECTOR_DESTINATIONS (comma-separated
`<connector>.<action>` names it consumes), APPLICATION_NAME, APPLICATION_VERSION, and its
connector variables, all from its environment; it runs as a non-root user with a read-only root
file system (a writable /tmp is mounted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from deployments.rules import ConnectorSettings, ReleaseConnector

HEALTH_PORT = 8080
LIVENESS_PATH = "/health/live"
READINESS_PATH = "/health/ready"
RUN_AS_USER = 10001
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "256Mi"},
}
BROKER_CREDENTIALS = ("BROKER_USERNAME", "BROKER_PASSWORD")
KUBERNETES_DIR = "kubernetes"
RELEASE_DIR = "release"


@dataclass(frozen=True)
class ReleaseInfo:
    id: str
    name: str
    version: int
    project_name: str


@dataclass(frozen=True)
class Deployment:
    """Everything the files are made of; secure values are absent by construction."""

    name: str
    release: ReleaseInfo
    broker: str
    connectors: tuple[tuple[ReleaseConnector, ConnectorSettings], ...]


def dump_yaml(document: Any) -> bytes:
    return yaml.safe_dump(
        document, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000
    ).encode()


def labels(deployment: Deployment, connector: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": connector,
        "app.kubernetes.io/instance": deployment.name,
        "app.kubernetes.io/version": str(deployment.release.version),
        "app.kubernetes.io/component": "connector",
        "app.kubernetes.io/part-of": deployment.name,
        "app.kubernetes.io/managed-by": "modeler",
    }


def resource_names(deployment: Deployment, connector: str) -> dict[str, str]:
    base = f"{deployment.name}-{connector}"
    return {"deployment": base, "configmap": f"{base}-config", "secret": f"{base}-secrets"}


def _metadata(deployment: Deployment, connector: str, name: str) -> dict[str, Any]:
    return {"name": name, "labels": labels(deployment, connector)}


def config_map(deployment: Deployment, connector: ReleaseConnector, settings: ConnectorSettings) -> dict:
    names = resource_names(deployment, connector.name)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(deployment, connector.name, names["configmap"]),
        "data": {name: settings.variables[name] for name in sorted(settings.variables)},
    }


def secret(deployment: Deployment, connector: ReleaseConnector) -> dict:
    names = resource_names(deployment, connector.name)
    keys = sorted({*connector.secure_names, *BROKER_CREDENTIALS})
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(deployment, connector.name, names["secret"]),
        "type": "Opaque",
        # keys present, values empty: secure values are never exported; fill them in before applying
        "stringData": {key: "" for key in keys},
    }


def deployment_manifest(
    deployment: Deployment, connector: ReleaseConnector, settings: ConnectorSettings
) -> dict:
    names = resource_names(deployment, connector.name)
    selector = {
        "app.kubernetes.io/name": connector.name,
        "app.kubernetes.io/instance": deployment.name,
    }
    environment = {
        "BROKER_URL": deployment.broker,
        "CONNECTOR_NAME": connector.name,
        "CONNECTOR_DESTINATIONS": ",".join(connector.destinations),
        "APPLICATION_NAME": deployment.name,
        "APPLICATION_VERSION": str(deployment.release.version),
        "HEALTH_PORT": str(HEALTH_PORT),
    }
    probe = {"port": "http", "scheme": "HTTP"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(deployment, connector.name, names["deployment"]),
        "spec": {
            "replicas": settings.replicas,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": labels(deployment, connector.name)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": RUN_AS_USER,
                        "runAsGroup": RUN_AS_USER,
                        "fsGroup": RUN_AS_USER,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [
                        {
                            "name": "connector",
                            "image": settings.image,
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"name": "http", "containerPort": HEALTH_PORT, "protocol": "TCP"}],
                            "env": [{"name": key, "value": value} for key, value in environment.items()],
                            "envFrom": [
                                {"configMapRef": {"name": names["configmap"]}},
                                {"secretRef": {"name": names["secret"]}},
                            ],
                            "livenessProbe": {
                                "httpGet": {"path": LIVENESS_PATH, **probe},
                                "initialDelaySeconds": 10,
                                "periodSeconds": 10,
                                "timeoutSeconds": 2,
                                "failureThreshold": 3,
                            },
                            "readinessProbe": {
                                "httpGet": {"path": READINESS_PATH, **probe},
                                "initialDelaySeconds": 5,
                                "periodSeconds": 5,
                                "timeoutSeconds": 2,
                                "failureThreshold": 3,
                            },
                            "resources": RESOURCES,
                            "securityContext": {
                                "runAsNonRoot": True,
                                "allowPrivilegeEscalation": False,
                                "readOnlyRootFilesystem": True,
                                "capabilities": {"drop": ["ALL"]},
                            },
                            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
                        }
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def kubernetes_documents(deployment: Deployment) -> dict[str, dict]:
    """File name (under kubernetes/) → manifest, per connector in name order, and the kustomization."""
    documents: dict[str, dict] = {}
    for connector, settings in sorted(deployment.connectors, key=lambda pair: pair[0].name):
        documents[f"{connector.name}-deployment.yaml"] = deployment_manifest(deployment, connector, settings)
        documents[f"{connector.name}-configmap.yaml"] = config_map(deployment, connector, settings)
        documents[f"{connector.name}-secret.yaml"] = secret(deployment, connector)
    documents["kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": list(documents),
    }
    return documents


def descriptor_document(deployment: Deployment) -> dict:
    """descriptor.json: what the descriptor says, secure variables named with "set"/"not set" only."""
    return {
        "name": deployment.name,
        "release": {
            "id": deployment.release.id,
            "name": deployment.release.name,
            "version": deployment.release.version,
            "projectName": deployment.release.project_name,
        },
        "broker": deployment.broker,
        "connectors": {
            connector.name: {
                "image": settings.image,
                "replicas": settings.replicas,
                "destinations": list(connector.destinations),
                "variables": {name: settings.variables[name] for name in sorted(settings.variables)},
                "secureVariables": {
                    name: "set" if name in settings.secure_set else "not set"
                    for name in connector.secure_names
                },
            }
            for connector, settings in sorted(deployment.connectors, key=lambda pair: pair[0].name)
        },
    }


def deployment_files(deployment: Deployment, release_files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Every file of the deployment zip, in a fixed order: descriptor.json, release/, kubernetes/."""
    files = {
        "descriptor.json": json.dumps(descriptor_document(deployment), indent=2, ensure_ascii=False).encode()
        + b"\n"
    }
    for path in sorted(release_files):
        files[f"{RELEASE_DIR}/{path}"] = release_files[path]
    for name, document in kubernetes_documents(deployment).items():
        files[f"{KUBERNETES_DIR}/{name}"] = dump_yaml(document)
    return files
