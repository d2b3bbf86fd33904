"""The codebase's shape, enforced: the one-way app order, cross-app reads through selectors,
and a database CHECK behind every choice field (docs/ARCHITECTURE.md, "Apps and their order").

These read the source with `ast`, so they see module-level and function-local imports alike.
Tests (`*/tests/`) are left out: a test may build its data with any app's services.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import CheckConstraint, Model

PACKAGE = Path(__file__).resolve().parents[2]  # .../mesodesk

# The one-way order of the apps. An app may import its own rank and the ranks below it, never
# a higher one; apps of the same rank (screening and catalog; registry and interop) are
# siblings and do not import each other. Apps named here that do not exist yet are the rooms
# the coming capabilities go into.
APP_RANK: dict[str, int] = {
    "core": 0,
    "accounts": 1,
    "audit": 2,
    "knowledge": 3,
    "notifications": 4,
    "patients": 5,
    "screening": 6,
    "catalog": 6,
    # staff (organisation administration, break-glass access) reads accounts, audit,
    # notifications and patients; nothing imports it.
    "staff": 6,
    "treatments": 7,
    "consent": 8,
    "sessions": 9,
    "scheduling": 10,
    "safety": 11,
    "outcomes": 12,
    "registry": 13,
    "interop": 13,
    # home: each role's "today" page, reading every app below it; nothing imports it.
    "home": 13,
    "demo": 14,
}

# The knowledge base's data layer imports nothing of Django: every app may read it.
PURE_KNOWLEDGE = frozenset(
    {
        "mesodesk.knowledge.loader",
        "mesodesk.knowledge.schema",
        "mesodesk.knowledge.config",
        "mesodesk.knowledge.reasons",
    }
)

# Imports of a higher app that are allowed, each with its reason (module, imported app).
IMPORT_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("mesodesk.accounts.services", "audit"): (
        "issuing and revoking API tokens and switching clinic are security events the audit "
        "trail must hold, yet audit records accounts' actors; the import is function-local."
    ),
    # Two-step verification, passkeys and password changes are security events too (these
    # modules arrive with the MFA branch; the check below skips modules not present).
    ("mesodesk.accounts.mfa", "audit"): "MFA enrolment and resets are audited security events.",
    ("mesodesk.accounts.mfa_passkey_urls", "audit"): "passkey registration is audited.",
    ("mesodesk.accounts.password_views", "audit"): "password changes are audited.",
    ("mesodesk.accounts.kiosk", "audit"): "locking and unlocking the tablet are audited.",
    ("mesodesk.accounts.reauth", "audit"): "a wrong password at a signature is audited.",
    ("mesodesk.core.testing", "accounts"): (
        "the named test personas are members of clinics; test support, not runtime code."
    ),
}

# Direct reads of another app's model manager that are allowed: "path: Model.manager" -> why.
# Every entry must still occur, so the list can only shrink.
CROSS_APP_READ_EXCEPTIONS: dict[str, str] = {
    "mesodesk/core/testing.py: Membership.objects": "test personas build memberships directly.",
}

MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})


@dataclass(frozen=True)
class Module:
    app: str
    name: str  # dotted, e.g. mesodesk.catalog.services
    path: str  # relative to the repository, e.g. mesodesk/catalog/services.py
    tree: ast.Module


def app_modules() -> Iterator[Module]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2 or "tests" in parts:
            continue  # the project's wiring (urls, api, settings) and the tests
        dotted = ".".join(("mesodesk", *parts)).removesuffix(".py").removesuffix(".__init__")
        rel = "/".join(("mesodesk", *parts))
        yield Module(parts[0], dotted, rel, ast.parse(path.read_text(), filename=rel))


def imported_modules(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """Every absolute import in the module, at any depth (function-local ones too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:  # `from mesodesk.x import services`
                yield node.lineno, f"{node.module}.{alias.name}"


def upward_imports() -> list[str]:
    found: set[str] = set()
    for module in app_modules():
        rank = APP_RANK[module.app]
        for line, target in imported_modules(module.tree):
            parts = target.split(".")
            if parts[0] != "mesodesk" or len(parts) < 2 or parts[1] not in APP_RANK:
                continue
            other = parts[1]
            if other == module.app or ".".join(parts[:3]) in PURE_KNOWLEDGE:
                continue
            if APP_RANK[other] < rank or (module.name, other) in IMPORT_EXCEPTIONS:
                continue
            found.add(f"{module.path}:{line} imports {other} ({'.'.join(parts[:3])})")
    return sorted(found)


def test_every_app_has_a_place_in_the_order() -> None:
    here = {p.name for p in PACKAGE.iterdir() if (p / "apps.py").exists()}
    assert here <= set(APP_RANK), f"add {sorted(here - set(APP_RANK))} to APP_RANK and the docs"


def test_no_app_imports_a_higher_or_sibling_app() -> None:
    assert upward_imports() == []


def test_the_knowledge_data_layer_imports_nothing_of_django_or_the_apps() -> None:
    for module in app_modules():
        if module.name not in PURE_KNOWLEDGE:
            continue
        for _, target in imported_modules(module.tree):
            assert not target.startswith("django"), f"{module.path} imports {target}"
            if target.startswith("mesodesk."):
                assert target.startswith("mesodesk.knowledge"), f"{module.path} imports {target}"


def test_the_import_exceptions_still_name_real_imports() -> None:
    seen = {
        (m.name, t.split(".")[1])
        for m in app_modules()
        for _, t in imported_modules(m.tree)
        if t.startswith("mesodesk.") and len(t.split(".")) > 1
    }
    present = {m.name for m in app_modules()}
    expected = {(name, app) for name, app in IMPORT_EXCEPTIONS if name in present}
    assert expected <= seen, "remove exceptions that no longer apply"


def foreign_manager_reads() -> set[str]:
    """`OtherAppModel.objects` (or `_default_manager`) used outside the model's own app.

    Related managers (`patient.conditions`) and querysets handed over by the owning app's
    selectors are not manager reads and pass.
    """
    found: set[str] = set()
    for module in app_modules():
        if "migrations" in module.path.split("/"):
            continue
        models: dict[str, str] = {}  # local name -> owning app, for other apps' models
        modules: dict[str, str] = {}  # local name -> owning app, for `models` modules
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
                continue
            parts = node.module.split(".")
            if parts[0] != "mesodesk" or len(parts) < 2 or parts[1] == module.app:
                continue
            for alias in node.names:
                local = alias.asname or alias.name
                if parts[2:] == ["models"]:
                    models[local] = parts[1]
                elif len(parts) == 2 and alias.name == "models":
                    modules[local] = parts[1]
        placeholders = {  # `Model.objects.none()`: an empty form placeholder reads nothing
            id(n.func.value)
            for n in ast.walk(module.tree)
            if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute)
            and n.func.attr == "none"
            and isinstance(n.func.value, ast.Attribute)
        }
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Attribute) or node.attr not in MANAGERS:
                continue
            if id(node) in placeholders:
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in models:
                found.add(f"{module.path}: {owner.id}.{node.attr}")
            elif (
                isinstance(owner, ast.Attribute)
                and isinstance(owner.value, ast.Name)
                and owner.value.id in modules
            ):
                found.add(f"{module.path}: {owner.attr}.{node.attr}")
    return found


def test_no_app_queries_another_apps_model_manager() -> None:
    unexpected = sorted(foreign_manager_reads() - set(CROSS_APP_READ_EXCEPTIONS))
    assert unexpected == [], "read another app's data through its selectors"


def test_the_cross_app_read_exceptions_only_shrink() -> None:
    stale = set(CROSS_APP_READ_EXCEPTIONS) - foreign_manager_reads()
    assert stale == set(), "remove the exceptions that no longer occur"


def test_the_checks_see_a_violation_when_there_is_one(tmp_path: Path) -> None:
    # The AST walk itself, on a made-up module: both import depths and both reads are caught.
    tree = ast.parse(
        "from mesodesk.catalog.models import Lot\n"
        "def f():\n"
        "    from mesodesk.consent import services\n"
        "    return Lot.objects.all()\n"
    )
    targets = {t for _, t in imported_modules(tree)}
    assert {"mesodesk.catalog.models", "mesodesk.consent.services"} <= targets
    reads = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in MANAGERS]
    assert len(reads) == 1


@pytest.mark.parametrize(
    "model",
    [m for m in apps.get_models() if m.__module__.startswith("mesodesk.")],
    ids=lambda m: m._meta.label,
)
def test_every_choice_field_has_a_check_constraint(model: type[Model]) -> None:
    checks = " ".join(
        str(c.condition) for c in model._meta.constraints if isinstance(c, CheckConstraint)
    )
    for field in model._meta.get_fields():
        if getattr(field, "choices", None) and not field.auto_created:
            assert f"'{field.name}__in'" in checks, f"{model._meta.label}.{field.name}"
