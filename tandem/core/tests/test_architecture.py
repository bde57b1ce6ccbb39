"""The layering rules import-linter cannot see (it runs from `make lint`; see `.importlinter`).

- No module imports another app's private names (a leading underscore).
- An app reaches another app's data through that app's services and selectors, not through
  its models' managers (`OtherModel.objects...`). The files that still do are listed in
  `MANAGER_BASELINE`; the list may only shrink: a new offender fails, and so does an entry
  that no longer offends (remove it).
"""

from __future__ import annotations

import ast
from pathlib import Path

TANDEM = Path(__file__).resolve().parents[2]

# file (relative to tandem/) -> the other apps whose managers it still uses.
MANAGER_BASELINE: dict[str, set[str]] = {
    # Data generators (the top-layer demo app) write every app's tables directly on purpose:
    # seed_demo converges fixed rows (get_or_create by natural key) and gen_bench_data
    # bulk-inserts a large dataset in one transaction, neither of which a service offers;
    # demo/payments.py finds what seed_demo still has to pay for and what it already made
    # (its writes go through the payment services, so the demo ledger is a real one).
    "demo/management/commands/gen_bench_data.py": {
        "accounts",
        "availability",
        "booking",
        "coaches",
    },
    "demo/management/commands/seed_demo.py": {
        "accounts",
        "availability",
        "booking",
        "coaches",
        "orgs",
    },
    # demo/orgs.py converges Northwind's participants' accounts and seats by natural key.
    "demo/orgs.py": {"accounts", "orgs"},
    "demo/payments.py": {"booking", "payments"},
    # demo/workspace.py writes the demo's dated workspace rows (goals, notes, journal...)
    # directly: the workspace services only take "now" for the dates they set.
    "demo/workspace.py": {"booking", "workspace"},
}

# Private names still imported across apps (file:name); the list may only shrink.
PRIVATE_BASELINE: set[str] = set()


def _app_modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(TANDEM.rglob("*.py")):
        rel = path.relative_to(TANDEM)
        if len(rel.parts) < 2 or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        found.append((rel.parts[0], path))
    return found


def _other_app(module: str | None, app: str) -> str | None:
    parts = (module or "").split(".")
    if len(parts) > 1 and parts[0] == "tandem" and parts[1] != app:
        return parts[1]
    return None


def test_no_module_imports_another_apps_private_names():
    offenders = []
    for app, path in _app_modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                if _other_app(node.module, app) is None:
                    continue
                for alias in node.names:
                    private_module = any(p.startswith("_") for p in node.module.split(".")[2:])
                    if alias.name.startswith("_") or private_module:
                        offenders.append(f"{path.relative_to(TANDEM)}:{alias.name}")
    assert sorted(set(offenders) - PRIVATE_BASELINE) == [], "use the other app's public API"
    assert sorted(PRIVATE_BASELINE - set(offenders)) == [], "fixed: remove it from the baseline"


def _manager_users() -> dict[str, set[str]]:
    users: dict[str, set[str]] = {}
    for app, path in _app_modules():
        tree = ast.parse(path.read_text())
        foreign_models: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                other = _other_app(node.module, app)
                if other and node.module.split(".")[2:3] == ["models"]:
                    for alias in node.names:
                        foreign_models[alias.asname or alias.name] = other
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"objects", "_default_manager", "_base_manager"}
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_models
            ):
                rel = str(path.relative_to(TANDEM))
                users.setdefault(rel, set()).add(foreign_models[node.value.id])
    return users


def test_apps_use_other_apps_through_services_not_managers():
    found = _manager_users()
    new = {f: apps - MANAGER_BASELINE.get(f, set()) for f, apps in found.items()}
    new = {f: apps for f, apps in new.items() if apps}
    fixed = {f: apps - found.get(f, set()) for f, apps in MANAGER_BASELINE.items()}
    fixed = {f: apps for f, apps in fixed.items() if apps}
    assert new == {}, "use the other app's selectors or services"
    assert fixed == {}, "no longer offends: remove it from MANAGER_BASELINE"
