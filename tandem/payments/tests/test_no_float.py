"""No float ever touches money.

The source of tandem/payments (tests excluded: they feed floats in on purpose, to see them
refused) and tandem/core/money.py is parsed (AST, not grep) and must hold no float literal, no
`float` name (no `float(...)` call, no `float` annotation) except in an `isinstance(x, float)`
check (which handles a float arriving from outside; it makes none), and no FloatField. True
division `/` is not allowed in tandem/payments/services/ unless one side is built from a
`Decimal(...)` call or the line says why with a `# decimal:` comment. Every model field of
the payments app that holds an amount is a BigIntegerField, and the ledger refuses a float
leg.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models, transaction

from tandem.payments.errors import UnbalancedTransaction
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger

ROOT = Path(__file__).resolve().parents[3]
PAYMENTS = ROOT / "tandem" / "payments"
SERVICES = PAYMENTS / "services"
MONEY = ROOT / "tandem" / "core" / "money.py"

# Files where `float` is allowed because it is not money, with how many uses and why. A new
# use in such a file still fails (the count changes).
NOT_MONEY = {
    "tandem/payments/management/commands/money_sweep.py": (
        2,
        "--every SECONDS: the sweep loop's interval (argparse type and annotation)",
    ),
}

AMOUNT_WORDS = ("amount", "price", "fee", "refunded", "value", "kept", "balance")
# Rates and settings whose names contain an amount word but are not amounts of money.
NOT_AMOUNTS = ("_bp", "_percent")


def money_sources() -> list[Path]:
    files = [p for p in PAYMENTS.rglob("*.py") if "tests" not in p.relative_to(PAYMENTS).parts]
    files.append(MONEY)
    return sorted(files)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _isinstance_float_names(tree: ast.AST) -> set[int]:
    """ids of `float` Name nodes that are the type argument of an isinstance() call."""
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "isinstance"
            and len(node.args) == 2
        ):
            for sub in ast.walk(node.args[1]):
                if isinstance(sub, ast.Name) and sub.id == "float":
                    allowed.add(id(sub))
    return allowed


def float_uses(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename=filename)
    in_isinstance = _isinstance_float_names(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float | complex):
            found.append(f"{filename}:{node.lineno}: float literal {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "float" and id(node) not in in_isinstance:
            found.append(f"{filename}:{node.lineno}: float")
        elif isinstance(node, ast.Attribute) and node.attr in ("FloatField", "float"):
            found.append(f"{filename}:{node.lineno}: {node.attr}")
        elif isinstance(node, ast.Name) and node.id == "FloatField":
            found.append(f"{filename}:{node.lineno}: FloatField")
        elif isinstance(node, ast.Constant) and node.value == "float":
            # e.g. getattr(builtins, "float") or a "float" annotation string
            found.append(f"{filename}:{node.lineno}: 'float' string")
    return found


def _has_decimal_call(node: ast.AST) -> bool:
    return any(
        isinstance(sub, ast.Call)
        and (
            (isinstance(sub.func, ast.Name) and sub.func.id == "Decimal")
            or (isinstance(sub.func, ast.Attribute) and sub.func.attr == "Decimal")
        )
        for sub in ast.walk(node)
    )


def divisions(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename=filename)
    lines = source.splitlines()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            sides = (node.left, node.right)
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Div):
            sides = (node.target, node.value)
        else:
            continue
        if any(_has_decimal_call(side) for side in sides):
            continue
        line = lines[node.lineno - 1]
        if "# decimal:" in line:
            continue
        found.append(f"{filename}:{node.lineno}: {line.strip()}")
    return found


def test_no_float_in_money_code() -> None:
    problems = []
    scanned = 0
    for path in money_sources():
        name = relative(path)
        uses = float_uses(path.read_text(encoding="utf-8"), name)
        scanned += 1
        if name in NOT_MONEY:
            expected, _why = NOT_MONEY[name]
            if len(uses) != expected:
                problems.append(f"{name}: expected {expected} non-money float uses: {uses}")
            continue
        problems.extend(uses)
    assert scanned > 20  # the scan really looked at the app
    assert not problems, "\n".join(problems)


def test_no_true_division_in_money_services() -> None:
    problems = []
    for path in sorted(SERVICES.rglob("*.py")):
        problems.extend(divisions(path.read_text(encoding="utf-8"), relative(path)))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("x = 0.1", True),
        ("x = float(y)", True),
        ("def f(a: float) -> int: ...", True),
        ("amount = models.FloatField()", True),
        ("from django.db.models import FloatField", False),  # an import alone is no use
        ("x = FloatField()", True),
        ("ok = isinstance(v, float)", False),
        ("ok = isinstance(v, (int, float))", False),
        ("x = 10", False),
        ("x = Decimal('0.1')", False),
    ],
)
def test_the_float_scan_sees_what_it_should(source: str, caught: bool) -> None:
    assert bool(float_uses(source, "sample.py")) is caught


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("x = a / b", True),
        ("x /= 2", True),
        ("x = Decimal(a) * bp / 10_000", False),
        ("x = a / Decimal(100)", False),
        ("x = a / b  # decimal: a and b are Decimals from validate_price", False),
        ("x = a // b", False),
    ],
)
def test_the_division_scan_sees_what_it_should(source: str, caught: bool) -> None:
    assert bool(divisions(source, "sample.py")) is caught


def test_every_amount_field_of_the_payments_app_is_a_big_integer() -> None:
    checked = []
    wrong = []
    for model in apps.get_app_config("payments").get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, models.Field) or field.is_relation:
                continue
            name = field.name.lower()
            if not any(word in name for word in AMOUNT_WORDS):
                continue
            if name.endswith(NOT_AMOUNTS):
                assert not isinstance(field, models.FloatField | models.DecimalField)
                continue
            checked.append(f"{model.__name__}.{field.name}")
            if type(field) is not models.BigIntegerField:
                wrong.append(f"{model.__name__}.{field.name}: {type(field).__name__}")
        for field in model._meta.get_fields():
            assert not isinstance(field, models.FloatField), f"{model.__name__}.{field.name}"
    # The amounts we know of are among those checked (a rename would silently skip one).
    for known in (
        "Payment.amount",
        "Payment.fee",
        "Payment.refunded",
        "Refund.amount",
        "Refund.kept",
        "LedgerEntry.amount",
        "GiftCard.initial_amount",
        "PackageCredit.value",
        "Payout.amount",
    ):
        assert known in checked, (known, checked)
    assert not wrong, wrong


@pytest.mark.django_db
def test_the_ledger_refuses_a_float_leg(bob) -> None:
    from tandem.payments.models import LedgerEntry

    promo, credit = accounts.promotions("EUR"), accounts.client_credit(bob, "EUR")
    for amount in (1.0, 80.5):
        with pytest.raises(UnbalancedTransaction), transaction.atomic():
            ledger.post(
                reason="float",
                correlation_key=f"float-{amount}",
                legs=[(promo, amount), (credit, -amount)],
            )
    assert not LedgerEntry.objects.exists()
