"""Connector variables (the definition's `config`) read from the environment at start.

A variable set in the environment wins over the definition's default `value`; a required one with
neither stops the process (`ConfigError` naming every missing one). `Config` is a read-only
mapping whose `repr` and `describe()` never show a value: secure values are entered only at
deployment and must not reach a log line.

Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from modeler_connector.definition import ConfigVariable, Definition
from modeler_connector.errors import ConfigError


class Config(Mapping[str, str]):
    """The values of the config variables; missing optional ones are absent."""

    def __init__(self, values: dict[str, str], variables: tuple[ConfigVariable, ...]) -> None:
        self._values = dict(values)
        self._variables = variables

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Config({', '.join(sorted(self._values))})"

    def describe(self) -> list[dict[str, object]]:
        """What a start-up log line may say of each variable: its name and where it came from."""
        return [
            {
                "name": variable.name,
                "secure": variable.secure,
                "set": variable.name in self._values,
            }
            for variable in self._variables
        ]


def load_config(definition: Definition, environ: Mapping[str, str]) -> Config:
    values: dict[str, str] = {}
    missing = []
    for variable in definition.config:
        value = environ.get(variable.name)
        if value is None or value == "":
            value = variable.value
        if value is None:
            if variable.required:
                missing.append(variable.name)
            continue
        values[variable.name] = value
    if missing:
        raise ConfigError(missing)
    return Config(values, definition.config)
