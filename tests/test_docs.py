"""docs/architecture.md is the map of the code: every module must be on it."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_every_module_is_named_in_the_architecture():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [p for package in ("feedback", "feedback/analysis", "device")
               for p in sorted((REPO / package).glob("*.py")) if p.name != "__init__.py"]
    assert len(modules) > 40
    missing = [str(p.relative_to(REPO)) for p in modules if f"{p.name}`" not in text]
    assert not missing, f"not in docs/architecture.md: {missing}"
