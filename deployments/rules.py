"""The rules of a deployment descriptor (SPEC §8.2): names, image references, replicas, variables.

Pure module: no Django import. It reads the connectors of a release from their definition JSON,
parses the descriptor a client sends (refusing what is malformed, with every problem), and lists
what keeps a stored descriptor from being deployed (a missing image, a required variable without
a value) or deserves a warning (an image without a pinned tag). No message here ever quotes the
value of a variable: a secure one must never reach a response or a log line, and the plain ones
are not needed to say what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from modeler.problems import Problem
from projects.names import dns_name_problems

VALIDATOR = "Deployment descriptor validator"
IMAGE_VALIDATOR = "Image reference validator"

MIN_REPLICAS = 1
MAX_REPLICAS = 50
MAX_IMAGE_LENGTH = 512
MAX_NAME_LENGTH_IN_REFERENCE = 255  # the repository part, as in distribution/reference
MAX_VARIABLES = 200  # per connector
MAX_VALUE_LENGTH = 64 * 1024
MAX_BROKER_LENGTH = 2048
DEFAULT_BROKER = "amqp://rabbitmq:5672"
BROKER_SCHEMES = ("amqp", "amqps", "memory")

# Names the connector runtime sets itself (manifests.py); a variable of that name would be shadowed.
RESERVED_VARIABLES = frozenset(
    {
        "BROKER_URL",
        "BROKER_USERNAME",
        "BROKER_PASSWORD",
        "CONNECTOR_NAME",
        "CONNECTOR_DESTINATIONS",
        "APPLICATION_NAME",
        "APPLICATION_VERSION",
        "HEALTH_PORT",
    }
)
ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,252}", re.ASCII)

# The OCI distribution reference grammar (github.com/distribution/reference, regexp.go), with the
# digest narrowed to sha256 as SPEC §8.2 asks: [host[:port]/]path[:tag][@sha256:<64 hex>].
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[[a-fA-F0-9:]+\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[_.]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*"
_PATH = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"sha256:[a-f0-9]{64}"
IMAGE_REFERENCE = re.compile(
    rf"(?:(?P<domain>{_DOMAIN})/)?(?P<path>{_PATH})(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?",
    re.ASCII,
)
_GRAMMAR = "[host[:port]/]path[:tag][@sha256:<64 hex digits>]"


class Refused(Exception):
    """Input that cannot be stored: every problem found, none of them quoting a variable's value."""

    def __init__(
        self,
        message: str,
        problems: list[Problem],
        error_code: str = "validation_failed",
        parsed: DescriptorInput | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.problems = problems
        self.error_code = error_code
        self.parsed = parsed  # what could be read despite the problems (for checking as one types)


# --- the connectors of a release ----------------------------------------------------------------


@dataclass(frozen=True)
class ConfigVariable:
    """One `config` entry of a connector definition: a variable of the connector's environment."""

    name: str
    value: str = ""
    required: bool = False
    secure: bool = False
    description: str = ""


@dataclass(frozen=True)
class ReleaseConnector:
    """A connector of a release: its name, its action names and its variables."""

    name: str
    actions: tuple[str, ...] = ()
    config: tuple[ConfigVariable, ...] = ()

    @property
    def destinations(self) -> tuple[str, ...]:
        """The broker destinations it consumes: `<connector>.<action>` (SPEC §10)."""
        return tuple(f"{self.name}.{action}" for action in self.actions)

    @property
    def secure_names(self) -> tuple[str, ...]:
        return tuple(variable.name for variable in self.config if variable.secure)

    def variable(self, name: str) -> ConfigVariable | None:
        return next((variable for variable in self.config if variable.name == name), None)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return ""


def release_connector(name: str, definition: Any) -> ReleaseConnector:
    """A connector of a release from its (already checked) definition JSON."""
    definition = definition if isinstance(definition, dict) else {}
    actions = definition.get("actions")
    names: list[str] = []
    if isinstance(actions, dict):
        for action in actions.values():
            if isinstance(action, dict) and isinstance(action.get("name"), str) and action["name"]:
                names.append(action["name"])
    config: list[ConfigVariable] = []
    seen: set[str] = set()
    for entry in definition.get("config") or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or entry["name"] in seen:
            continue
        seen.add(entry["name"])
        secure = entry.get("secure") is True
        config.append(
            ConfigVariable(
                name=entry["name"],
                # a secure value is never stored in a project (SPEC §4.2): never a default either
                value="" if secure else _text(entry.get("value")),
                required=entry.get("required") is True,
                secure=secure,
                description=entry.get("description") if isinstance(entry.get("description"), str) else "",
            )
        )
    return ReleaseConnector(name=name, actions=tuple(sorted(set(names))), config=tuple(config))


# --- the settings of one connector in a descriptor ----------------------------------------------


@dataclass
class ConnectorSettings:
    """What a descriptor says of one connector. `secure_set` names the secure variables that hold
    a value; the values themselves live encrypted beside it, never here."""

    image: str = ""
    replicas: int = 1
    variables: dict[str, str] = field(default_factory=dict)
    secure_set: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, Any]:
        return {"image": self.image, "replicas": self.replicas, "variables": dict(self.variables)}


@dataclass
class DescriptorInput:
    """A parsed request body: the fields it sent (None: not sent) and the secure values to set
    (a string) or clear (None), by connector."""

    name: str | None = None
    release_id: str | None = None
    broker: str | None = None
    connectors: dict[str, ConnectorSettings] | None = None
    secret_changes: dict[str, dict[str, str | None]] = field(default_factory=dict)


def defaults_for(connector: ReleaseConnector) -> ConnectorSettings:
    """The settings a new descriptor starts with: one replica, variables pre-filled from the
    connector's `config[].value` (the plain ones; secure ones are entered at deployment only)."""
    return ConnectorSettings(
        variables={variable.name: variable.value for variable in connector.config if not variable.secure}
    )


# --- checks of single values ----------------------------------------------------------------------


def _problem(description: str, code: str, *, reference: str | None = None, warning: bool = False) -> Problem:
    return Problem(
        problem=description,
        description=description,
        validator_set_name=VALIDATOR,
        warning=warning,
        error_code=code,
        reference_id=reference,
    )


def _shown(value: str, limit: int = 80) -> str:
    """A value for a message: cut, and control characters made visible."""
    cut = value[:limit] + ("…" if len(value) > limit else "")
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in cut)


def _image_diagnosis(image: str) -> str:
    """Why a reference does not match the grammar, in words."""
    if any(ch.isspace() for ch in image):
        return "it contains spaces"
    if not image.isascii() or not image.isprintable():
        return "it contains characters outside ASCII or control characters"
    if "://" in image:
        return "it is a URL; give the registry host without a scheme (e.g. ghcr.io/team/app:1.0)"
    name, at, digest = image.partition("@")
    if at:
        if not digest.startswith("sha256:"):
            return "the digest must start with 'sha256:'"
        if not re.fullmatch(r"[a-f0-9]{64}", digest[len("sha256:") :]):
            return "the digest must be 'sha256:' followed by 64 lower-case hexadecimal digits"
    last = name.rsplit("/", 1)[-1]
    repository, colon, tag = last.partition(":") if ":" in last else (last, "", "")
    if colon and not tag:
        return "':' must be followed by a tag"
    if tag and len(tag) > 128:
        return f"the tag has {len(tag)} characters; at most 128 are allowed"
    if tag and not re.fullmatch(_TAG, tag, re.ASCII):
        return "a tag holds letters, digits, '_', '.' and '-' and cannot start with '.' or '-'"
    path = name.split("/", 1)[1] if "/" in name and _looks_like_domain(name.split("/", 1)[0]) else name
    path = path.rsplit(":", 1)[0] if colon else path
    if path != path.lower():
        return "the repository path must be lower case"
    if path.startswith("/") or path.endswith("/") or "//" in path:
        return "empty path components are not allowed"
    if not path:
        return "the repository path is missing"
    if repository and not re.fullmatch(_PATH_COMPONENT, repository, re.ASCII):
        return "path components hold lower-case letters and digits separated by '.', '_', '__' or '-'"
    return f"it does not follow the reference grammar {_GRAMMAR}"


def _looks_like_domain(component: str) -> bool:
    return "." in component or ":" in component or component == "localhost" or component != component.lower()


def image_problems(connector: str, image: Any) -> list[Problem]:
    """Problems of the image reference of `connector`: errors for a malformed one, warnings for a
    reference that pins nothing (no tag, or `latest`). An empty image is not judged here."""
    where = f"connector '{connector}'"
    if not isinstance(image, str):
        return [_problem(f"{where}: the image must be a string", "field.invalid", reference=connector)]
    if image == "":
        return []
    if len(image) > MAX_IMAGE_LENGTH:
        return [
            _problem(
                f"{where}: the image reference has {len(image)} characters; at most {MAX_IMAGE_LENGTH}",
                "image.invalid",
                reference=connector,
            )
        ]
    match = IMAGE_REFERENCE.fullmatch(image)
    if match is None:
        return [
            _problem(
                f"{where}: invalid image reference '{_shown(image)}': {_image_diagnosis(image)}",
                "image.invalid",
                reference=connector,
            )
        ]
    repository = f"{match['domain']}/{match['path']}" if match["domain"] else match["path"]
    if len(repository) > MAX_NAME_LENGTH_IN_REFERENCE:
        return [
            _problem(
                f"{where}: the repository name of the image has {len(repository)} characters; "
                f"at most {MAX_NAME_LENGTH_IN_REFERENCE}",
                "image.invalid",
                reference=connector,
            )
        ]
    if match["digest"]:
        return []
    if match["tag"] is None:
        return [
            _problem(
                f"{where}: image '{image}' has no tag: it is pulled as 'latest', which changes "
                "under you; pin a version tag or a digest",
                "image.unpinned",
                reference=connector,
                warning=True,
            )
        ]
    if match["tag"] == "latest":
        return [
            _problem(
                f"{where}: image '{image}' uses the tag 'latest', which changes under you; "
                "pin a version tag or a digest",
                "image.unpinned",
                reference=connector,
                warning=True,
            )
        ]
    return []


def variable_name_problems(connector: str, name: str) -> list[Problem]:
    where = f"connector '{connector}'"
    if not ENVIRONMENT_NAME.fullmatch(name):
        return [
            _problem(
                f"{where}: variable '{_shown(name, 60)}' is not a valid environment variable name "
                "(letters, digits and '_', not starting with a digit)",
                "variable.name_invalid",
                reference=connector,
            )
        ]
    if name in RESERVED_VARIABLES:
        return [
            _problem(
                f"{where}: variable '{name}' is set by the connector runtime itself; choose another name",
                "variable.name_reserved",
                reference=connector,
            )
        ]
    return []


def broker_problems(broker: Any) -> list[Problem]:
    if not isinstance(broker, str):
        return [_problem("broker: the broker URL must be a string", "field.invalid")]
    if len(broker) > MAX_BROKER_LENGTH:
        return [_problem(f"broker: at most {MAX_BROKER_LENGTH} characters", "length.greater")]
    scheme, sep, rest = broker.partition("://")
    if not sep or scheme not in BROKER_SCHEMES or not broker.isascii() or not broker.isprintable():
        return [
            _problem(
                "broker: the broker URL must start with "
                + " or ".join(f"{s}://" for s in BROKER_SCHEMES)
                + " and hold printable ASCII only",
                "broker.invalid",
            )
        ]
    if any(ch.isspace() for ch in broker):
        return [_problem("broker: the broker URL cannot contain spaces", "broker.invalid")]
    authority = rest.split("/", 1)[0]
    if "@" in authority and ":" in authority.rsplit("@", 1)[0]:
        return [
            _problem(
                "broker: the broker URL cannot hold a password (it would be written into a ConfigMap); "
                "fill BROKER_USERNAME and BROKER_PASSWORD in each connector's Secret instead",
                "broker.credentials",
            )
        ]
    return []


# --- parsing a request body ------------------------------------------------------------------------

_TOP_LEVEL = ("name", "releaseId", "broker", "connectors")
_CONNECTOR_KEYS = ("image", "replicas", "variables")


def _replicas(connector: str, value: Any, problems: list[Problem]) -> int:
    where = f"connector '{connector}'"
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(
            _problem(f"{where}: replicas must be a whole number", "field.invalid", reference=connector)
        )
        return MIN_REPLICAS
    if not MIN_REPLICAS <= value <= MAX_REPLICAS:
        problems.append(
            _problem(
                f"{where}: replicas must be between {MIN_REPLICAS} and {MAX_REPLICAS}, got {value}"
                if abs(value) < 10**12
                else f"{where}: replicas must be between {MIN_REPLICAS} and {MAX_REPLICAS}",
                "replicas.range",
                reference=connector,
            )
        )
    return value


def _parse_connector(
    connector: ReleaseConnector,
    raw: Any,
    current: ConnectorSettings,
    problems: list[Problem],
    secret_changes: dict[str, str | None],
) -> ConnectorSettings:
    """One connector's settings from `raw`, over `current`. Variables are merged as a JSON merge
    patch: a name sent with a string sets it, with null removes it, a name not sent is kept."""
    where = f"connector '{connector.name}'"
    if not isinstance(raw, dict):
        problems.append(
            _problem(
                f"{where}: must be an object {{image, replicas, variables}}",
                "field.invalid",
                reference=connector.name,
            )
        )
        return current
    unknown = sorted(key for key in raw if key not in _CONNECTOR_KEYS)
    if unknown:
        problems.append(
            _problem(
                f"{where}: unknown fields {', '.join(_shown(k, 40) for k in unknown[:5])}; "
                f"allowed: {', '.join(_CONNECTOR_KEYS)}",
                "field.unknown",
                reference=connector.name,
            )
        )
    result = ConnectorSettings(
        image=current.image,
        replicas=current.replicas,
        variables=dict(current.variables),
        secure_set=current.secure_set,
    )
    if "image" in raw:
        image = raw["image"]
        if image is None:
            image = ""
        found = image_problems(connector.name, image)
        problems.extend(problem for problem in found if not problem.warning)
        if isinstance(image, str):
            result.image = image
    if "replicas" in raw:
        result.replicas = _replicas(connector.name, raw["replicas"], problems)
    if "variables" in raw:
        variables = raw["variables"]
        if not isinstance(variables, dict):
            problems.append(
                _problem(
                    f"{where}: variables must be an object {{NAME: value}}",
                    "field.invalid",
                    reference=connector.name,
                )
            )
            return result
        if len(variables) > MAX_VARIABLES:
            problems.append(
                _problem(
                    f"{where}: at most {MAX_VARIABLES} variables per connector, got {len(variables)}",
                    "variables.too_many",
                    reference=connector.name,
                )
            )
            return result
        secure = set(connector.secure_names)
        plain: dict[str, str] = {}
        removed: set[str] = set()
        for name, value in variables.items():
            name_problems = variable_name_problems(connector.name, name)
            if name_problems and connector.variable(name) is None:
                problems.extend(name_problems)
                continue
            if name in secure:
                if value is None:
                    secret_changes[name] = None
                elif isinstance(value, str) and len(value) <= MAX_VALUE_LENGTH:
                    secret_changes[name] = value
                else:
                    problems.append(
                        _problem(
                            f"{where}: secure variable '{name}' must be a string of at most "
                            f"{MAX_VALUE_LENGTH} characters (or null to clear it)",
                            "variable.invalid",
                            reference=connector.name,
                        )
                    )
                continue
            if value is None:
                removed.add(name)
                continue
            if not isinstance(value, str):
                problems.append(
                    _problem(
                        f"{where}: variable '{name}' must be a string",
                        "variable.invalid",
                        reference=connector.name,
                    )
                )
                continue
            if len(value) > MAX_VALUE_LENGTH:
                problems.append(
                    _problem(
                        f"{where}: variable '{name}' is longer than {MAX_VALUE_LENGTH} characters",
                        "length.greater",
                        reference=connector.name,
                    )
                )
                continue
            plain[name] = value
        merged = {**result.variables, **plain}
        result.variables = {key: value for key, value in merged.items() if key not in removed}
    return result


def parse_input(
    body: Any,
    *,
    release_connectors: Mapping[str, ReleaseConnector] | None,
    current: Mapping[str, ConnectorSettings] | None = None,
    creating: bool,
) -> DescriptorInput:
    """Check the shape and the values of a request body; raise Refused with every problem.

    `release_connectors` are the connectors of the release the descriptor names (None when the
    body's release is still to be resolved: only the top-level shape is checked then). On create
    every connector starts from its defaults; on change the connectors sent replace their image,
    replicas and plain variables, and secure values are set (a string), cleared (null) or kept
    (not sent).
    """
    if not isinstance(body, dict):
        raise Refused(
            "The request body must be a JSON object",
            [_problem("The request body must be a JSON object", "field.invalid")],
        )
    problems: list[Problem] = []
    unknown = sorted(key for key in body if key not in _TOP_LEVEL)
    if unknown:
        problems.append(
            _problem(
                f"unknown fields {', '.join(_shown(k, 40) for k in unknown[:5])}; allowed: {', '.join(_TOP_LEVEL)}",
                "field.unknown",
            )
        )
    parsed = DescriptorInput()
    if "name" in body or creating:
        name = body.get("name")
        name_problems = dns_name_problems(name, "application")
        problems.extend(
            Problem(p.problem, f"name: {p.description}", VALIDATOR, error_code=p.error_code)
            for p in name_problems
        )
        if not name_problems:
            parsed.name = name
    if "releaseId" in body or creating:
        release_id = body.get("releaseId")
        if not isinstance(release_id, str) or not release_id:
            problems.append(
                _problem("releaseId: the id of a release is required (a string)", "field.required")
            )
        else:
            parsed.release_id = release_id
    if "broker" in body:
        broker = body["broker"]
        if broker is None or broker == "":
            parsed.broker = DEFAULT_BROKER
        else:
            found = broker_problems(broker)
            problems.extend(found)
            if not found:
                parsed.broker = broker
    elif creating:
        parsed.broker = DEFAULT_BROKER
    raw_connectors = body.get("connectors")
    if "connectors" in body and raw_connectors is not None and not isinstance(raw_connectors, dict):
        problems.append(
            _problem(
                "connectors: must be an object {<connector>: {image, replicas, variables}}", "field.invalid"
            )
        )
        raw_connectors = None
    if release_connectors is None:
        if problems:
            raise Refused(_summary(problems), problems, parsed=parsed)
        return parsed
    if raw_connectors is not None or creating:
        raw_connectors = raw_connectors or {}
        unknown_connectors = sorted(name for name in raw_connectors if name not in release_connectors)
        for name in unknown_connectors[:20]:
            known = ", ".join(sorted(release_connectors)) or "none"
            problems.append(
                _problem(
                    f"connectors: the release has no connector '{_shown(str(name), 60)}' (its connectors: {known})",
                    "connector.unknown",
                    reference=str(name)[:60],
                )
            )
        settings: dict[str, ConnectorSettings] = {}
        for name, connector in sorted(release_connectors.items()):
            start = (current or {}).get(name)
            if start is None or creating:
                start = defaults_for(connector)
            if name in raw_connectors:
                changes: dict[str, str | None] = {}
                settings[name] = _parse_connector(connector, raw_connectors[name], start, problems, changes)
                if changes:
                    parsed.secret_changes[name] = changes
            else:
                settings[name] = start
        parsed.connectors = settings
    if problems:
        raise Refused(_summary(problems), problems, parsed=parsed)
    return parsed


def _summary(problems: list[Problem]) -> str:
    return problems[0].description if len(problems) == 1 else f"{len(problems)} problems in the descriptor"


# --- what keeps a descriptor from being deployed -----------------------------------------------------


def descriptor_problems(
    release_connectors: Mapping[str, ReleaseConnector], connectors: Mapping[str, ConnectorSettings]
) -> list[Problem]:
    """Every problem of a stored descriptor against its release, errors first then warnings."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for name, connector in sorted(release_connectors.items()):
        where = f"connector '{name}'"
        settings = connectors.get(name) or defaults_for(connector)
        if not settings.image:
            errors.append(
                _problem(
                    f"{where}: the image is required (the location of the connector's image)",
                    "image.required",
                    reference=name,
                )
            )
        for problem in image_problems(name, settings.image):
            (warnings if problem.warning else errors).append(problem)
        if not MIN_REPLICAS <= settings.replicas <= MAX_REPLICAS:
            errors.append(
                _problem(
                    f"{where}: replicas must be between {MIN_REPLICAS} and {MAX_REPLICAS}",
                    "replicas.range",
                    reference=name,
                )
            )
        for variable in connector.config:
            errors.extend(variable_name_problems(name, variable.name))
            if not variable.required:
                continue
            has_value = (
                variable.name in settings.secure_set
                if variable.secure
                else bool(settings.variables.get(variable.name))
            )
            if not has_value:
                kind = "secure variable" if variable.secure else "variable"
                errors.append(
                    _problem(
                        f"{where}: the required {kind} '{variable.name}' has no value",
                        "variable.required",
                        reference=name,
                    )
                )
        for extra in sorted(set(settings.variables) - {v.name for v in connector.config}):
            errors.extend(variable_name_problems(name, extra))
    return [*errors, *warnings]


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(not problem.warning for problem in problems)
