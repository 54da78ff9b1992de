"""`${…}` expressions of test runs: the comparison and boolean subset of JUEL, evaluated safely.

Pure module: standard library only; no Django import, never `eval`.

What is understood (anything else is refused by `parse`, before a run starts):

- literals: integers and decimals (`42`, `-1.5`), strings in single or double quotes (backslash
  escapes the quote and the backslash), `true`, `false`, `null`;
- variable names (`movieName`): the value of the process variable; a name that is not a variable
  of the run is an error when evaluated (as in Activiti, where an unknown identifier fails);
- comparisons `==`, `!=`, `<`, `<=`, `>`, `>=` and JUEL's word forms `eq ne lt le gt ge`;
  `==`/`!=` compare values (a boolean is never equal to a number); ordering compares two numbers
  or two strings, anything else is an error;
- boolean operators `&&`, `||`, `!` and `and`, `or`, `not`, with JUEL's precedence
  (`!` > comparisons > `&&` > `||`), short-circuiting, over booleans only; parentheses.

The result of a condition must be a boolean; an input expression may yield any value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 2000
MAX_NESTING = 64  # parentheses, and `!` in a row: deeper is refused (a clear error, not a RecursionError)
_TOKEN = re.compile(
    r"""\s*(?:
    (?P<number>-?\d+(?:\.\d+)?)
    |(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    |(?P<op>==|!=|<=|>=|&&|\|\||[<>!()])
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE | re.DOTALL,
)
_WORD_OPERATORS = {
    "and": "&&",
    "or": "||",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "le": "<=",
    "gt": ">",
    "ge": ">=",
}
_LITERAL_WORDS = {"true": True, "false": False, "null": None}
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
_UNSUPPORTED_WORDS = {"empty", "div", "mod", "instanceof"}


class ExpressionError(ValueError):
    """An expression outside the subset, or one that cannot be evaluated; the message says why."""


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Not:
    operand: Any


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Any
    right: Any


def strip(text: str) -> str:
    """The body of `${…}` (the text itself when it is not wrapped)."""
    text = text.strip()
    if text.startswith("${") and text.endswith("}"):
        return text[2:-1]
    if text.startswith("#{") and text.endswith("}"):
        return text[2:-1]
    return text


def _tokens(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"unsupported text at '{text[position : position + 20].strip()}'")
        position = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "number":
            tokens.append(("literal", float(value) if "." in value else int(value)))
        elif kind == "string":
            tokens.append(("literal", re.sub(r"\\(.)", r"\1", value[1:-1], flags=re.DOTALL)))
        elif kind == "name" and value in _LITERAL_WORDS:
            tokens.append(("literal", _LITERAL_WORDS[value]))
        elif kind == "name" and value in _WORD_OPERATORS:
            tokens.append(("op", _WORD_OPERATORS[value]))
        elif kind == "name" and value in _UNSUPPORTED_WORDS:
            raise ExpressionError(f"the operator '{value}' is not supported")
        else:
            tokens.append((str(kind), value))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.at = 0
        self.depth = 0  # parentheses open

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take_op(self, *operators: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in operators:
            self.at += 1
            return token[1]
        return None

    def or_(self) -> Any:
        node = self.and_()
        while self.take_op("||"):
            node = Binary("||", node, self.and_())
        return node

    def and_(self) -> Any:
        node = self.not_()
        while self.take_op("&&"):
            node = Binary("&&", node, self.not_())
        return node

    def not_(self) -> Any:
        nots = 0
        while self.take_op("!"):
            nots += 1
            if nots > MAX_NESTING:
                raise ExpressionError(f"more than {MAX_NESTING} '!' in a row")
        node = self.comparison()
        for _ in range(nots):
            node = Not(node)
        return node

    def comparison(self) -> Any:
        node = self.primary()
        operator = self.take_op(*_COMPARISONS)
        if operator:
            node = Binary(operator, node, self.primary())
            if self.take_op(*_COMPARISONS):
                raise ExpressionError("chained comparisons are not supported: use && between them")
        return node

    def primary(self) -> Any:
        token = self.peek()
        if token is None:
            raise ExpressionError("the expression ends too early")
        self.at += 1
        kind, value = token
        if kind == "literal":
            return Literal(value)
        if kind == "name":
            return Name(value)
        if kind == "op" and value == "(":
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise ExpressionError(f"parentheses nest deeper than {MAX_NESTING} levels")
            node = self.or_()
            if not self.take_op(")"):
                raise ExpressionError("a '(' is not closed")
            self.depth -= 1
            return node
        raise ExpressionError(f"unexpected '{value}'")


def parse(text: str) -> Any:
    """The tree of an expression (with or without `${…}`), or ExpressionError."""
    body = strip(text)
    if len(body) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    tokens = _tokens(body)
    if not tokens:
        raise ExpressionError("the expression is empty")
    parser = _Parser(tokens)
    node = parser.or_()
    if parser.peek() is not None:
        raise ExpressionError(f"unexpected '{parser.peek()[1]}'")  # type: ignore[index]
    return node


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _boolean(value: Any, operator: str) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"'{operator}' needs booleans, got {type(value).__name__} {value!r}")
    return value


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator in ("==", "!="):
        same = (
            left == right
            if (_is_number(left) and _is_number(right)) or type(left) is type(right)
            else left is None and right is None
        )
        return same if operator == "==" else not same
    if not ((_is_number(left) and _is_number(right)) or (isinstance(left, str) and isinstance(right, str))):
        raise ExpressionError(f"cannot order {left!r} and {right!r} with '{operator}'")
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]


def evaluate_tree(node: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        if node.name not in variables:
            raise ExpressionError(f"unknown variable '{node.name}'")
        return variables[node.name]
    if isinstance(node, Not):
        return not _boolean(evaluate_tree(node.operand, variables), "!")
    if node.operator == "&&":
        return _boolean(evaluate_tree(node.left, variables), "&&") and _boolean(
            evaluate_tree(node.right, variables), "&&"
        )
    if node.operator == "||":
        return _boolean(evaluate_tree(node.left, variables), "||") or _boolean(
            evaluate_tree(node.right, variables), "||"
        )
    return _compare(node.operator, evaluate_tree(node.left, variables), evaluate_tree(node.right, variables))


def evaluate(text: str, variables: Mapping[str, Any]) -> Any:
    """The value of an expression over the variables."""
    tree = parse(text)
    try:
        return evaluate_tree(tree, variables)
    except RecursionError:  # a long chain of && or || (each level is a call)
        raise ExpressionError("the expression nests too deep to evaluate") from None


def condition(text: str, variables: Mapping[str, Any]) -> bool:
    """A gateway condition's value: a boolean, or ExpressionError."""
    value = evaluate(text, variables)
    if not isinstance(value, bool):
        raise ExpressionError(f"the condition {text!r} gave {value!r}, not a boolean")
    return value
