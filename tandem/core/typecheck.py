"""Type check the project with mypy against a recorded baseline that may only shrink.

`make typecheck` (run by `make lint`, so by `make test`) runs mypy with the configuration in
pyproject.toml and compares its errors with `mypy-baseline.txt`:

- an error that is not in the baseline fails the check (fix it; new code is strict);
- an error in the baseline that no longer occurs fails it too, asking for
  `make typecheck-update`, which removes the fixed entries (and refuses to add any), so the
  baseline only ever shrinks;
- `make typecheck-baseline` rewrites the baseline from scratch, for when modules move (their
  recorded errors move with them); its diff should show nothing but renamed paths.

Strict modules (every module that pyproject.toml does not list as predating the checker: the
availability engine, the new apps) are never recorded: an error there always fails.

An error is recorded as `path [code] message`, without its line number, so that editing one part
of a file does not churn the entries for the rest of it. The same error can occur several times
in one file: the baseline keeps one line per occurrence and the comparison counts them.

mypy runs without the environment that selects services (DATABASE_URL, REDIS_URL, TANDEM_*):
the django-stubs plugin imports the settings, and the result must be the same in every CI run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "mypy-baseline.txt"
CACHE_DIR = ROOT / ".mypy_cache"
UPDATE_COMMAND = "make typecheck-update"
REBASELINE_COMMAND = "make typecheck-baseline"

# Variables that change what the settings module builds; mypy never sees them.
DROPPED_VARIABLES = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
DROPPED_PREFIXES = ("TANDEM_",)

# "already defined on line 12", "(line 40)": line numbers inside a message churn like the
# error's own line number does.
LINE_IN_MESSAGE = re.compile(r"\bline \d+\b")

DJANGO_SETUP_FAILED = "Error constructing plugin instance"

BASELINE_HEADER = (
    "# mypy errors that predate the type checker; this list may only shrink.\n"
    "# One line per occurrence: path [code] message (no line numbers).\n"
    f"# `{UPDATE_COMMAND}` removes fixed entries; `{REBASELINE_COMMAND}` rewrites it\n"
    "# after a module moves.\n"
)


@dataclass(frozen=True)
class TypeErrorFound:
    """One error mypy reported, with where it is (for the reader) and its baseline key."""

    path: str
    line: int
    code: str
    message: str

    @property
    def key(self) -> str:
        return f"{self.path} [{self.code}] {LINE_IN_MESSAGE.sub('line N', self.message)}"

    def located(self) -> str:
        return f"{self.path}:{self.line}: [{self.code}] {self.message}"


@dataclass(frozen=True)
class Comparison:
    """How a run differs from the baseline: errors it adds, entries it no longer has, and
    errors in strict modules, which no baseline covers."""

    new: list[TypeErrorFound]
    new_keys: Counter[str]
    fixed: Counter[str]
    strict: list[TypeErrorFound]

    @property
    def clean(self) -> bool:
        return not self.new_keys and not self.fixed and not self.strict


def parse_mypy_json(output: str) -> list[TypeErrorFound]:
    """The errors in mypy's `--output json` lines (notes are explanations, not errors)."""
    found = []
    for line in output.splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if record["severity"] != "error":
            continue
        found.append(
            TypeErrorFound(
                path=Path(record["file"]).as_posix(),
                line=int(record["line"]),
                code=record["code"] or "misc",
                message=record["message"],
            )
        )
    return sorted(found, key=lambda error: (error.path, error.line, error.code, error.message))


def read_baseline(text: str) -> Counter[str]:
    return Counter(line for line in text.splitlines() if line.strip() and not line.startswith("#"))


def render_baseline(keys: Counter[str]) -> str:
    return BASELINE_HEADER + "".join(f"{key}\n" for key in sorted(keys.elements()))


def recordable(
    errors: Sequence[TypeErrorFound], is_strict: Callable[[str], bool]
) -> list[TypeErrorFound]:
    """The errors a baseline may hold: those outside strict modules."""
    return [error for error in errors if not is_strict(error.path)]


def compare(
    errors: Sequence[TypeErrorFound],
    baseline: Counter[str],
    is_strict: Callable[[str], bool],
) -> Comparison:
    lenient = recordable(errors, is_strict)
    current = Counter(error.key for error in lenient)
    new_keys = current - baseline
    return Comparison(
        new=[error for error in lenient if error.key in new_keys],
        new_keys=new_keys,
        fixed=baseline - current,
        strict=[error for error in errors if is_strict(error.path)],
    )


def shrunk(baseline: Counter[str], comparison: Comparison) -> Counter[str]:
    """The baseline without the entries that no longer occur."""
    return baseline - comparison.fixed


def report(comparison: Comparison, baseline_name: str = "mypy-baseline.txt") -> str:
    """What to tell the developer; empty when the run matches the baseline."""
    parts = []
    if comparison.strict:
        parts.append(
            f"{len(comparison.strict)} type error(s) in strict modules (no baseline covers them):"
        )
        parts.extend(f"  {error.located()}" for error in comparison.strict)
    if comparison.new_keys:
        parts.append(
            f"{comparison.new_keys.total()} type error(s) not in {baseline_name}; "
            "fix them (new code is strict):"
        )
        for key, extra in sorted(comparison.new_keys.items()):
            occurrences = [error for error in comparison.new if error.key == key]
            parts.extend(f"  {error.located()}" for error in occurrences)
            if len(occurrences) > extra:
                parts.append(
                    f"    ({len(occurrences) - extra} of these {len(occurrences)} are recorded; "
                    f"{extra} more than recorded)"
                )
        parts.append(
            f"If these are only errors that moved with a renamed module, run `{REBASELINE_COMMAND}`"
            " and check that its diff shows nothing but the new paths."
        )
    if comparison.fixed:
        parts.append(
            f"{comparison.fixed.total()} error(s) recorded in {baseline_name} no longer occur: "
            f"baseline can shrink: run `{UPDATE_COMMAND}` and commit {baseline_name}."
        )
        parts.extend(f"  {key}" for key in sorted(comparison.fixed.elements()))
    return "\n".join(parts)


def module_name(path: str, root: Path = ROOT) -> str:
    """The module mypy checks a file as: its packages (folders with __init__.py) and its stem."""
    file = root / path
    parts = [] if file.stem == "__init__" else [file.stem]
    folder = file.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def strict_in_config(root: Path = ROOT) -> Callable[[str], bool]:
    """Whether a file is strict, as mypy's own reading of pyproject.toml says: a module that
    must have annotated functions (disallow_untyped_defs) is strict."""
    from mypy.main import process_options

    config, a_file = str(root / "pyproject.toml"), str(root / "manage.py")
    _, options = process_options(["--config-file", config, a_file])
    return lambda path: options.clone_for_module(module_name(path, root)).disallow_untyped_defs


def mypy_environment(environ: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in environ.items()
        if name not in DROPPED_VARIABLES and not name.startswith(DROPPED_PREFIXES)
    }


def run_mypy() -> list[TypeErrorFound]:
    """Run mypy over the files pyproject.toml lists; exit with its message if it cannot run."""
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--cache-dir",
        str(CACHE_DIR),
        "--output",
        "json",
        "--show-traceback",
    ]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=mypy_environment(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    # 0: no errors, 1: errors found; anything else (2) means mypy itself failed, e.g. the
    # django-stubs plugin could not set Django up because a module does not import.
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout + result.stderr)
        hint = (
            " The django-stubs plugin sets Django up first: the traceback above shows the"
            " module that did not import."
            if DJANGO_SETUP_FAILED in result.stdout + result.stderr
            else ""
        )
        sys.exit(f"mypy did not run to completion (exit {result.returncode}).{hint}")
    return parse_mypy_json(result.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--update", action="store_true", help="remove baseline entries that no longer occur"
    )
    mode.add_argument(
        "--rebaseline", action="store_true", help="rewrite the baseline from this run"
    )
    args = parser.parse_args(argv)

    errors = run_mypy()
    is_strict = strict_in_config()
    baseline = read_baseline(BASELINE.read_text() if BASELINE.exists() else "")
    comparison = compare(errors, baseline, is_strict)

    if args.rebaseline:
        recorded = recordable(errors, is_strict)
        BASELINE.write_text(render_baseline(Counter(error.key for error in recorded)))
        print(f"{BASELINE.name}: {len(recorded)} error(s) recorded.")
        unfixed = Comparison([], Counter(), Counter(), comparison.strict)
        if not unfixed.clean:
            print(report(unfixed))
            return 1
        return 0
    if args.update:
        if comparison.fixed:
            BASELINE.write_text(render_baseline(shrunk(baseline, comparison)))
        print(f"{BASELINE.name}: {comparison.fixed.total()} fixed error(s) removed.")
        unfixed = Comparison(comparison.new, comparison.new_keys, Counter(), comparison.strict)
        if not unfixed.clean:
            print(report(unfixed))
            return 1
        return 0

    message = report(comparison)
    if message:
        print(message)
        return 1
    print(f"mypy: {len(errors)} known error(s), as recorded in {BASELINE.name}; nothing new.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
