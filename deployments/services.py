"""Every write of deployment descriptors, and their export as a deployment zip.

`descriptor_create` / `descriptor_update` check the whole request before storing anything
(deployments.rules), encrypt each secure value on its own (deployments.secrets) and store the
problems the descriptor has against its (immutable) release, so that lists show valid/problems
without opening the release. A change names the version it was based on (If-Match): a stale one
gets 412 and changes nothing. `descriptor_export` writes the zip of SPEC §8.2 with the archive
module's deterministic writer; secure values never reach it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from deployments import manifests, rules, secrets, selectors
from deployments.models import Descriptor
from modeler.problems import Conflict, Problem, ValidationFailed, VersionConflict, capped
from projects import archive
from projects.models import Release

logger = logging.getLogger(__name__)

DESCRIPTOR_HAS_PROBLEMS = "Validation errors found in the deployment descriptor"


def _refused(exc: rules.Refused) -> ValidationFailed:
    return ValidationFailed(exc.message, exc.problems, error_code=exc.error_code)


def _parse(body: Any, *, release_connectors, current=None, creating: bool) -> rules.DescriptorInput:
    try:
        return rules.parse_input(
            body, release_connectors=release_connectors, current=current, creating=creating
        )
    except rules.Refused as exc:
        raise _refused(exc) from None


def _name_taken(name: str) -> Conflict:
    text = f"A deployment descriptor with the application name '{name}' already exists"
    return Conflict(
        text, [Problem("Data integrity violation", text, rules.VALIDATOR, error_code="name_conflict")]
    )


def settings_of(descriptor: Descriptor) -> dict[str, rules.ConnectorSettings]:
    """The stored settings per connector; `secure_set` from the names holding a token."""
    found = {}
    for name, stored in (descriptor.connectors or {}).items():
        tokens = (descriptor.secrets or {}).get(name) or {}
        found[name] = rules.ConnectorSettings(
            image=str(stored.get("image") or ""),
            replicas=int(stored.get("replicas") or 1),
            variables={str(k): str(v) for k, v in (stored.get("variables") or {}).items()},
            secure_set=frozenset(tokens),
        )
    return found


def _stored_connectors(
    connectors: dict[str, rules.ConnectorSettings], release_connectors: dict[str, rules.ReleaseConnector]
) -> dict[str, dict]:
    return {
        name: settings.as_json()
        | {
            "secure": list(release_connectors[name].secure_names),
            "destinations": list(release_connectors[name].destinations),
        }
        for name, settings in connectors.items()
    }


def _apply_secrets(
    stored: dict[str, dict[str, str]],
    changes: dict[str, dict[str, str | None]],
    release_connectors: dict[str, rules.ReleaseConnector],
) -> dict[str, dict[str, str]]:
    """The tokens after the changes: a string sets (encrypted), null or "" clears; names that are
    not secure variables of the release's connectors are dropped."""
    result: dict[str, dict[str, str]] = {}
    for name, connector in release_connectors.items():
        secure = set(connector.secure_names)
        tokens = {key: token for key, token in (stored.get(name) or {}).items() if key in secure}
        for key, value in (changes.get(name) or {}).items():
            if value is None or value == "":
                tokens.pop(key, None)
            else:
                tokens[key] = secrets.encrypt(value)
        if tokens:
            result[name] = dict(sorted(tokens.items()))
    return result


def _with_secure_set(
    connectors: dict[str, rules.ConnectorSettings], tokens: dict[str, dict[str, str]]
) -> dict[str, rules.ConnectorSettings]:
    for name, settings in connectors.items():
        settings.secure_set = frozenset(tokens.get(name) or {})
    return connectors


def _problems_json(problems: list[Problem]) -> list[dict]:
    return [problem.as_json() for problem in capped(problems)]


def _lock_release(release: Release) -> None:
    """Hold the release row so it cannot be deleted while the descriptor naming it is stored."""
    Release.objects.select_for_update().filter(pk=release.pk).values_list("pk", flat=True).first()


def descriptor_create(*, actor, body: Any) -> Descriptor:
    """A new descriptor owned by `actor`; everything is checked before anything is stored."""
    selectors.require_devops(actor)
    shape = _parse(body, release_connectors=None, creating=True)
    release = selectors.release_to_deploy(actor, shape.release_id)
    release_connectors = selectors.release_connectors(release)
    parsed = _parse(body, release_connectors=release_connectors, creating=True)
    assert parsed.name is not None and parsed.connectors is not None and parsed.broker is not None
    if Descriptor.objects.filter(name=parsed.name).exists():
        raise _name_taken(parsed.name)
    tokens = _apply_secrets({}, parsed.secret_changes, release_connectors)
    connectors = _with_secure_set(parsed.connectors, tokens)
    problems = rules.descriptor_problems(release_connectors, connectors)
    try:
        with transaction.atomic():
            _lock_release(release)
            descriptor = Descriptor.objects.create(
                name=parsed.name,
                owner=actor,
                release=release,
                broker=parsed.broker,
                connectors=_stored_connectors(connectors, release_connectors),
                secrets=tokens,
                problems=_problems_json(problems),
                created_by=actor.username,
                last_modified_by=actor.username,
            )
    except IntegrityError:
        raise _name_taken(parsed.name) from None
    descriptor.release = release
    logger.info("descriptor %s created by %s for release %s", descriptor.pk, actor.username, release.pk)
    return descriptor


def descriptor_update(
    *, actor, descriptor: Descriptor, body: Any, expected_version: int | None
) -> Descriptor:
    """Change a descriptor (the fields sent); a stale `expected_version` gets 412 and changes nothing."""
    selectors.require_devops(actor)
    shape = _parse(body, release_connectors=None, creating=False)
    release = descriptor.release
    if shape.release_id is not None and shape.release_id != str(descriptor.release_id):
        release = selectors.release_to_deploy(actor, shape.release_id)
    release_connectors = selectors.release_connectors(release)
    current = settings_of(descriptor)
    parsed = _parse(body, release_connectors=release_connectors, current=current, creating=False)
    if parsed.connectors is None:  # connectors not sent: keep them (re-read against this release)
        parsed.connectors = {
            name: current.get(name) or rules.defaults_for(connector)
            for name, connector in release_connectors.items()
        }
    name = parsed.name or descriptor.name
    if name != descriptor.name and Descriptor.objects.filter(name=name).exclude(pk=descriptor.pk).exists():
        raise _name_taken(name)
    try:
        with transaction.atomic():
            locked = Descriptor.objects.select_for_update().get(pk=descriptor.pk)
            if expected_version is not None and locked.version != expected_version:
                raise VersionConflict(
                    f"The deployment descriptor was changed meanwhile (now version {locked.version}, "
                    f"you sent {expected_version}); reload it and apply your change again"
                )
            _lock_release(release)
            tokens = _apply_secrets(locked.secrets or {}, parsed.secret_changes, release_connectors)
            connectors = _with_secure_set(parsed.connectors, tokens)
            problems = rules.descriptor_problems(release_connectors, connectors)
            locked.name = name
            locked.release = release
            locked.broker = parsed.broker or locked.broker
            locked.connectors = _stored_connectors(connectors, release_connectors)
            locked.secrets = tokens
            locked.problems = _problems_json(problems)
            locked.version += 1
            locked.last_modified_by = actor.username
            locked.save()
    except IntegrityError:
        raise _name_taken(name) from None
    locked.release = release
    return locked


def descriptor_delete(*, actor, descriptor: Descriptor) -> None:
    selectors.require_devops(actor)
    with transaction.atomic():
        Descriptor.objects.filter(pk=descriptor.pk).delete()


def descriptor_candidate_problems(*, actor, body: Any, descriptor: Descriptor | None = None) -> list[Problem]:
    """Every problem a descriptor made of `body` (a new one, or `descriptor` changed by it) would
    have, the refusals and the rest together, storing nothing: the page checks as the user types
    with this. Secure values are only checked for their type, never kept."""
    selectors.require_devops(actor)
    creating = descriptor is None
    release_id = body.get("releaseId") if isinstance(body, dict) else None
    if descriptor is not None and release_id in (None, str(descriptor.release_id)):
        release = descriptor.release
    elif isinstance(release_id, str) and release_id:
        release = selectors.release_to_deploy(actor, release_id)
    else:
        _parse(body, release_connectors=None, creating=creating)  # raises, naming releaseId
        raise AssertionError("unreachable")  # pragma: no cover
    release_connectors = selectors.release_connectors(release)
    current = settings_of(descriptor) if descriptor is not None else None
    refusals: list[Problem] = []
    try:
        parsed = rules.parse_input(
            body, release_connectors=release_connectors, current=current, creating=creating
        )
    except rules.Refused as exc:
        refusals = exc.problems
        parsed = exc.parsed or rules.DescriptorInput()
    connectors = parsed.connectors
    if connectors is None:
        connectors = {
            name: (current or {}).get(name) or rules.defaults_for(connector)
            for name, connector in release_connectors.items()
        }
    for name, changes in parsed.secret_changes.items():
        held = set(connectors[name].secure_set)
        held |= {key for key, value in changes.items() if value}
        held -= {key for key, value in changes.items() if not value}
        connectors[name].secure_set = frozenset(held)
    said = {problem.description for problem in refusals}
    rest = [p for p in rules.descriptor_problems(release_connectors, connectors) if p.description not in said]
    return [*refusals, *rest]


def descriptor_problems(descriptor: Descriptor) -> list[Problem]:
    """Every problem of a stored descriptor, checked afresh against its release."""
    release_connectors = selectors.release_connectors(descriptor.release)
    return rules.descriptor_problems(release_connectors, _current_settings(descriptor, release_connectors))


def _current_settings(descriptor: Descriptor, release_connectors) -> dict[str, rules.ConnectorSettings]:
    stored = settings_of(descriptor)
    return {
        name: stored.get(name) or rules.defaults_for(connector)
        for name, connector in release_connectors.items()
    }


def descriptor_validate(descriptor: Descriptor) -> None:
    """Return when the descriptor can be deployed (warnings allowed); 400 with every problem otherwise."""
    problems = descriptor_problems(descriptor)
    if rules.has_errors(problems):
        raise ValidationFailed(DESCRIPTOR_HAS_PROBLEMS, problems, error_code="validation_failed")


def deployment_of(descriptor: Descriptor, release_connectors) -> manifests.Deployment:
    release = descriptor.release
    settings = _current_settings(descriptor, release_connectors)
    return manifests.Deployment(
        name=descriptor.name,
        release=manifests.ReleaseInfo(
            id=str(release.pk), name=release.name, version=release.version, project_name=release.project.name
        ),
        broker=descriptor.broker,
        connectors=tuple((connector, settings[name]) for name, connector in release_connectors.items()),
    )


def descriptor_export(descriptor: Descriptor) -> bytes:
    """The deployment zip (SPEC §8.2); refused with every problem while the descriptor has errors."""
    files = selectors.release_files(descriptor.release)
    release_connectors = selectors.connectors_in(files)
    problems = rules.descriptor_problems(
        release_connectors, _current_settings(descriptor, release_connectors)
    )
    if rules.has_errors(problems):
        raise ValidationFailed(
            f"{DESCRIPTOR_HAS_PROBLEMS}: fix them before exporting", problems, error_code="validation_failed"
        )
    return archive.zip_bytes(manifests.deployment_files(deployment_of(descriptor, release_connectors), files))


def secrets_rotate() -> int:
    """Re-encrypt every stored secure value under the first key; returns how many were rotated.
    One transaction: a token no key opens stops the rotation and changes nothing."""
    rotated = 0
    with transaction.atomic():
        for descriptor in Descriptor.objects.select_for_update().order_by("pk"):
            tokens = {
                connector: {name: secrets.rotate(token) for name, token in values.items()}
                for connector, values in (descriptor.secrets or {}).items()
            }
            rotated += sum(len(values) for values in tokens.values())
            Descriptor.objects.filter(pk=descriptor.pk).update(secrets=tokens)
    return rotated
