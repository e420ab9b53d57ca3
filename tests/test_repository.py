"""Repository checks: manifest, HACS metadata, translations, JSON and engine purity."""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

import pytest
import yaml

from custom_components.dynamic_ocpp_evse.issues import SITE_REPAIR_KEYS
from custom_components.dynamic_ocpp_evse.loads import KINDS

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / "dynamic_ocpp_evse"

MANIFEST_REQUIRED = {
    "domain",
    "name",
    "codeowners",
    "config_flow",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "requirements",
    "version",
}
HACS_ALLOWED = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "render_readme",
    "hacs",
    "persistent_directory",
}


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _translations() -> dict[str, Any]:
    result: dict[str, Any] = _json(PACKAGE / "translations" / "en.json")
    return result


def _python_files() -> Iterator[Path]:
    yield from sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    sorted(p for p in ROOT.rglob("*.json") if ".venv" not in p.parts),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_json_parses(path: Path) -> None:
    _json(path)


def test_manifest() -> None:
    manifest = _json(PACKAGE / "manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:]), (
        "manifest keys after domain and name must be sorted"
    )
    assert set(manifest) >= MANIFEST_REQUIRED
    assert manifest["domain"] == PACKAGE.name
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["config_flow"] is True
    # The OCPP integration needs the same libraries with lower bounds only (ocpp>=2.1.0,
    # websockets>=14.1): an exact pin here would make Home Assistant reinstall one version
    # or the other at every start. Ours are bounded below the same way, never pinned.
    assert manifest["requirements"] == ["ocpp>=2.1.0", "websockets>=14.1"]


def test_hacs() -> None:
    hacs = _json(ROOT / "hacs.json")
    assert set(hacs) <= HACS_ALLOWED
    assert hacs["homeassistant"] == "2025.4.0"
    assert hacs["name"] == _json(PACKAGE / "manifest.json")["name"]


def test_brand_icon_is_png() -> None:
    assert (PACKAGE / "brand" / "icon.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _error_keys_in_code() -> set[str]:
    """String keys the code puts into a flow's errors, returns as an error, or aborts with."""
    keys: set[str] = set()
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript)
                and isinstance(t.value, ast.Name)
                and t.value.id == "errors"
                for t in node.targets
            ):
                keys |= _string_constants(node.value)
            elif isinstance(node, ast.FunctionDef) and node.name.endswith("_error"):
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        keys |= _string_constants(ret.value)
            elif isinstance(node, ast.keyword) and node.arg == "reason":
                keys |= _string_constants(node.value)
    return keys


def _string_constants(node: ast.AST) -> set[str]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _translated_flow_keys(section: str) -> set[str]:
    strings = _translations()
    keys = set(strings["config"].get(section, {}))
    for subentry in strings.get("config_subentries", {}).values():
        keys |= set(subentry.get(section, {}))
    for issue in strings.get("issues", {}).values():  # the fix flows
        keys |= set(issue.get("fix_flow", {}).get(section, {}))
    return keys


def test_every_flow_error_is_translated() -> None:
    translated = _translated_flow_keys("error") | _translated_flow_keys("abort")
    missing = _error_keys_in_code() - translated
    assert not missing, f"untranslated flow errors: {sorted(missing)}"


def test_every_translation_key_is_translated() -> None:
    """Every translation_key=... in the code has text in en.json."""
    strings = json.dumps(_translations())
    for path in _python_files():
        for key in re.findall(
            r'translation_key="([^"]+)"', path.read_text(encoding="utf-8")
        ):
            assert f'"{key}"' in strings, (
                f"{path.name}: translation key {key!r} missing"
            )


def _steps() -> Iterator[tuple[str, dict[str, Any]]]:
    strings = _translations()
    for name, step in strings["config"]["step"].items():
        yield f"config.{name}", step
    for kind, subentry in strings.get("config_subentries", {}).items():
        for name, step in subentry["step"].items():
            yield f"{kind}.{name}", step
    for key, issue in strings.get("issues", {}).items():
        for name, step in issue.get("fix_flow", {}).get("step", {}).items():
            yield f"issues.{key}.{name}", step


def test_every_schema_field_has_a_description() -> None:
    for name, step in _steps():
        assert set(step.get("data", {})) == set(step.get("data_description", {})), name


def test_every_subentry_type_is_translated() -> None:
    subentries = _translations()["config_subentries"]
    assert KINDS
    for kind in KINDS:
        steps = {"entry_type", "initiate_flow", "step"}
        assert steps <= set(subentries[kind.subentry_type]), kind.subentry_type


def test_every_repair_issue_is_translated() -> None:
    """Every Repair(key=...) in the code is literal, listed for removal, and has text."""
    issues = _translations()["issues"]
    raised: set[str] = set()
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "Repair"
            ):
                (value,) = [k.value for k in node.keywords if k.arg == "key"]
                assert isinstance(value, ast.Constant), "issue keys must be literal"
                raised.add(str(value.value))
    listed = {*SITE_REPAIR_KEYS, *(key for kind in KINDS for key in kind.repair_keys)}
    assert raised == listed  # a removed site withdraws every issue it may raise
    for name in raised:
        assert {"title", "description"} <= set(issues[name]), name


def test_services_have_translations_and_icons() -> None:
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))
    strings = _translations()["services"]
    icons = _json(PACKAGE / "icons.json")["services"]
    assert set(services) == set(strings) == set(icons)
    for name, service in services.items():
        assert set(service["fields"]) == set(strings[name]["fields"]), name


def test_icons_match_entity_translations() -> None:
    icons = _json(PACKAGE / "icons.json")["entity"]
    entities = _translations()["entity"]
    assert set(icons) == set(entities)
    for platform, keys in icons.items():
        assert set(keys) == set(entities[platform]), platform


def test_engine_imports_nothing_from_home_assistant() -> None:
    for path in sorted((PACKAGE / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert not name.startswith("homeassistant"), (
                    f"{path.name} imports {name}"
                )
