"""The Odoo add-on, checked without Odoo (CI has none: Odoo is not on the package registries).

Its own tests run inside a real Odoo 19 (``odoo-bin … -i account_relance --test-enable``, see
adapters/odoo/addon/README.md). These catch what breaks a module before Odoo even loads it:
a manifest that does not evaluate, a data file missing or not listed, XML that does not parse,
an access line naming a model or group that does not exist, Python that does not compile,
and core names the add-on imports that the core no longer has.
"""

from __future__ import annotations

import ast
import csv
import importlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ADDON = Path(__file__).resolve().parents[2] / "adapters" / "odoo" / "addon" / "account_relance"
NAME = ADDON.name
DATA_DIRS = ("data", "views", "security", "report", "wizard")


def manifest() -> dict[str, object]:
    value = ast.literal_eval((ADDON / "__manifest__.py").read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def own_models(*, stored: bool = False) -> dict[str, Path]:
    """``_name`` of every model the add-on defines, with its file (``stored``: those with a
    table, not an ``AbstractModel``, which no access line is about)."""
    found: dict[str, Path] = {}
    for path in sorted((ADDON / "models").glob("*.py")):
        for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(cls, ast.ClassDef):
                continue
            abstract = any(ast.unparse(b).endswith("AbstractModel") for b in cls.bases)
            for node in cls.body:
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "_name" for t in node.targets
                ):
                    assert isinstance(node.value, ast.Constant), path
                    if not (stored and abstract):
                        found[str(node.value.value)] = path
    return found


def xml_ids() -> set[str]:
    ids: set[str] = set()
    for path in ADDON.rglob("*.xml"):
        for element in ET.parse(path).getroot().iter():
            if element.tag in ("record", "template", "menuitem") and element.get("id"):
                ids.add(str(element.get("id")))
    return ids


def test_the_manifest_evaluates_and_says_what_odoo_needs() -> None:
    found = manifest()
    assert re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", str(found["version"]))
    assert found["license"] == "AGPL-3"
    assert {"account", "mail"} <= set(found["depends"])  # type: ignore[arg-type]
    assert found["external_dependencies"] == {"python": ["relance"]}
    assert found["installable"] is True


def test_every_data_file_exists_and_every_file_is_listed() -> None:
    listed = list(manifest()["data"])  # type: ignore[call-overload]
    assert len(listed) == len(set(listed)), "a data file listed twice"
    for name in listed:
        assert (ADDON / name).is_file(), f"{name} is listed but missing"
    present = {
        str(p.relative_to(ADDON))
        for d in DATA_DIRS
        for p in (ADDON / d).glob("*")
        if p.suffix in (".xml", ".csv")
    }
    assert present == set(listed), f"not listed: {present - set(listed)}"
    security = [n for n in listed if n.startswith("security/")]
    assert listed[: len(security)] == security, "security files load first"


@pytest.mark.parametrize(
    "path", sorted(ADDON.rglob("*.xml")), ids=lambda p: str(p.relative_to(ADDON))
)
def test_every_xml_file_parses_as_odoo_data(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag == "odoo"
    for element in root.iter("field"):
        if element.get("type") == "xml" or element.get("name") == "arch":
            assert len(element) >= 1, f"{path.name}: an empty arch"


def test_access_rights_name_existing_models_and_groups() -> None:
    models = own_models(stored=True)
    groups = xml_ids()
    with (ADDON / "security" / "ir.model.access.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    tiers: dict[str, set[str]] = {}
    for row in rows:
        model = row["model_id:id"].removeprefix("model_").replace("_", ".")
        candidates = {m for m in models if m.replace("_", ".") == model}
        assert candidates, f"{row['id']} names an unknown model {row['model_id:id']}"
        group = row["group_id:id"]
        assert group in groups, f"{row['id']} names an unknown group {group}"
        for perm in ("perm_read", "perm_write", "perm_create", "perm_unlink"):
            assert row[perm] in ("0", "1")
        tiers.setdefault(group, set()).add(model)
    assert {"group_relance_readonly", "group_relance_user", "group_relance_manager"} <= set(tiers)
    for model in models:
        assert any(model.replace("_", ".") in seen for seen in tiers.values()), (
            f"{model} has no access line: nobody could use it"
        )


def test_every_model_has_a_company_rule_where_it_has_a_company() -> None:
    rules = {
        ref.get("ref", "").removeprefix("model_")
        for path in (ADDON / "security").glob("*.xml")
        for record in ET.parse(path).getroot().iter("record")
        if record.get("model") == "ir.rule"
        for ref in record.iter("field")
        if ref.get("name") == "model_id"
    }
    for model, path in own_models().items():
        if "company_id = fields" in path.read_text(encoding="utf-8"):
            assert model.replace(".", "_") in rules, f"{model} has no multi-company rule"


def test_one_model_per_file_all_imported() -> None:
    init = (ADDON / "models" / "__init__.py").read_text(encoding="utf-8")
    for path in (ADDON / "models").glob("*.py"):
        if path.name == "__init__.py":
            continue
        assert f"from . import {path.stem}\n" in init, f"{path.name} is never imported"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
        assert len(classes) == 1, f"{path.name} defines {len(classes)} classes"


@pytest.mark.parametrize(
    "path", sorted(ADDON.rglob("*.py")), ids=lambda p: str(p.relative_to(ADDON))
)
def test_python_compiles_and_core_names_exist(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = compile(source, str(path), "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    compile(source, str(path), "exec", dont_inherit=True)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] not in ("connector", "adapters"):
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module} has no {alias.name}"


def test_the_french_translation_parses() -> None:
    with (ADDON / "i18n" / "fr.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = [m for m in catalog if m.id and m.string]
    assert len(translated) >= 20
    assert not [m.id for m in catalog if m.id and m.fuzzy], "fuzzy entries are not loaded by Odoo"


def test_the_french_follows_the_house_typography() -> None:
    """As the web app's catalogue: a no-break space before « : ; ? ! » and inside « »,
    the typographic apostrophe (a French accountant reads these in Odoo, and chatter notes
    and call tasks stay on the record a court may read)."""
    with (ADDON / "i18n" / "fr.po").open("rb") as handle:
        catalog = read_po(handle)
    wrong = []
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in (t for t in texts if message.id and t):
            signs = [s for s in (":", ";", "?", "!", "»") if f" {s}" in text]
            if signs or "« " in text or "'" in text:
                wrong.append(text)
    assert not wrong, wrong[:5]


def test_the_apps_page_is_the_readme_rendered() -> None:
    """Odoo shows static/description/index.html; made from README.rst, which parses cleanly."""
    from adapters.odoo.addon.describe import description

    page, warnings = description((ADDON / "README.rst").read_text(encoding="utf-8"))
    assert warnings == ""
    shipped = (ADDON / "static" / "description" / "index.html").read_text(encoding="utf-8")
    assert shipped == page, "run python adapters/odoo/addon/describe.py"


def test_the_wheel_declares_what_the_module_needs() -> None:
    """Built with OCA's whool: the distribution takes its dependencies from the manifest."""
    import tomllib

    build = tomllib.loads((ADDON / "pyproject.toml").read_text(encoding="utf-8"))
    assert build["build-system"] == {"requires": ["whool"], "build-backend": "whool.buildapi"}
