"""The wire contract of an Activiti Cloud connector (SPEC §10, reference/apa.md §8), as JSON.

An **IntegrationRequest** (published by the runtime bundle to the destination named by the
service task's `implementation`) is
`{integrationContext, resultDestination, errorDestination, appName, appVersion, serviceName,
serviceFullName, serviceType, serviceVersion}`, and `integrationContext` is
`{id, processInstanceId, rootProcessInstanceId, parentProcessInstanceId, executionId,
processDefinitionId, processDefinitionKey, processDefinitionVersion, businessKey, connectorType,
appVersion, clientId, clientName, clientType, inBoundVariables, outBoundVariables}`
(Activiti's `IntegrationRequestImpl`, `IntegrationContextImpl`).

The connector answers with an **IntegrationResult** `{integrationRequest, integrationContext, …}`
whose context carries `outBoundVariables` keyed by output names, to `resultDestination`; or with
an **IntegrationError** `{integrationRequest, integrationContext, errorCode, errorMessage,
errorClassName, stackTraceElements, …}` to `errorDestination`. Like the Java starter's
`IntegrationResultBuilder`, the inbound variables are not echoed back. Both carry the headers
`targetAppName` and `targetService`; a BPMN error carries Activiti's `CloudBpmnError` class name,
the one the runtime turns into a catchable error. `stackTraceElements` is always empty: no
stack trace goes on the wire.

A message that is not a request (not JSON, not an object, no `integrationContext.id`, too big,
no destination to answer to) is a `PoisonMessage`: dead-lettered, never retried.

Standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from modeler_connector.errors import CLOUD_BPMN_ERROR_CLASS

CONTENT_TYPE = "application/json"
DEFAULT_MAX_BODY = 1024 * 1024
# Headers the runtime bundle sets on a request (IntegrationContextMessageBuilderAppender).
REQUEST_HEADERS = (
    "connectorType",
    "businessKey",
    "integrationContextId",
    "rootProcessInstanceId",
    "processInstanceId",
    "parentProcessInstanceId",
    "processDefinitionId",
    "processDefinitionKey",
    "executionId",
    "processDefinitionVersion",
    "appVersion",
)
INTEGRATION_CONTEXT_FIELDS = (
    "id",
    "processInstanceId",
    "rootProcessInstanceId",
    "parentProcessInstanceId",
    "executionId",
    "processDefinitionId",
    "processDefinitionKey",
    "processDefinitionVersion",
    "businessKey",
    "connectorType",
    "appVersion",
    "clientId",
    "clientName",
    "clientType",
    "inBoundVariables",
    "outBoundVariables",
)
SERVICE_FIELDS = ("appName", "appVersion", "serviceName", "serviceFullName", "serviceType", "serviceVersion")


class PoisonMessage(ValueError):
    """A message no handler can answer; the message says why (never the body: it may hold secrets)."""


@dataclass(frozen=True)
class ServiceIdentity:
    """Who answers: the `CloudRuntimeEntity` fields of a result (the connector's own service)."""

    service_name: str
    app_name: str = ""
    app_version: str = ""
    service_type: str = "connector"
    service_version: str = ""

    def fields(self) -> dict[str, Any]:
        return {
            "appName": self.app_name or None,
            "appVersion": self.app_version or None,
            "serviceName": self.service_name,
            "serviceFullName": self.service_name,
            "serviceType": self.service_type,
            "serviceVersion": self.service_version or None,
        }


@dataclass(frozen=True)
class Destinations:
    """Where answers go when a request names no destination (the Java starter's fallbacks).

    `ACT_INT_RES_CONSUMER` / `ACT_INT_ERR_CONSUMER` override them, as in
    `activiti-cloud-connector.properties`; otherwise `integrationResult<sep><serviceFullName>`.
    """

    result_override: str = ""
    error_override: str = ""
    separator: str = "_"


@dataclass
class Request:
    body: dict[str, Any]
    context: dict[str, Any]
    id: str
    inputs: dict[str, Any]
    result_destination: str
    error_destination: str


@dataclass
class Reply:
    kind: str  # "result" or "error"
    destination: str
    body: dict[str, Any]
    headers: dict[str, Any]

    def encode(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_request(
    body: bytes | str, destinations: Destinations = Destinations(), max_bytes: int = DEFAULT_MAX_BODY
) -> Request:
    """The request in a message body, or `PoisonMessage`."""
    size = len(body)
    if size > max_bytes:
        raise PoisonMessage(f"body of {size} bytes is over the limit of {max_bytes} bytes")
    try:
        document = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise PoisonMessage(f"not JSON: {type(error).__name__}") from None
    if not isinstance(document, dict):
        raise PoisonMessage("not an IntegrationRequest: the body is not a JSON object")
    context = document.get("integrationContext")
    if not isinstance(context, dict):
        raise PoisonMessage("not an IntegrationRequest: no integrationContext object")
    request_id = context.get("id")
    if not isinstance(request_id, str) or not request_id:
        raise PoisonMessage("not an IntegrationRequest: integrationContext.id is not a non-empty string")
    inputs = context.get("inBoundVariables")
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, dict):
        raise PoisonMessage("not an IntegrationRequest: integrationContext.inBoundVariables is not an object")
    service = document.get("serviceFullName")
    sep = destinations.separator

    def destination(field: str, override: str, prefix: str) -> str:
        value = document.get(field)
        if isinstance(value, str) and value:
            return value
        if override:
            return override
        if isinstance(service, str) and service:
            return f"{prefix}{sep}{service}"
        raise PoisonMessage(f"not an IntegrationRequest: no {field} and no serviceFullName to answer to")

    return Request(
        body=document,
        context=context,
        id=request_id,
        inputs=inputs,
        result_destination=destination(
            "resultDestination", destinations.result_override, "integrationResult"
        ),
        error_destination=destination("errorDestination", destinations.error_override, "integrationError"),
    )


def _sanitized_context(request: Request, outputs: dict[str, Any]) -> dict[str, Any]:
    context = {key: value for key, value in request.context.items() if key != "inBoundVariables"}
    context["inBoundVariables"] = {}
    context["outBoundVariables"] = outputs
    return context


def _sanitized_request(request: Request) -> dict[str, Any]:
    body = {key: value for key, value in request.body.items() if key != "integrationContext"}
    context = {key: value for key, value in request.context.items() if key != "inBoundVariables"}
    context["inBoundVariables"] = {}
    body["integrationContext"] = context
    return body  # shallow copies: nothing below is changed, and the reply is encoded at once


def _headers(request: Request) -> dict[str, Any]:
    return {
        "contentType": CONTENT_TYPE,
        "targetAppName": request.body.get("appName"),
        "targetService": request.body.get("serviceFullName"),
        "integrationContextId": request.id,
        "connectorType": request.context.get("connectorType"),
    }


def result_for(request: Request, outputs: dict[str, Any], identity: ServiceIdentity) -> Reply:
    body = {
        "integrationRequest": _sanitized_request(request),
        "integrationContext": _sanitized_context(request, outputs),
        **identity.fields(),
    }
    headers = _headers(request) | {
        "resultDestination": request.result_destination,
        "errorDestination": request.error_destination,
    }
    return Reply("result", request.result_destination, body, headers)


def error_for(
    request: Request,
    identity: ServiceIdentity,
    *,
    message: str,
    class_name: str,
    code: str | None = None,
) -> Reply:
    body = {
        "integrationRequest": _sanitized_request(request),
        "integrationContext": _sanitized_context(request, {}),
        "errorCode": code,
        "errorMessage": message,
        "errorClassName": class_name,
        "stackTraceElements": [],
        **identity.fields(),
    }
    return Reply("error", request.error_destination, body, _headers(request))


def bpmn_error_for(request: Request, identity: ServiceIdentity, *, code: str, message: str) -> Reply:
    return error_for(request, identity, message=message, class_name=CLOUD_BPMN_ERROR_CLASS, code=code)


def new_request(
    connector_type: str,
    inputs: dict[str, Any],
    *,
    result_destination: str,
    error_destination: str,
    request_id: str,
    app_name: str = "modeler",
    service_name: str = "modeler-rb",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(body, headers) of an IntegrationRequest as a runtime bundle sends it (tests, test runs)."""
    context = {
        "id": request_id,
        "processInstanceId": None,
        "rootProcessInstanceId": None,
        "parentProcessInstanceId": None,
        "executionId": None,
        "processDefinitionId": None,
        "processDefinitionKey": None,
        "processDefinitionVersion": None,
        "businessKey": None,
        "connectorType": connector_type,
        "appVersion": None,
        "clientId": None,
        "clientName": None,
        "clientType": "ServiceTask",
        "inBoundVariables": inputs,
        "outBoundVariables": {},
    }
    body = {
        "integrationContext": context,
        "resultDestination": result_destination,
        "errorDestination": error_destination,
        "appName": app_name,
        "appVersion": None,
        "serviceName": service_name,
        "serviceFullName": service_name,
        "serviceType": "runtime-bundle",
        "serviceVersion": None,
    }
    headers = {
        "connectorType": connector_type,
        "integrationContextId": request_id,
        "contentType": CONTENT_TYPE,
    }
    return body, headers
