"""Reading a results store's arrays, and exporting its results as Parquet or CSV files."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from techbloc.errors import StoreError
from techbloc.experiments.store_handle import StoreHandle

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["export_store", "read_arrays", "sql_path"]


def read_arrays(
    store: StoreHandle,
    variables: str | Sequence[str] | None,
    *,
    scenarios: Iterable[int] | None = None,
    policies: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Stored arrays as a long table (see :meth:`ResultsStore.trajectories`)."""
    import pandas as pd

    known = store.array_variables()
    if isinstance(variables, str):
        variables = [variables]
    if variables is None:
        with_year = [n for n, d in known.items() if "year" in d]
        if not with_year:
            raise StoreError(
                f"{store.directory}: no trajectories stored (the study's "
                "outputs.trajectories was false)"
            )
        dims = known[with_year[0]]
        variables = [n for n in with_year if known[n] == dims]
    unknown = [v for v in variables if v not in known]
    if unknown:
        raise StoreError(
            f"{store.directory}: no stored array named {', '.join(unknown)}; stored: "
            f"{', '.join(sorted(known)) or 'none'}"
        )
    groups = {"-".join(known[v]) for v in variables}
    if len(groups) > 1:
        raise StoreError(
            f"variables {', '.join(variables)} have different dims; read them "
            "one dims group at a time"
        )
    group = groups.pop()
    dims = group.split("-")
    files = store._group_files(group)
    if not files:
        return pd.DataFrame(columns=[*dims, *variables])
    where: list[str] = []
    params: list[Any] = [files]
    if scenarios is not None:
        where.append("list_contains(?, scenario)")
        params.append([int(s) for s in scenarios])
    if policies is not None and "policy" in dims:
        where.append("list_contains(?, policy)")
        params.append([str(p) for p in policies])
    order = ", ".join("list_position(?, policy)" if d == "policy" else d for d in dims)
    if "policy" in dims:
        params.append(store.policies)
    cols = ", ".join([*dims, *(f'"{v}"' for v in variables)])
    sql = f"SELECT {cols} FROM read_parquet(?)"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {order}"
    frame: pd.DataFrame = store._con.execute(sql, params).df()
    return frame


def export_store(
    store: StoreHandle, to: str | Path, format: Literal["parquet", "csv"] = "parquet"
) -> list[Path]:
    """Write the results as Parquet or CSV files in directory ``to``.

    Writes ``scenarios``, ``outcomes``, one file per stored dims group
    (``arrays-<dims>``), plus ``manifest.json`` and ``study.yaml``.

    Returns
    -------
    list of Path
        The files written.
    """
    if format not in ("parquet", "csv"):
        raise StoreError(f"unknown export format {format!r}; use parquet or csv")
    to = Path(to)
    to.mkdir(parents=True, exist_ok=True)
    options = "(FORMAT PARQUET, COMPRESSION ZSTD)" if format == "parquet" else "(HEADER)"
    written = []

    def copy(query: str, name: str, params: list[Any] | None = None) -> None:
        target = to / f"{name}.{format}"
        temp = to / f".{name}.{format}.tmp"
        store._con.execute(f"COPY ({query}) TO '{sql_path(temp)}' {options}", params or [])
        os.replace(temp, target)
        written.append(target)

    if store._has_table("scenarios"):
        copy("SELECT * FROM scenarios ORDER BY scenario", "scenarios")
    if store._has_table("outcomes"):
        copy(
            "SELECT * FROM outcomes ORDER BY scenario, list_position(?, policy)",
            "outcomes",
            [store.policies],
        )
    for group in sorted({"-".join(d) for d in store.array_variables().values()}):
        files = store._group_files(group)
        if files:
            order = ", ".join(
                "list_position(?, policy)" if d == "policy" else d for d in group.split("-")
            )
            params: list[Any] = [files] + ([store.policies] if "policy" in group else [])
            copy(f"SELECT * FROM read_parquet(?) ORDER BY {order}", f"arrays-{group}", params)
    manifest = to / "manifest.json"
    manifest.write_text(json.dumps(store.manifest, indent=2, default=str))
    written.append(manifest)
    study = to / "study.yaml"
    study.write_text(store.study.to_yaml())
    written.append(study)
    return written


def sql_path(path: Path) -> str:
    """``path`` for a single-quoted SQL string literal (quotes doubled)."""
    return str(path).replace("'", "''")
