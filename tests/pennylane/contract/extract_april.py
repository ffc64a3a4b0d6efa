"""Write ``company-api-v2-2026-04-extract.json``: the part of Pennylane's April 2026 Company
API v2 description the contract test checks against, so that a clean clone (CI) has it.

The extract keeps the paths relance calls (every method of each), the components they refer
to, followed transitively, and the security schemes: parameters, bodies, response codes and
schemas, as the vendor wrote them. Prose (descriptions, summaries, examples) is left out; a
schema property that happens to be named ``description`` is kept. The source file's SHA-256
is recorded, so the extract can be made again from the same file and compared::

    python tests/pennylane/contract/extract_april.py \
        ../shared/specs/pennylane-company-api-v2-openapi-2026-04.json
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
TARGET = HERE / "company-api-v2-2026-04-extract.json"
OPERATIONS = frozenset(  # what the adapter and the emulator exchange (the adapter's README)
    {
        "getMe",
        "getCustomers",
        "getCustomer",
        "getCustomerInvoices",
        "getCustomerInvoice",
        "getCustomerChanges",
        "getCustomerInvoicesChanges",
        "getCustomerInvoiceMatchedTransactions",
        "getCategoryGroups",
        "getCategoryGroupCategories",
        "postCategories",
        "getCustomerInvoiceCategories",
        "putCustomerInvoiceCategories",
        "getCustomerInvoiceAppendices",
        "postCustomerInvoiceAppendices",
        "putCompanyCustomer",
        "putIndividualCustomer",
        "getWebhookSubscription",
        "postWebhookSubscription",
        "deleteWebhookSubscription",
    }
)
PROSE = {"description", "summary", "example", "examples", "x-codeSamples"}


def _strip(node: Any, *, in_properties: bool = False) -> Any:
    if isinstance(node, dict):
        kept: dict[str, Any] = {}
        for key, value in node.items():
            if key in PROSE and not in_properties:
                continue
            kept[key] = _strip(value, in_properties=key == "properties" and not in_properties)
        if "content" in kept and "description" in node and not in_properties:
            kept["description"] = ""  # a response object must have one
        return kept
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value)
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def extract(raw: bytes) -> dict[str, Any]:
    spec = json.loads(raw)
    paths = {
        path: item
        for path, item in spec["paths"].items()
        if any(isinstance(op, dict) and op.get("operationId") in OPERATIONS for op in item.values())
    }
    found = {op.get("operationId") for item in paths.values() for op in item.values()
             if isinstance(op, dict)}  # fmt: skip
    if missing := OPERATIONS - found:
        raise SystemExit(f"not in this description: {', '.join(sorted(missing))}")
    components: dict[str, dict[str, Any]] = {
        "securitySchemes": spec["components"]["securitySchemes"]
    }
    # the answer of a path the company's API does not have (the version probe's 404)
    todo, seen = _refs(paths) | {"#/components/responses/NotFound"}, set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        value = spec["components"][kind][name]
        components.setdefault(kind, {})[name] = value
        todo |= _refs(value)
    return {
        "openapi": spec["openapi"],
        "info": {"title": f"{spec['info']['title']} (extract)", "version": spec["info"]["version"]},
        "x-extracted-from": {
            "file": "pennylane-company-api-v2-openapi-2026-04.json (the project's shared/specs)",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "what": "the paths relance calls, every component they refer to, the security "
            "schemes; descriptions, summaries and examples left out",
        },
        "servers": spec.get("servers", []),
        "security": spec.get("security", []),
        "paths": _strip(paths),
        "components": {kind: _strip(v) for kind, v in sorted(components.items())},
    }


if __name__ == "__main__":
    source = Path(sys.argv[1])
    TARGET.write_text(
        json.dumps(extract(source.read_bytes()), indent=1, ensure_ascii=False, sort_keys=True)
        + "\n",
        encoding="utf-8",
    )
    print(f"{TARGET.name}: {TARGET.stat().st_size} bytes from {source}")
