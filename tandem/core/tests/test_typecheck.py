"""The type-check baseline: new errors fail, fixed ones ask to shrink it, line moves do not matter.

Fed with mypy's JSON lines as text; mypy itself does not run here.
"""

from __future__ import annotations

import json
from collections import Counter

from tandem.core.typecheck import (
    UPDATE_COMMAND,
    compare,
    module_name,
    mypy_environment,
    parse_mypy_json,
    read_baseline,
    recordable,
    render_baseline,
    report,
    shrunk,
    strict_in_config,
)


def mypy_line(path: str, line: int, code: str, message: str, severity: str = "error") -> str:
    return json.dumps(
        {
            "file": path,
            "line": line,
            "column": 4,
            "message": message,
            "hint": None,
            "code": code,
            "severity": severity,
        }
    )


def nothing_strict(path: str) -> bool:
    return False


UNION = 'Item "None" of "Booking | None" has no attribute "pk"'
ARG = 'Argument 1 to "f" has incompatible type "str"; expected "int"'


def run_output(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def recorded(*lines: str) -> Counter[str]:
    """A baseline written from a run with these lines."""
    errors = parse_mypy_json(run_output(*lines))
    return read_baseline(render_baseline(Counter(error.key for error in errors)))


def test_the_same_errors_on_other_lines_match_the_baseline() -> None:
    baseline = recorded(mypy_line("tandem/a.py", 10, "union-attr", UNION))

    comparison = compare(
        parse_mypy_json(run_output(mypy_line("tandem/a.py", 42, "union-attr", UNION))),
        baseline,
        nothing_strict,
    )

    assert comparison.clean
    assert report(comparison) == ""


def test_a_new_error_fails_with_its_line() -> None:
    baseline = recorded(mypy_line("tandem/a.py", 10, "union-attr", UNION))

    comparison = compare(
        parse_mypy_json(
            run_output(
                mypy_line("tandem/a.py", 10, "union-attr", UNION),
                mypy_line("tandem/b.py", 7, "arg-type", ARG),
            )
        ),
        baseline,
        nothing_strict,
    )

    assert not comparison.clean
    assert comparison.new_keys == Counter({f"tandem/b.py [arg-type] {ARG}": 1})
    assert f"tandem/b.py:7: [arg-type] {ARG}" in report(comparison)
    assert not comparison.fixed


def test_one_more_occurrence_of_a_recorded_error_is_new() -> None:
    baseline = recorded(mypy_line("tandem/a.py", 10, "union-attr", UNION))

    comparison = compare(
        parse_mypy_json(
            run_output(
                mypy_line("tandem/a.py", 10, "union-attr", UNION),
                mypy_line("tandem/a.py", 20, "union-attr", UNION),
            )
        ),
        baseline,
        nothing_strict,
    )

    assert comparison.new_keys.total() == 1
    message = report(comparison)
    assert "tandem/a.py:10:" in message and "tandem/a.py:20:" in message
    assert "1 of these 2 are recorded" in message


def test_a_fixed_error_asks_to_shrink_the_baseline() -> None:
    baseline = recorded(
        mypy_line("tandem/a.py", 10, "union-attr", UNION),
        mypy_line("tandem/b.py", 7, "arg-type", ARG),
    )

    comparison = compare(
        parse_mypy_json(run_output(mypy_line("tandem/a.py", 10, "union-attr", UNION))),
        baseline,
        nothing_strict,
    )

    assert not comparison.clean
    assert not comparison.new_keys
    message = report(comparison)
    assert "baseline can shrink" in message and UPDATE_COMMAND in message
    assert f"tandem/b.py [arg-type] {ARG}" in message
    assert shrunk(baseline, comparison) == Counter({f"tandem/a.py [union-attr] {UNION}": 1})


def test_notes_are_not_errors_and_line_numbers_inside_messages_are_dropped() -> None:
    errors = parse_mypy_json(
        run_output(
            mypy_line("tandem/a.py", 3, "annotation-unchecked", "By default…", severity="note"),
            mypy_line("tandem/a.py", 30, "no-redef", 'Name "f" already defined on line 12'),
        )
    )

    assert [error.key for error in errors] == [
        'tandem/a.py [no-redef] Name "f" already defined on line N'
    ]


def test_the_baseline_file_is_sorted_with_one_line_per_occurrence() -> None:
    text = render_baseline(Counter({"tandem/b.py [misc] x": 1, "tandem/a.py [misc] y": 2}))

    entries = [line for line in text.splitlines() if not line.startswith("#")]

    assert entries == ["tandem/a.py [misc] y", "tandem/a.py [misc] y", "tandem/b.py [misc] x"]


def test_mypy_runs_without_the_variables_that_pick_services() -> None:
    environment = mypy_environment(
        {
            "PATH": "/usr/bin",
            "DATABASE_URL": "postgres://db/test",
            "REDIS_URL": "redis://cache/0",
            "TANDEM_ENV": "production",
        }
    )

    assert environment == {"PATH": "/usr/bin"}


def test_errors_in_strict_modules_are_never_recorded() -> None:
    def in_engine(path: str) -> bool:
        return path.startswith("tandem/availability/engine/")

    errors = parse_mypy_json(
        run_output(
            mypy_line("tandem/availability/engine/slots.py", 5, "arg-type", ARG),
            mypy_line("tandem/booking/api.py", 9, "union-attr", UNION),
        )
    )
    baseline = read_baseline(render_baseline(Counter(e.key for e in recordable(errors, in_engine))))

    comparison = compare(errors, baseline, in_engine)

    assert [error.path for error in recordable(errors, in_engine)] == ["tandem/booking/api.py"]
    assert not comparison.new_keys and not comparison.fixed
    assert not comparison.clean
    assert "tandem/availability/engine/slots.py:5: [arg-type]" in report(comparison)


def test_files_are_named_as_mypy_names_their_modules() -> None:
    assert module_name("tandem/availability/engine/slots.py") == "tandem.availability.engine.slots"
    assert module_name("tandem/availability/engine/__init__.py") == "tandem.availability.engine"
    assert module_name("bench/engine_bench.py") == "engine_bench"


def test_the_engine_and_new_apps_are_strict_and_older_modules_and_tests_are_not() -> None:
    is_strict = strict_in_config()

    assert is_strict("tandem/availability/engine/slots.py")
    assert is_strict("tandem/home/views.py")
    assert is_strict("tandem/demo/management/commands/seed_demo.py")
    assert not is_strict("tandem/availability/services.py")
    assert not is_strict("tandem/booking/api.py")
    assert not is_strict("tandem/home/tests/test_dashboard_cards.py")
