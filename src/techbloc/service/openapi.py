"""The service's OpenAPI spec: FastAPI's, with the study schema typed and the limits stated.

:func:`openapi_spec` adds the study schema (``techbloc.experiments.study.Study``), states the
compute budgets (``x-compute-budget``) and tightens the evaluate schema to what the server
checks (preset names, country codes, parameter and lever ranges, ``x-constraints``).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from techbloc.service.compute import MAX_COALITIONS

__all__ = ["openapi_spec"]

#: What every request that changes something may be answered besides its own responses.
_CHANGING_REFUSALS = {
    "403": "Sent from another site (Origin, Sec-Fetch-Site) without the access token",
    "408": "The request body did not arrive in time",
    "415": "A body that is not application/json or application/yaml",
}


def openapi_spec(app: FastAPI) -> dict[str, Any]:
    """FastAPI's spec, with the study schema (``techbloc.experiments.study.Study``) typed."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from techbloc.experiments.study import Study

    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    study = Study.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(study.pop("$defs", {}))
    schemas["Study"] = study
    body = spec["paths"]["/api/studies"]["post"]["requestBody"]
    body["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Study"}
    budgets = getattr(app.state, "budgets", {})
    if "evaluate" in budgets:
        schemas["EvaluateRequest"]["x-compute-budget"]["limit"] = budgets["evaluate"]
    if "study" in budgets:
        study["x-compute-budget"] = {
            "limit": budgets["study"],
            "formula": "number of scenarios * len(policies) * (years.end - years.start + 1)",
        }
    _tighten_evaluate(schemas["EvaluateRequest"])
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):  # techbloc.service.access
                responses = operation.setdefault("responses", {})
                for code, text in _CHANGING_REFUSALS.items():
                    responses.setdefault(code, {"description": text})
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for operations in spec["paths"].values():
        for operation in operations.values():
            for code, response in operation.get("responses", {}).items():
                if code[:1] in ("4", "5"):  # errors are JSON, also where success is HTML
                    response["content"] = error
    app.openapi_schema = json.loads(json.dumps(spec))
    return app.openapi_schema


def _tighten_evaluate(schema: dict[str, Any]) -> None:
    """State in the evaluate schema what the server checks: names, codes and ranges.

    Presets and country codes become patterns and enums of the bundled ones, ``set`` one
    property per registry parameter with its range, the levers their ranges. What JSON
    Schema cannot say (``end_year > start_year``, at most 20 coalitions in all, the
    history-consistent futures' number, the compute budget) is stated in ``x-constraints``
    and ``x-compute-budget``.
    """
    import re

    from techbloc.coalitions import _ANCHOR, _RIVAL, _countries, presets
    from techbloc.experiments.calibrated_sets import bundled_set_size
    from techbloc.params import LEVERS, PARAMETERS

    codes = [c for c in _countries() if c != _RIVAL]
    code_enum = [*codes, *(c.lower() for c in codes)]
    alternatives = "|".join(re.escape(c) for c in code_enum)
    names = "|".join(re.escape(n) for n in presets())
    props = schema["properties"]
    props["presets"]["items"] = {"type": "string", "pattern": f"^({names})(\\+({alternatives}))*$"}
    props["presets"]["maxItems"] = MAX_COALITIONS
    props["presets"]["uniqueItems"] = True
    props["coalitions"]["items"] = {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "enum": code_enum},
    }
    props["coalitions"]["maxItems"] = MAX_COALITIONS
    props["set"] = {
        "type": "object",
        "additionalProperties": False,
        "description": props["set"].get("description", ""),
        "properties": {
            p.name: {"type": "number", "minimum": p.low, "maximum": p.high} for p in PARAMETERS
        },
    }
    from techbloc.params import DOMAINS

    levers = {lever.name: lever for lever in LEVERS}

    def ranged(name: str) -> dict[str, Any]:
        return {"type": "number", "minimum": levers[name].low, "maximum": levers[name].high}

    props["pool_share"] = {
        "anyOf": [ranged("pool_share"), {"type": "null"}],
        "default": None,
        "description": props["pool_share"].get("description", ""),
    }
    per_domain = {
        "type": "object",
        "additionalProperties": False,
        "properties": {d.name: ranged("control_stringency") for d in DOMAINS},
    }
    props["stringency"] = {
        "anyOf": [ranged("control_stringency"), per_domain, {"type": "null"}],
        "default": None,
        "description": props["stringency"].get("description", ""),
    }
    props["capacity_building"] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {c: ranged("capacity_building") for c in code_enum if c.upper() != _ANCHOR},
        "description": props["capacity_building"].get("description", ""),
    }
    props["vary"] = {
        "type": "array",
        "items": {"type": "string", "enum": [p.name for p in PARAMETERS if p.is_uncertain]},
        "uniqueItems": True,
        "maxItems": 100,
        "description": props["vary"].get("description", ""),
    }
    history_futures = bundled_set_size()
    schema["x-constraints"] = [
        "end_year > start_year",
        f"len(presets) + len(coalitions) <= {MAX_COALITIONS}",
        f"{_ANCHOR} is in every coalition (added if absent); {_RIVAL} is never a member",
        "no two coalitions have the same members",
        "set leaves at least one parameter sampled by default out",
        "no parameter is both in vary and in set",
        f"prior 'history': scenarios <= {history_futures} (the calibrated set's futures) and "
        "vary is empty",
    ]
