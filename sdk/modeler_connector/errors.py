"""The exceptions a connector author meets: `BpmnError` to raise, the others raised by the SDK.

Standard library only.
"""

from __future__ import annotations

# The class name the Activiti runtime bundle looks for to turn an IntegrationError into a BPMN
# error (ServiceTaskIntegrationErrorEventHandler compares errorClassName with it).
CLOUD_BPMN_ERROR_CLASS = "org.activiti.cloud.api.process.model.CloudBpmnError"


class BpmnError(Exception):
    """A business error the process can catch: `raise BpmnError("NOT_FOUND", "No such movie")`.

    The code must be declared in the definition's `errors`; an undeclared code is sent as an
    ordinary IntegrationError (the process could not catch it anyway).
    """

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code


class ParameterError(Exception):
    """Inputs or outputs that do not fit the definition; the message names each parameter."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class ConfigError(Exception):
    """A required config variable is missing from the environment; the message names it."""

    def __init__(self, missing: list[str]) -> None:
        names = ", ".join(missing)
        super().__init__(f"missing required config variable{'s' if len(missing) > 1 else ''}: {names}")
        self.missing = missing


class HandlerError(Exception):
    """The handlers registered do not match the definition's actions (unknown or missing action)."""
