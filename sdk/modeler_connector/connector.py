"""A connector: its definition plus one handler per action, and the checks around each call.

```python
connector = Connector(Path(__file__).with_name("movies.json"))

@connector.action("getMovieDesc")
def get_movie_desc(inputs, context):
    if inputs["movieName"] == "nope":
        raise BpmnError("NOT_FOUND", "No such movie")
    return {"movieDescription": "..."}
```

`Connector.handle` turns one parsed request into one reply and never raises: inputs are checked
against the action's typed, required parameters before the handler runs and outputs after; a
problem, a `BpmnError` or any other exception becomes an IntegrationError whose message names
the parameter or carries the exception's class name and message, never a stack trace. The
transport (modeler_connector.worker) knows nothing of handlers.

Standard library only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modeler_connector.config import Config
from modeler_connector.definition import Action, Definition, load_definition, parse_definition
from modeler_connector.errors import BpmnError, HandlerError, ParameterError
from modeler_connector.messages import Reply, Request, ServiceIdentity, bpmn_error_for, error_for, result_for
from modeler_connector.values import check_parameters, to_wire

MAX_ERROR_MESSAGE = 2000
PARAMETER_ERROR_CLASS = f"{ParameterError.__module__}.{ParameterError.__qualname__}"
BPMN_ERROR_CLASS = f"{BpmnError.__module__}.{BpmnError.__qualname__}"


@dataclass(frozen=True)
class CallContext:
    """What a handler gets besides its inputs."""

    id: str  # integrationContext.id: the same on a redelivery, so a handler can be idempotent
    action: str
    config: Config
    request: dict[str, Any]
    log: logging.Logger


Handler = Callable[[dict[str, Any], CallContext], Mapping[str, Any] | None]


def _class_name(error: BaseException) -> str:
    cls = type(error)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _capped(text: str) -> str:
    return text if len(text) <= MAX_ERROR_MESSAGE else text[: MAX_ERROR_MESSAGE - 1] + "…"


class Connector:
    """A definition (file path, parsed document or `Definition`) and the handlers of its actions."""

    def __init__(self, definition: Definition | dict[str, Any] | str | Path | None = None) -> None:
        self.definition: Definition | None = None
        self.handlers: dict[str, Handler] = {}
        self.log = logging.getLogger("modeler_connector.handler")
        if definition is not None:
            self.use_definition(definition)

    def use_definition(self, definition: Definition | dict[str, Any] | str | Path) -> Definition:
        if isinstance(definition, Definition):
            self.definition = definition
        elif isinstance(definition, dict):
            self.definition = parse_definition(definition)
        else:
            self.definition = load_definition(definition)
        return self.definition

    def action(self, name: str) -> Callable[[Handler], Handler]:
        """Register the decorated function as the handler of the action named `name`."""

        def register(handler: Handler) -> Handler:
            if name in self.handlers:
                raise HandlerError(f"two handlers for action '{name}'")
            self.handlers[name] = handler
            return handler

        return register

    def check(self) -> Definition:
        """The definition, once every action has exactly one handler and every handler an action."""
        if self.definition is None:
            raise HandlerError("no connector definition: pass --definition or Connector(<file>)")
        declared = set(self.definition.actions)
        unknown = sorted(set(self.handlers) - declared)
        missing = sorted(declared - set(self.handlers))
        problems = []
        if unknown:
            problems.append(
                f"handler for action(s) not in the definition of '{self.definition.name}': {', '.join(unknown)}"
            )
        if missing:
            problems.append(f"action(s) without a handler: {', '.join(missing)}")
        if problems:
            raise HandlerError("; ".join(problems))
        return self.definition

    def _outputs(self, action: Action, returned: Any) -> dict[str, Any]:
        if returned is None:
            returned = {}
        if not isinstance(returned, Mapping):
            raise ParameterError(
                [
                    f"the handler of '{action.name}' returned {type(returned).__name__}, expected a dict of outputs"
                ]
            )
        declared = {parameter.name: parameter for parameter in action.outputs}
        problems = [
            f"output '{name}' is not declared by action '{action.name}'"
            for name in returned
            if name not in declared
        ]
        problems += check_parameters(action.outputs, returned, "output")
        if problems:
            raise ParameterError(problems)
        outputs = {}
        for name, value in returned.items():
            wire = to_wire(declared[name], value)
            try:
                json.dumps(wire, allow_nan=False)
            except (TypeError, ValueError):
                raise ParameterError([f"output '{name}' is not JSON ({type(value).__name__})"]) from None
            outputs[name] = wire
        return outputs

    def handle(self, action_name: str, request: Request, config: Config, identity: ServiceIdentity) -> Reply:
        """The reply to one request for one action; never raises."""
        definition = self.check()
        action = definition.actions[action_name]
        problems = check_parameters(action.inputs, request.inputs, "input")
        if problems:
            return error_for(
                request, identity, message=_capped("; ".join(problems)), class_name=PARAMETER_ERROR_CLASS
            )
        context = CallContext(request.id, action_name, config, request.body, self.log)
        try:
            returned = self.handlers[action_name](dict(request.inputs), context)
            outputs = self._outputs(action, returned)
        except BpmnError as error:
            if error.code in definition.error_codes:
                return bpmn_error_for(request, identity, code=error.code, message=_capped(error.message))
            message = (
                f"error code '{error.code}' is not declared in the errors of connector '{definition.name}'"
            )
            return error_for(
                request, identity, message=_capped(f"{message}: {error.message}"), class_name=BPMN_ERROR_CLASS
            )
        except ParameterError as error:
            return error_for(request, identity, message=_capped(str(error)), class_name=PARAMETER_ERROR_CLASS)
        except Exception as error:  # every failure of the author's code becomes an IntegrationError
            self.log.warning(
                "handler raised",
                extra={
                    "fields": {
                        "action": action_name,
                        "integrationContextId": request.id,
                        "error": _class_name(error),
                    }
                },
            )
            return error_for(
                request,
                identity,
                message=_capped(str(error) or _class_name(error)),
                class_name=_class_name(error),
            )
        return result_for(request, outputs, identity)
