"""Export of a deployment descriptor for a release of 50 connectors × 20 variables.

Through the service the API calls (deployments.services.descriptor_export: read the release zip
through projects.archive, read its connectors, check the descriptor, build and dump every
manifest, zip), on PostgreSQL, against a floor measured in the same run on the same data: the same
YAML documents dumped directly with PyYAML's safe dumper, plus a bare `zipfile` write (deflate,
level 6) of the release's files and those YAML files. Goal: export <= 2x the floor.

Run by hand (not in CI): .venv/bin/python bench/bench_deployment_export.py   (PostgreSQL at 127.0.0.1:5432)
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modeler_bench_deploy")

from bench.harness import setup_django  # noqa: E402

CONNECTORS, VARIABLES, ACTIONS = 50, 20, 4
ROUNDS = 7
GOAL = 2.0


def connector_json(index: int) -> dict:
    actions = {}
    for number in range(ACTIONS):
        action_id = str(uuid.UUID(int=index * 1000 + number))
        actions[action_id] = {
            "id": action_id,
            "name": f"act{number}",
            "inputs": [{"id": f"i{number}", "name": "movieName", "type": "string", "required": True}],
            "outputs": [{"id": f"o{number}", "name": "movieDescription", "type": "string"}],
        }
    config = [
        {
            "name": f"VAR_{number:02d}",
            "description": f"Variable {number}",
            "value": "" if number % 5 == 0 else f"default-{number}",
            "required": number % 2 == 0,
            "secure": number % 5 == 0,
        }
        for number in range(VARIABLES)
    ]
    return {
        "id": f"connector-{uuid.UUID(int=index)}",
        "name": f"connector-{index:02d}",
        "description": f"Connector {index}",
        "actions": actions,
        "config": config,
    }


def median_seconds(function, rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    setup_django()
    import yaml
    from django.contrib.auth.models import Group

    from deployments import manifests, selectors, services
    from deployments.models import Descriptor
    from modeler.roles import APS_DEVOPS, APS_MODELER
    from projects import archive, releases
    from projects import services as project_services
    from projects.models import Project

    user_model = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    owner, _ = user_model.objects.get_or_create(username="bench-deploy-owner")
    owner.groups.add(Group.objects.get_or_create(name=APS_MODELER)[0])
    devops, _ = user_model.objects.get_or_create(username="bench-deploy-devops")
    devops.groups.add(Group.objects.get_or_create(name=APS_DEVOPS)[0])
    Descriptor.objects.filter(name="bench-export").delete()
    for old in Project.objects.filter(owner=owner, name="bench-deploy"):
        old.releases.all().delete()
        old.delete()
    project = project_services.project_create(actor=owner, name="bench-deploy", description="")
    definitions = [connector_json(index) for index in range(CONNECTORS)]
    for definition in definitions:
        project_services.model_create(
            actor=owner,
            project=project,
            type_name="CONNECTOR",
            name=definition["name"],
            content=json.dumps(definition, indent=2).encode(),
        )
    project_services.model_create(actor=owner, project=project, type_name="PROCESS", name="bench-process")
    release = releases.release_upload(actor=owner, project=project, data=archive.export_zip(project))
    body = {
        "name": "bench-export",
        "releaseId": str(release.pk),
        "connectors": {
            definition["name"]: {
                "image": f"registry.example.com/bench/{definition['name']}:1.0.{index}",
                "replicas": 2,
                "variables": {
                    f"VAR_{number:02d}": f"secret-{index}-{number}"
                    if number % 5 == 0
                    else f"value-{index}-{number}"
                    for number in range(VARIABLES)
                },
            }
            for index, definition in enumerate(definitions)
        },
    }
    descriptor = services.descriptor_create(actor=devops, body=body)
    descriptor = Descriptor.objects.select_related("release__project").get(pk=descriptor.pk)

    # the floor's inputs, prepared outside its timing: the release's files and the same documents
    release_files = selectors.release_files(release)
    deployment = services.deployment_of(descriptor, selectors.connectors_in(release_files))
    documents = manifests.kubernetes_documents(deployment)
    descriptor_document = manifests.descriptor_document(deployment)

    def floor() -> bytes:
        files = dict(release_files)
        files["descriptor.json"] = json.dumps(descriptor_document, indent=2).encode()
        for name, document in documents.items():
            files[f"kubernetes/{name}"] = yaml.safe_dump(document, sort_keys=False).encode()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for name, data in files.items():
                target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
        return buffer.getvalue()

    def export() -> bytes:
        return services.descriptor_export(descriptor)

    first, second = export(), export()
    assert first == second, "the export is not deterministic"
    floor_seconds = median_seconds(floor)
    export_seconds = median_seconds(export)
    ratio = export_seconds / floor_seconds
    print(
        f"release: {CONNECTORS} connectors × {VARIABLES} variables, {len(release_files)} files, "
        f"{len(release.content):,} bytes; deployment zip {len(first):,} bytes, {len(documents)} manifests"
    )
    print(f"floor  (YAML dump + zip):          median {floor_seconds * 1000:8.1f} ms over {ROUNDS} rounds")
    print(f"export (descriptor_export):        median {export_seconds * 1000:8.1f} ms over {ROUNDS} rounds")
    print(f"ratio export/floor: {ratio:.2f}x (goal <= {GOAL:.1f}x) {'OK' if ratio <= GOAL else 'OVER'}")
    Descriptor.objects.filter(pk=descriptor.pk).delete()


if __name__ == "__main__":
    main()
