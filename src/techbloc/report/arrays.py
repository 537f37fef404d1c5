"""A store's arrays read a slice or a statistic at a time: :class:`StoredArrays`.

A store keeps its arrays in long form, one row per future, policy and country (or domain,
or year). A study of a million futures and five policies holds 290 million per-country rows:
more than a pandas table fits in memory. The report needs only one country's values under
one policy (:meth:`StoredArrays.series`) or a statistic over futures of each country,
domain or year (:meth:`StoredArrays.summary`, computed by DuckDB over the Parquet files).
Either holds at most one value per future in memory, whatever the study's size.

The statistics follow pandas: NaN is skipped by :func:`mean`, :func:`median` and
:func:`quantile`, and a comparison with NaN is false in :func:`share`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = ["StoredArrays", "mean", "median", "quantile", "share"]


def mean(column: str) -> str:
    """The mean over futures of ``column`` (NaN skipped; a boolean as 0 or 1)."""
    return f'avg("{column}"::DOUBLE)'


def median(column: str) -> str:
    """The median over futures of ``column`` (NaN skipped; the mean of the middle two)."""
    return quantile(column, 0.5)


def quantile(column: str, q: float) -> str:
    """The ``q`` quantile over futures of ``column``, interpolated linearly as pandas and
    numpy do (NaN skipped)."""
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q} is outside [0, 1]")
    return f'quantile_cont("{column}", {float(q)!r})'


def share(condition: str) -> str:
    """The share of futures in which the SQL ``condition`` over the columns holds (a
    comparison with NaN is false)."""
    return f"avg(coalesce(({condition}), false)::DOUBLE)"


class StoredArrays:
    """Some variables of one dims group of a store's arrays, for some policies.

    Parameters
    ----------
    files : sequence of str
        The group's Parquet files, already checked against their digests
        (:meth:`~techbloc.experiments.ResultsStore.array_files`).
    dims : sequence of str
        The group's dims: ``scenario``, optionally ``policy``, and one more (the key:
        ``country``, ``domain`` or ``year``).
    variables : sequence of str
        The variables read.
    policies : sequence of str
        The policies read (ignored without a ``policy`` dim).
    only : sequence of int, optional
        Read only these futures (a sample of the study's); default every future.

    Notes
    -----
    Each call runs one query in the object's own in-memory DuckDB connection, which is not
    pickled: the object can be handed to the report's worker process.
    """

    def __init__(
        self,
        files: Sequence[str],
        dims: Sequence[str],
        variables: Sequence[str],
        policies: Sequence[str] = (),
        only: Sequence[int] | None = None,
    ) -> None:
        keys = [d for d in dims if d not in ("scenario", "policy")]
        if dims[0] != "scenario" or len(keys) != 1:
            raise ValueError(f"dims {list(dims)} are not scenario[, policy], and one key")
        self.files = list(files)
        self.dims = list(dims)
        self.key = keys[0]
        self.variables = list(variables)
        self.policies = list(policies) if "policy" in dims else []
        self.only = None if only is None else [int(s) for s in only]
        self._con: duckdb.DuckDBPyConnection | None = None
        self._doubles: list[str] = []

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("files", "dims", "variables", "policies", "only")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def restricted(self, only: Iterable[int]) -> StoredArrays:
        """The same arrays, of the futures ``only`` alone (of those, the ones these arrays
        already hold, when they are restricted too)."""
        wanted = [int(s) for s in only]
        if self.only is not None:
            held = set(self.only)
            wanted = [s for s in wanted if s in held]
        return StoredArrays(self.files, self.dims, self.variables, self.policies, wanted)

    def _connection(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        if self._con is None:
            self._con = duckdb.connect()
            # DuckDB 2.0's statistics propagation folds isnan(x) to false under a filter when
            # the Parquet min/max hold no NaN (seen on the report's test store): a NaN would
            # then be kept as a value rather than skipped
            self._con.execute("SET disabled_optimizers = 'statistics_propagation'")
            types = self._con.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))",
                [self.files],
            ).fetchall()
            self._doubles = [name for name, kind in types if kind == "DOUBLE"]
            if self.only is not None:
                import numpy as np
                import pandas as pd

                ids = pd.DataFrame({"scenario": np.asarray(self.only, dtype=np.int64)})
                self._con.register("only_scenarios", ids)
        return self._con

    def _query(self, select: str, where: list[str], params: list[Any], tail: str) -> pd.DataFrame:
        import duckdb

        from techbloc.errors import StoreError

        try:
            return self._execute(select, where, params, tail)
        except duckdb.IOException as exc:  # a file went away since the store was read
            raise StoreError(
                f"cannot read the stored {', '.join(self.variables)} any more ({exc}); the "
                "store changed while the report read it (a repair or a fresh run?): make "
                "the report again"
            ) from exc

    def _execute(self, select: str, where: list[str], params: list[Any], tail: str) -> pd.DataFrame:
        con = self._connection()
        # NaN becomes NULL, which DuckDB's aggregates skip as pandas skips NaN
        columns = ", ".join(
            f'if(isnan("{v}"), NULL, "{v}") AS "{v}"' if v in self._doubles else f'"{v}"'
            for v in self.variables
        )
        rows = f"SELECT {', '.join(self.dims)}, {columns} FROM read_parquet(?)"
        if self.only is not None:
            rows += " WHERE scenario IN (SELECT scenario FROM only_scenarios)"
        sql = f"SELECT {select} FROM ({rows}) WHERE {' AND '.join(where) or 'true'} {tail}"
        return con.execute(sql, [self.files, *params]).df()

    def _policy(self, policy: str | None) -> tuple[list[str], list[Any]]:
        from techbloc.errors import DataError

        if not self.policies:
            if policy is not None:
                raise DataError(f"the arrays {', '.join(self.variables)} have no policy dim")
            return [], []
        if policy not in self.policies:
            raise DataError(
                f"no {', '.join(self.variables)} were read for policy {policy!r}; read: "
                f"{', '.join(self.policies)}"
            )
        return ["policy = ?"], [policy]

    def series(self, policy: str | None, key: Any, column: str) -> pd.Series:
        """``column`` at one key (a country, domain or year) under ``policy`` (``None``
        without a ``policy`` dim), a float per future, indexed by scenario in scenario order
        (NaN where the store holds NaN)."""
        from techbloc.errors import DataError

        if column not in self.variables:
            raise DataError(
                f"no array named {column!r} was read; read: {', '.join(self.variables)}"
            )
        where, params = self._policy(policy)
        frame = self._query(
            f'scenario, "{column}"',
            [*where, f"{self.key} = ?"],
            [*params, key],
            "ORDER BY scenario",
        )
        return frame.set_index("scenario")[column].astype(float)

    def summary(
        self,
        policy: str | None = None,
        *,
        keys: Iterable[Any] | None = None,
        exclude: Iterable[Any] = (),
        **statistics: str,
    ) -> pd.DataFrame:
        """Statistics over futures at each key (country, domain or year) under ``policy``.

        Parameters
        ----------
        policy : str, optional
            Needed when the arrays have a ``policy`` dim.
        keys : iterable, optional
            Only these keys; default every key.
        exclude : iterable
            Leave these keys out.
        **statistics : str
            Column name to statistic: :func:`mean`, :func:`median`, :func:`quantile` or
            :func:`share` of the variables.

        Returns
        -------
        DataFrame
            One row per key (the index, sorted), one column per statistic.
        """
        if not statistics:
            raise ValueError("summary needs at least one statistic")
        where, params = self._policy(policy)
        if keys is not None:
            where.append(f"list_contains(?, {self.key})")
            params.append(list(keys))
        exclude = list(exclude)
        if exclude:
            where.append(f"NOT list_contains(?, {self.key})")
            params.append(exclude)
        select = ", ".join(f'{sql} AS "{name}"' for name, sql in statistics.items())
        tail = f"GROUP BY {self.key} ORDER BY {self.key}"
        return self._query(f"{self.key}, {select}", where, params, tail).set_index(self.key)
