"""The import rules of the design: no service imports another, `common/` imports no service, gateway or CLI,
and the gateway imports no service package."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "app.py").exists())


def imported_modules(folder: Path) -> set[tuple[str, str]]:
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
            found |= {(str(path.relative_to(folder)), name) for name in names}
    return found


def offending(folder: Path, forbidden: list[str]) -> list[tuple[str, str]]:
    return sorted((path, name) for path, name in imported_modules(folder)
                  if any(name == f or name.startswith(f + ".") for f in forbidden))


def test_no_service_imports_another_service():
    for service in SERVICES:
        others = [f"services.{name}" for name in SERVICES if name != service]
        assert offending(ROOT / "services" / service, others) == []


def test_common_imports_no_service_gateway_or_cli():
    assert offending(ROOT / "common", ["services", "gateway", "cli"]) == []


def test_gateway_imports_no_service_package():
    assert offending(ROOT / "gateway", ["services"]) == []


def test_the_rules_see_imports(tmp_path):
    (tmp_path / "bad.py").write_text("import services.actions_api.rules\nfrom gateway import app\n")
    assert offending(tmp_path, ["services", "gateway"]) == [
        ("bad.py", "gateway"), ("bad.py", "services.actions_api.rules")]
