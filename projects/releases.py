"""Project validation, releases (SPEC §8.1) and restores (of a release, of a model version).

`project_problems` lists every problem of every model of a project: the stored problems of the
models whose check does not depend on other models, and a fresh check of those that do (a
process whose connector changed since its last save). `release_create` refuses a project with
any error, numbers releases 1, 2, 3 … per project and stores the project zip as released;
`release_restore` makes a release's content the project's current content in one transaction.
Archives are read and written by projects.archive only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max

from modeler.problems import MAX_PROBLEMS, NotFound, Problem, ValidationFailed, capped
from projects import archive, services, workspace_sync
from projects.model_types import ContentCheck, model_type
from projects.models import Model, ModelVersion, Project, Release
from projects.names import dns_name_problems

logger = logging.getLogger(__name__)

PROJECT_VALIDATION_FAILED = "Validation errors found in project's models"
PROJECT_VALIDATION_WARNINGS = "Validation warnings found in project's models"
PROCESS = "PROCESS"  # SPEC §5: a project must hold at least one process
MAX_COMMENT_LENGTH = 4000


@dataclass(frozen=True)
class ModelProblem(Problem):
    """A problem of one model of the project: the error row also names the model."""

    model_id: str | None = None
    model_name: str = ""
    model_type: str = ""

    def as_json(self) -> dict:
        return super().as_json() | {
            "modelId": self.model_id,
            "modelName": self.model_name,
            "modelType": self.model_type,
        }


def _stored_problem(data: dict) -> Problem:
    return Problem(
        problem=str(data.get("problem", "")),
        description=str(data.get("description", "")),
        validator_set_name=str(data.get("validatorSetName", "")),
        warning=bool(data.get("warning", False)),
        error_code=str(data.get("errorCode", "validation_failed")),
        reference_id=data.get("referenceId"),
    )


def _model_problems(model: Model) -> list[Problem]:
    mtype = model_type(model.type)
    if mtype.complete_save is None:
        return [_stored_problem(item) for item in (model.problems or []) if isinstance(item, dict)]
    try:
        check = services.model_validate(
            model=model, content=bytes(model.content), extensions=model.extensions
        )
    except ValidationFailed as exc:
        return exc.problems or [Problem(exc.message, exc.message, error_code=exc.error_code)]
    return check.problems


def project_problems(
    project: Project, models: list[Model] | None = None, progress: archive.Progress = archive.no_progress
) -> list[Problem]:
    """Every problem of the project and its models, errors first, capped at MAX_PROBLEMS."""
    if models is None:
        models = list(
            Model.objects.filter(project=project).select_related("project__owner").order_by("type", "name")
        )
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if not any(model.type == PROCESS for model in models):
        errors.append(
            Problem(
                "Project must contain at least one process",
                "Project must contain at least one process: create a process (or import one) before releasing",
                "Project consistency validator",
                error_code="no_process",
            )
        )
    errors.extend(dns_name_problems(project.name, "project"))
    for index, model in enumerate(models):
        progress("validate", index + 1, len(models), model.name)
        for problem in capped(_model_problems(model)):
            described = problem.description or problem.problem
            row = ModelProblem(
                problem=problem.problem,
                description=f"{model.type.lower()} '{model.name}': {described}",
                validator_set_name=problem.validator_set_name,
                warning=problem.warning,
                error_code=problem.error_code,
                reference_id=problem.reference_id,
                model_id=str(model.pk),
                model_name=model.name,
                model_type=model.type,
            )
            (warnings if problem.warning else errors).append(row)
        if len(errors) > 10 * MAX_PROBLEMS and len(warnings) > 10 * MAX_PROBLEMS:
            break
    return capped([*errors, *warnings])


def has_errors(problems: list[Problem]) -> bool:
    return any(not problem.warning for problem in problems)


def project_validate(project: Project, progress: archive.Progress = archive.no_progress) -> None:
    """Raise 400 with every problem when the project has any; return when it has none."""
    problems = project_problems(project, progress=progress)
    if not problems:
        return
    if has_errors(problems):
        raise ValidationFailed(PROJECT_VALIDATION_FAILED, problems, error_code="validation_failed")
    raise ValidationFailed(
        f"{PROJECT_VALIDATION_WARNINGS}: {len(problems)} warnings found",
        problems,
        error_code="validation_warnings",
    )


# --- releases -------------------------------------------------------------------------------


def _check_comment(comment: object) -> str:
    if comment is None:
        return ""
    if not isinstance(comment, str):
        raise ValidationFailed("The comment must be a string", error_code="field.invalid")
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationFailed(
            f"The comment length cannot be greater than {MAX_COMMENT_LENGTH}",
            [
                Problem(
                    "length.greater",
                    f"comment: at most {MAX_COMMENT_LENGTH} characters",
                    error_code="length.greater",
                )
            ],
            error_code="length.greater",
        )
    return comment


def _check_release_name(name: object, project: Project) -> str:
    if name in (None, ""):
        return project.name
    problems = dns_name_problems(name, "release")
    if problems:
        raise ValidationFailed("Invalid release name", problems)
    assert isinstance(name, str)
    return name


def _next_version(project: Project) -> int:
    return (Release.objects.filter(project=project).aggregate(top=Max("version"))["top"] or 0) + 1


def _write_manifest(project: Project) -> None:
    workspace_sync.sync_manifest(project.pk)


def _lock_project(project: Project) -> Project:
    return Project.objects.select_for_update(of=("self",)).select_related("owner").get(pk=project.pk)


def release_create(
    *,
    actor,
    project: Project,
    comment: object = "",
    name: object = None,
    progress: archive.Progress = archive.no_progress,
) -> Release:
    """Validate, then store the next numbered snapshot; any error refuses with every problem."""
    comment = _check_comment(comment)
    release_name = _check_release_name(name, project)
    with transaction.atomic():
        locked = _lock_project(project)
        # The models are locked too, so the snapshot is exactly what was validated.
        models = list(
            Model.objects.select_for_update(of=("self",))
            .select_related("project__owner")
            .filter(project=locked)
            .order_by("type", "name")
        )
        problems = project_problems(locked, models, progress)
        if has_errors(problems):
            raise ValidationFailed(PROJECT_VALIDATION_FAILED, problems, error_code="validation_failed")
        locked.version = _next_version(locked)
        locked.save(update_fields=["version"])
        release = Release.objects.create(
            project=locked,
            name=release_name,
            version=locked.version,
            comment=comment,
            content=archive.zip_bytes(archive.project_files(locked, models)),
            created_by=actor.username,
        )
    _write_manifest(locked)
    project.version = locked.version
    return release


@archive.cyclic_gc_paused()
def release_upload(*, actor, project: Project, data: bytes, comment: object = "") -> Release:
    """Store a release zip made elsewhere (`imported`), after the same checks as an import (and,
    as an import, with Python's cyclic collector paused while it reads and checks them)."""
    comment = _check_comment(comment)
    members = archive.read_zip(data, archive.accept_project_path)
    parsed = archive.project_archive(members)
    archive.check_models(parsed)
    ordered = {parsed.manifest_path: members[parsed.manifest_path]} | {
        path: members[path] for path in sorted(members) if path != parsed.manifest_path
    }
    with transaction.atomic():
        locked = _lock_project(project)
        locked.version = _next_version(locked)
        locked.save(update_fields=["version"])
        release = Release.objects.create(
            project=locked,
            name=locked.name,
            version=locked.version,
            comment=comment,
            content=archive.zip_bytes(ordered),
            imported=True,
            created_by=actor.username,
        )
    _write_manifest(locked)
    return release


def _inner_extensions(document: Any) -> Any:
    if isinstance(document, dict) and "extensions" in document:
        return document["extensions"]
    return document


@archive.cyclic_gc_paused()
def release_restore(*, actor, release: Release) -> Project:
    """Every model gets the release's content as a new version; models not in the release are
    removed; one transaction (the collector paused, as for an import). The workspace is rewritten from the database afterwards (also when
    the restore is refused, since the model services write files as they go)."""
    parsed = archive.read_project_zip(bytes(release.content))
    archive.check_models(parsed)
    project = release.project
    try:
        with transaction.atomic():
            locked = _lock_project(project)
            current = {
                (model.type, model.name): model
                for model in Model.objects.select_for_update(of=("self",))
                .select_related("project__owner")
                .filter(project=locked)
            }
            wanted = {(model.type_name, model.name) for model in parsed.models}
            for key, model in sorted(current.items()):
                if key not in wanted:
                    services.model_delete(actor=actor, model=model)
            for item in parsed.models:
                existing = current.get((item.type_name, item.name))
                extensions = item.extensions if item.extensions is not None else ...
                if existing is None:
                    services.model_create(
                        actor=actor,
                        project=locked,
                        type_name=item.type_name,
                        name=item.name,
                        content=item.content,
                        extensions=None if extensions is ... else extensions,
                    )
                    continue
                if bytes(existing.content) == item.content and (
                    extensions is ... or _inner_extensions(extensions) == existing.extensions
                ):
                    continue  # already the release's content: no new version
                services.model_save_content(
                    actor=actor,
                    model=existing,
                    content=item.content,
                    expected_version=existing.version,
                    extensions=extensions,
                )
    except BaseException:
        archive.rebuild_workspace(project)
        raise
    project.refresh_from_db()
    archive.rebuild_workspace(project)
    return project


# --- model versions -------------------------------------------------------------------------


def parse_version(raw: object) -> int:
    text = str(raw).strip()
    if text.startswith("0.0."):
        text = text[4:]
    if not text.isdigit() or len(text) > 9:
        raise ValidationFailed(
            f"Invalid version: {str(raw)[:40]!r}; use the patch number or 0.0.N", error_code="field.invalid"
        )
    return int(text)


def model_version(model: Model, version: object) -> ModelVersion:
    """One saved version of a model, or 404."""
    number = parse_version(version)
    row = ModelVersion.objects.filter(model=model, version=number).first()
    if row is None:
        raise NotFound(f"Version 0.0.{number} of model {model.name} not found")
    return row


def model_version_restore(
    *, actor, model: Model, version: object, expected_version: int | None = None
) -> tuple[Model, ContentCheck]:
    """Save an older version's content (and extensions) as the model's next version."""
    old = model_version(model, version)
    mtype = model_type(model.type)
    extensions = old.extensions if mtype.complete_save is not None else ...
    return services.model_save_content(
        actor=actor,
        model=model,
        content=bytes(old.content),
        expected_version=expected_version,
        extensions=extensions,
    )
