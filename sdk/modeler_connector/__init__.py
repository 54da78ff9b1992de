"""Modeler connector SDK: write an Activiti / Alfresco Process Automation cloud connector in Python.

A connector is its definition JSON (drawn in the Modeling Application) plus one handler per
action; `connector run` serves it over RabbitMQ (`amqp://`) or in process (`memory://`).
This package depends on kombu and the standard library only: never on Django or the modeling
application.
"""

from modeler_connector.config import Config
from modeler_connector.connector import CallContext, Connector
from modeler_connector.definition import Definition, DefinitionError, load_definition, parse_definition
from modeler_connector.errors import BpmnError, ConfigError, HandlerError, ParameterError

__all__ = [
    "BpmnError",
    "CallContext",
    "Config",
    "ConfigError",
    "Connector",
    "Definition",
    "DefinitionError",
    "HandlerError",
    "ParameterError",
    "load_definition",
    "parse_definition",
]
__version__ = "0.1.0"
