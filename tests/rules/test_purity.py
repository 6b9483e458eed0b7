"""The rules and the vocabulary are pure: they import nothing from Django or
the chart, so every rule is testable alone and replayable from JSON."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "grading/rules": ("django", "patients", "grading.models", "grading.services", "celery"),
    "clinical": ("django", "patients", "grading", "celery", "crsmonitor"),
}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_of_the_chart_or_django(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}"
    offending = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in imported_modules(path)
        if any(module == bad or module.startswith(bad + ".") for bad in FORBIDDEN[package])
    ]
    assert offending == []
