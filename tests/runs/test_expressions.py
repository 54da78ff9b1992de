"""The `${…}` subset of JUEL that runs evaluate (runs.expressions)."""

from __future__ import annotations

import pytest

from runs.expressions import ExpressionError, condition, evaluate, parse

VARIABLES = {"rating": 7, "title": "Alien", "ok": True, "score": 2.5, "nothing": None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${rating == 7}", True),
        ("${rating != 7}", False),
        ("${rating < 8}", True),
        ("${rating <= 7}", True),
        ("${rating > 7}", False),
        ("${rating >= 7.0}", True),
        ("${title == 'Alien'}", True),
        ('${title == "Cats"}', False),
        ("${title < 'B'}", True),
        ("${ok && rating > 5}", True),
        ("${!ok || rating > 8}", False),
        ("${not ok or title eq 'Alien'}", True),
        ("${ok and not (rating lt 5)}", True),
        ("${rating ge 7 && score le 2.5 && title ne 'x'}", True),
        ("${nothing == null}", True),
        ("${ok == true}", True),
        ("${rating == '7'}", False),  # no coercion between a number and a string
        ("${ok == 1}", False),  # a boolean is never a number
        ("${true || undefinedName}", True),  # short-circuit: the right side is not evaluated
        ("${(rating > 1) && (rating < 10)}", True),
        ("${title == 'it\\'s'}", False),
    ],
)
def test_conditions(text, expected):
    assert condition(text, VARIABLES) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("${title}", "Alien"), ("${42}", 42), ("${'x y'}", "x y"), ("${null}", None), ("${-1.5}", -1.5)],
)
def test_values(text, expected):
    assert evaluate(text, VARIABLES) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${rating + 1 > 2}", "unsupported text at '+ 1 > 2'"),
        ("${movie.title == 'x'}", "unsupported text at '.title"),
        ("${execution.getVariable('x')}", "unsupported text at '.getVariable"),
        ("${empty title}", "the operator 'empty' is not supported"),
        ("${rating > 1 > 0}", "chained comparisons are not supported"),
        ("${(rating > 1}", "a '(' is not closed"),
        ("${}", "the expression is empty"),
        ("${rating >}", "the expression ends too early"),
        ("${__import__('os')}", "unexpected '('"),
        ("${rating rating}", "unexpected 'rating'"),
    ],
)
def test_outside_the_subset_is_refused_when_parsed(text, message):
    with pytest.raises(ExpressionError) as raised:
        parse(text)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${unknown == 1}", "unknown variable 'unknown'"),
        ("${title && ok}", "'&&' needs booleans, got str 'Alien'"),
        ("${title < 3}", "cannot order 'Alien' and 3 with '<'"),
        ("${rating}", "gave 7, not a boolean"),
    ],
)
def test_evaluation_errors(text, message):
    with pytest.raises(ExpressionError) as raised:
        condition(text, VARIABLES)
    assert message in str(raised.value)


def test_a_long_expression_is_refused():
    with pytest.raises(ExpressionError, match="longer than 2000"):
        parse("${" + "ok && " * 400 + "ok}")


def test_nesting_has_a_limit_and_long_chains_stay_clear_errors():
    assert condition("${" + "(" * 64 + "ok" + ")" * 64 + "}", VARIABLES) is True
    with pytest.raises(ExpressionError, match="parentheses nest deeper than 64 levels"):
        parse("${" + "(" * 600 + "true" + ")" * 600 + "}")
    assert condition("${" + "!" * 64 + "ok}", VARIABLES) is True
    with pytest.raises(ExpressionError, match="more than 64 '!' in a row"):
        parse("${" + "!" * 1500 + "true}")
    chain = "${" + "&&".join(["ok"] * 480) + "}"  # within the length limit
    try:
        assert condition(chain, VARIABLES) is True
    except ExpressionError as error:  # where Python's stack is smaller: a clear error, never a crash
        assert "nests too deep" in str(error)


def test_a_run_of_a_process_with_a_deeply_nested_condition_is_refused_naming_the_flow():
    from runs import engine
    from tests.runs import processes as p

    deep = "${" + "(" * 600 + "true" + ")" * 600 + "}"
    content = p.bpmn(
        '<bpmn2:startEvent id="S"/><bpmn2:exclusiveGateway id="G"/><bpmn2:endEvent id="E"/>'
        + p.flow("F1", "S", "G")
        + p.flow("F2", "G", "E", condition=deep)
    )
    with pytest.raises(engine.RunRefused) as refused:
        engine.check(content, {})
    [problem] = refused.value.problems
    assert problem.element_id == "F2" and "nest deeper than 64" in problem.message


def test_a_condition_not_written_as_an_expression_is_refused_naming_the_flow():
    from runs import engine
    from tests.runs import processes as p

    content = p.bpmn(
        '<bpmn2:startEvent id="S"/><bpmn2:exclusiveGateway id="G"/><bpmn2:endEvent id="E"/>'
        + p.flow("F1", "S", "G")
        + p.flow("F2", "G", "E", condition="rating == 1")
    )
    with pytest.raises(engine.RunRefused) as refused:
        engine.check(content, {})
    [problem] = refused.value.problems
    assert problem.element_id == "F2"
    assert problem.message == (
        "the condition of sequence flow 'F2' must be written ${…}: JUEL reads 'rating == 1' as text, "
        "not as a condition"
    )
