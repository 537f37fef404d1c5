"""The results store: an embedded DuckDB database plus Parquet files, resumable.

Layout of a store directory::

    results.duckdb          manifest, chunks done, scenarios, outcomes
    arrays/<dims>/<chunk>.parquet
                            trajectories and other per-scenario arrays, one file per chunk
                            and dims group (e.g. ``scenario-policy-year-domain``)

Tables
------
``scenarios``
    One row per scenario: ``scenario`` (global id), the parameter values of the design, and
    the model's scenario descriptors (variables with dims ``("scenario",)``).
``outcomes``
    One row per scenario × policy: ``scenario``, ``policy`` and every scalar outcome
    (variables with dims ``("scenario", "policy")``).
``chunks``
    The scenario ranges ``[start, stop)`` finished, with their Parquet files.
``manifest``
    Study hash and definition, package version, root seed, sizes, output schema.

A chunk is written atomically: its Parquet files first (each via a temporary file and a
rename; by the workers when they see the directory, :meth:`ResultsStore.staging`), then its
rows and its ``chunks`` entry in one DuckDB transaction. A run killed at any point leaves
either the whole chunk or none of it; Parquet files of unfinished chunks are never read and
are removed when the store is reopened for writing.

Integrity
---------
At commit, each chunk records its row counts, a hash of its ``scenarios`` and ``outcomes``
rows (DuckDB's row hash, summed), and the size and SHA-256 of each of its Parquet files; in the
same transaction the *seal* (:mod:`techbloc.experiments.seal`), a root hash over every
manifest entry and every chunk record, is rewritten. :meth:`ResultsStore.problems`
(:mod:`techbloc.experiments.integrity`) checks all of them; :meth:`ResultsStore.open`
(``results``, ``export``, the report, the service) and resuming refuse a damaged store with
the list of problems and how to recover (``techbloc verify DIR --repair`` drops the damaged
chunks so a resume re-runs only them; a damaged manifest needs ``--fresh``).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from techbloc.errors import StoreError
from techbloc.experiments.chunks import (
    ARRAYS_DIR,
    CHUNK_FILE,
    ChunkResult,
    SealState,
    Staging,
    commit_chunks,
)
from techbloc.experiments.export import sql_path
from techbloc.experiments.integrity import (
    CHECK_COLUMNS,
    StoreProblem,
    add_check_columns,
    check_files,
    damaged_message,
    find_problems,
)
from techbloc.experiments.integrity import repair as repair_store
from techbloc.experiments.seal import SEAL_KEY, SealLeaves, make_seal, seal_key

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from techbloc.experiments.study import Study

__all__ = ["ChunkResult", "ResultsStore", "StoreProblem", "verify_store"]

DB_NAME = "results.duckdb"
#: Rows per row group of the tables the writer appends to (DuckDB's default is 122,880). A
#: checkpoint pins a whole row group's columns at once, so with the default a table of 62
#: incompressible columns (the widest ``scenarios`` a study can have: every parameter varied
#: plus the descriptors) needs more than 61 MiB of pool once its first row group nears full:
#: a 64MB pool failed at 135,000 rows, and a 1M-future study at 48MB failed at 111,500.
WRITER_ROW_GROUP = 16_384
#: Write-ahead log size at which the writer checkpoints (DuckDB's default is 16MB); rows not
#: yet checkpointed stay in the pool, so a smaller log leaves more of it to the checkpoint.
WRITER_CHECKPOINT = "4MB"
#: DuckDB buffer pool of the writing connection. DuckDB keeps the blocks it has written in
#: this pool until it is full, so the pool is what a study's memory grows by (about 0.9 MB
#: per 1,000 scenarios, 2 policies, scalars, up to the limit). With the row groups and log
#: above, 62 columns of random doubles held to 2,000,000 rows at 32MB and to 600,000 at 16MB;
#: 120 columns need more than 48MB. A failed checkpoint invalidates the database, so keep
#: twice what was measured to hold.
WRITER_MEMORY_LIMIT = "32MB"
#: Columns of the widest table the limits above were measured with.
WRITER_COLUMNS_CHECKED = 62
#: Threads of the writing connection. A commit appends one chunk's rows (a few thousand),
#: too few for DuckDB's parallel operators to pay: on one thread a 30,000-future study on 2
#: Dask workers spent 47 ms a commit against 54, and the client 0.3 s less CPU, which the
#: workers on the same cores get back.
WRITER_THREADS = 1


def _start(result: ChunkResult) -> int:
    return result.start


def _package_version() -> str:
    import techbloc

    return techbloc.__version__


def _limit_writer(con: duckdb.DuckDBPyConnection) -> None:
    """The writing connection's threads and buffer pool (:data:`WRITER_THREADS`,
    :data:`WRITER_MEMORY_LIMIT`): a small pool, so that finished rows go to disk and memory
    stays bounded by the chunks in flight rather than by the study's size."""
    con.execute(f"SET threads = {WRITER_THREADS}")
    con.execute(f"SET memory_limit = '{WRITER_MEMORY_LIMIT}'")


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    try:
        if read_only:
            return duckdb.connect(str(path), read_only=True)
        # an in-memory catalogue to attach the file to, spilling beside it as DuckDB does for
        # a file it opens (not into a ``.tmp`` of the working directory)
        con = duckdb.connect(config={"temp_directory": f"{path}.tmp"})
        try:
            con.execute(f"ATTACH '{sql_path(path)}' AS results (ROW_GROUP_SIZE {WRITER_ROW_GROUP})")
            con.execute("USE results")
            con.execute(f"SET checkpoint_threshold = '{WRITER_CHECKPOINT}'")
            _limit_writer(con)
        except BaseException:
            con.close()
            raise
        return con
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower() and "conflicting" in text.lower():
            raise StoreError(
                f"{path}: another run is using this results store; wait for it to finish "
                "or choose another output directory"
            ) from None
        if not read_only and (
            "read-only" in text.lower()
            or "permission" in text.lower()
            or (path.exists() and not os.access(path, os.W_OK))
            or not os.access(path.parent, os.W_OK)
        ):
            raise StoreError(
                f"{path}: the results store is read-only (no write permission); copy it "
                "somewhere writable, or choose another output directory"
            ) from None
        raise StoreError(
            f"{path}: cannot open the results database ({str(exc).splitlines()[0]}); the "
            "store is damaged: start again with --fresh"
        ) from None
    except duckdb.Error as exc:
        raise StoreError(
            f"{path}: not a readable results database ({str(exc).splitlines()[0]}); the "
            "store is damaged: start again with --fresh"
        ) from None


class ResultsStore:
    """A study's results on disk.

    Use :meth:`open` to read a store and :meth:`create` to write one (the runner does the
    latter). Both return an object usable as a context manager.
    """

    def __init__(self, directory: Path, connection: Any, writable: bool) -> None:
        self.directory = directory
        self._con = connection
        self._writable = writable
        # Parquet files whose SHA-256 matched since opening (checked when first read)
        self._verified: set[str] = set()
        self._staging: Staging | None = None
        self._seal_state: SealState | None = None  # what commits know of the seal

    # -- display -------------------------------------------------------------------------

    def _describe(self) -> tuple[str, list[tuple[str, str]]]:
        from techbloc.display import shorten

        heading = f"ResultsStore {self.directory}"
        if self._con is None:
            return heading, [("state", "closed (open it again with ResultsStore.open)")]
        m = self.manifest
        state = "complete" if m["complete"] else "incomplete (resume with techbloc explore)"
        study = self._manifest_value("study") or {}
        facts = [
            ("study", f"{study.get('name', '?')} (hash {str(m.get('study_hash', ''))[:12]})"),
            ("scenarios", f"{m['scenarios_done']:,} of {m['n_scenarios']:,} done: {state}"),
            ("policies", shorten(list(m.get("policies", [])))),
            ("seed", str(m.get("seed"))),
            ("techbloc", str(m.get("version"))),
            ("mode", "writable" if self._writable else "read-only"),
        ]
        return heading, facts

    def __repr__(self) -> str:
        from techbloc.display import text_repr

        return text_repr(*self._describe())

    def _repr_html_(self) -> str:
        from techbloc.display import html_repr

        return html_repr(*self._describe())

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: str | Path, *, check: bool = True) -> ResultsStore:
        """Open an existing store read-only.

        Parameters
        ----------
        directory : path
        check : bool
            Check the store's integrity first and refuse a damaged one: the seal over its
            metadata, its tables' rows and the presence and size of its Parquet files
            (``problems(full=False)``, under a second for a 1 GB store). Each Parquet file's
            SHA-256 is then checked when it is first read (``techbloc verify`` checks all).

        Raises
        ------
        StoreError
            If ``directory`` holds no store, it cannot be read, or it is damaged (the message
            lists every problem and how to recover).
        """
        directory = Path(directory)
        path = directory / DB_NAME
        if not path.is_file():
            raise StoreError(f"{directory}: no results store here (missing {DB_NAME})")
        store = cls(directory, _connect(path, read_only=True), writable=False)
        try:
            if not store._has_table("manifest"):
                raise StoreError(
                    f"{path}: not a techbloc results store (no manifest); start again with --fresh"
                )
            if check:
                store.check(full=False)
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_for_repair(cls, directory: str | Path) -> ResultsStore:
        """Open an existing store for writing without checking it (for :meth:`repair`)."""
        directory = Path(directory)
        path = directory / DB_NAME
        if not path.is_file():
            raise StoreError(f"{directory}: no results store here (missing {DB_NAME})")
        store = cls(directory, _connect(path, read_only=False), writable=True)
        if not store._has_table("manifest"):
            store.close()
            raise StoreError(
                f"{path}: not a techbloc results store (no manifest); start again with --fresh"
            )
        add_check_columns(store)
        return store

    @classmethod
    def exists(cls, directory: str | Path) -> bool:
        """Whether ``directory`` holds a store."""
        return (Path(directory) / DB_NAME).is_file()

    @classmethod
    def create(cls, directory: str | Path, study: Study, *, fresh: bool = False) -> ResultsStore:
        """Open ``directory`` for writing ``study``'s results, creating the store if needed.

        An existing store is reused (resumed) when it holds the same study (same hash) made by
        the same package version.

        Parameters
        ----------
        directory : path
        study : Study
        fresh : bool
            Delete an existing store in ``directory`` first.

        Raises
        ------
        StoreError
            If the directory holds a different study or a store from another version, and
            ``fresh`` is false.
        """
        directory = Path(directory)
        if directory.exists() and not directory.is_dir():
            raise StoreError(
                f"{directory}: exists and is not a directory; choose another "
                "output directory (--out)"
            )
        if fresh:
            cls.delete(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{directory}: cannot create the results directory "
                f"({exc.strerror or exc}); choose another output directory "
                "(--out)"
            ) from None
        path = directory / DB_NAME
        existed = path.is_file()
        store = cls(directory, _connect(path, read_only=False), writable=True)
        try:
            if existed and store._has_table("manifest"):
                add_check_columns(store)
                store._check_same(study)
                store.check()
                store._remove_orphans()
            elif existed and store._has_table("chunks"):
                raise StoreError(
                    f"{path}: the store's manifest is missing; the store is "
                    "damaged: start again with --fresh"
                )
            else:
                store._initialise(study)
        except BaseException:
            store.close()
            raise
        return store

    @staticmethod
    def delete(directory: str | Path) -> None:
        """Remove a store's files from ``directory`` (nothing else in it)."""
        directory = Path(directory)
        for name in (DB_NAME, DB_NAME + ".wal"):
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()
        shutil.rmtree(directory / ARRAYS_DIR, ignore_errors=True)

    def close(self) -> None:
        """Close the database connection (and remove the workers' probe file)."""
        if self._staging is not None:
            self._staging.remove()
            self._staging = None
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    def _initialise(self, study: Study) -> None:
        con = self._con
        con.execute("BEGIN TRANSACTION")
        # no primary key: its index would be a block the integrity check cannot verify (the
        # seal covers the rows), and the few keys are written once, here
        con.execute("CREATE TABLE manifest (key VARCHAR, value VARCHAR)")
        extra = "".join(f", {name} {kind}" for name, kind in CHECK_COLUMNS.items())
        con.execute(
            "CREATE TABLE chunks (start BIGINT, stop BIGINT, files VARCHAR, "
            f"seconds DOUBLE, finished TIMESTAMP{extra})"
        )
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        entries = {
            "study_hash": study.fingerprint(),
            "study": study.to_dict(),
            "version": _package_version(),
            "seed": study.seed,
            "n_scenarios": study.n_scenarios,
            "policies": [p.label for p in study.policies],
            "created": now,
            "outputs": None,
        }
        texts: dict[str, str | None] = {key: json.dumps(value) for key, value in entries.items()}
        texts[SEAL_KEY] = json.dumps(make_seal(texts, [], seal_key()))  # no chunks yet
        con.executemany("INSERT INTO manifest VALUES (?, ?)", list(texts.items()))
        con.execute("COMMIT")
        # what the first commit would read back and check: the seal just written
        self._seal_state = SealState(texts, SealLeaves(), texts[SEAL_KEY], set())

    def _check_same(self, study: Study) -> None:
        manifest = self.manifest
        if manifest["study_hash"] != study.fingerprint():
            raise StoreError(
                f"{self.directory} holds results of a different study (hash "
                f"{manifest['study_hash'][:12]}, this study {study.fingerprint()[:12]}); "
                "use --fresh (fresh=True) to replace them, or choose another output directory"
            )
        if manifest["version"] != _package_version():
            raise StoreError(
                f"{self.directory} was written by techbloc {manifest['version']}, this is "
                f"{_package_version()}; use --fresh (fresh=True) to start again"
            )

    def _remove_orphans(self) -> None:
        """Delete Parquet files of chunks that never committed (a killed run).

        Called only once the store verified, so the chunk records naming the files kept are
        those sealed at commit; only files named like a chunk's are deleted.
        """
        Staging.remove_stale(self.directory)  # probe files left by a killed run
        root = self.directory / ARRAYS_DIR
        if not root.is_dir():
            return
        kept = {self.directory / f for f in self._registered_files()}
        for file in root.rglob("*"):
            if file.is_file() and file not in kept and CHUNK_FILE.match(file.name):
                file.unlink()

    def _registered_files(self) -> list[str]:
        rows = self._con.execute("SELECT files FROM chunks").fetchall()
        return [f for (files,) in rows for f in json.loads(files)]

    def done_ranges(self) -> list[tuple[int, int]]:
        """The finished scenario ranges ``[start, stop)``, sorted."""
        rows = self._con.execute(
            "SELECT start, stop FROM chunks WHERE start IS NOT NULL AND stop IS NOT NULL "
            "ORDER BY start"
        ).fetchall()
        return [(int(a), int(b)) for a, b in rows]

    def staging(self) -> Staging | None:
        """Where workers that see this directory write their chunks' Parquet files
        (:class:`~techbloc.experiments.chunks.Staging`; None if the store is read-only)."""
        if self._writable and self._staging is None:
            self._staging = Staging.create(self.directory)
        return self._staging

    def write_chunk(self, result: ChunkResult) -> None:
        """Store one chunk atomically (Parquet files, then rows + 'done' in one transaction).

        Raises
        ------
        StoreError
            If the store is read-only or the chunk overlaps one already stored.
        """
        self.write_chunks([result])

    def write_chunks(self, results: Sequence[ChunkResult]) -> None:
        """Store chunks atomically, together: their Parquet files, then their rows and
        records in one transaction (one commit's fixed cost for all of them).

        Raises
        ------
        StoreError
            If the store is read-only or a chunk overlaps one already stored or another.
        """
        import duckdb

        if not results:
            return
        if not self._writable:
            raise StoreError(f"{self.directory}: the store is open read-only")
        try:
            commit_chunks(self, results)
        except (OSError, duckdb.Error) as exc:  # disk full, permissions, I/O errors
            reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0]
            full = getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or (
                "no space left" in str(exc).lower()
            )
            fix = "free space" if full else "fix the cause"
            ranges = ", ".join(f"[{r.start}, {r.stop})" for r in sorted(results, key=_start))
            what = "chunk" if len(results) == 1 else "chunks"
            raise StoreError(
                f"{self.directory}: cannot write {what} {ranges}: "
                f"{reason}; the chunks stored before are kept: {fix} and run the study "
                "again to resume"
            ) from None

    # -- integrity -----------------------------------------------------------------------

    def problems(self, *, full: bool = True) -> list[StoreProblem]:
        """Everything wrong with the store (empty when it is intact).

        Checks the seal (the root hash over the manifest and every chunk record, and its
        signature when a key is set), NULL checksums, the tables' columns, that chunks do not
        overlap and lie within the study, each chunk's row counts (against its size and the
        number of policies) and row hashes of ``scenarios`` and ``outcomes`` (against those
        recorded at commit), rows that belong to no chunk, and each Parquet file (present,
        same size and, when ``full``, same SHA-256).
        """
        with self._default_settings():
            return find_problems(self, full=full)

    @contextlib.contextmanager
    def _default_settings(self) -> Iterator[None]:
        """DuckDB's default memory limit and threads on the writing connection while it
        checks or repairs the store, as a read-only connection has; the writer's settings
        (:func:`_limit_writer`) are restored after it.

        The row digests join every chunk with its rows. On a 100,000-future store with one
        altered value that join ran out of the writer's memory limit, and resuming and
        repairing called the store unreadable. The writer's limit bounds what appending
        chunks holds in memory; a check appends nothing, and a repair only deletes.
        """
        if not self._writable:
            yield
            return
        self._con.execute("RESET memory_limit")
        self._con.execute("RESET threads")
        try:
            yield
        finally:
            _limit_writer(self._con)

    def check(self, *, full: bool = True) -> None:
        """Raise :class:`StoreError` listing every problem if the store is damaged."""
        problems = self.problems(full=full)
        if problems:
            raise StoreError(damaged_message(self.directory, problems))

    def repair(self) -> list[tuple[int, int]]:
        """Drop the damaged chunks (rows, files, records) so that a resume re-runs them.

        See :func:`techbloc.experiments.integrity.repair`.
        """
        with self._default_settings():
            return repair_store(self)

    # -- reading -------------------------------------------------------------------------

    def _has_table(self, name: str) -> bool:
        rows = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchall()  # fetched to the end: a pending result would block register()
        return bool(rows and rows[0][0])

    def _manifest_value(self, key: str) -> Any:
        # the whole manifest (a few rows), as the seal check reads it (stores of earlier
        # versions have a primary key, whose index a lookup by key would read unchecked)
        rows = self._con.execute("SELECT key, value FROM manifest").fetchall()
        values = [value for k, value in rows if k == key]
        return self._decode(key, values[0]) if values else None

    def _decode(self, key: str, value: Any) -> Any:
        try:
            return json.loads(value)
        except (TypeError, ValueError):
            raise StoreError(
                f"{self.directory / DB_NAME}: manifest entry '{key}' is not valid JSON; the "
                "store is damaged: start again with --fresh"
            ) from None

    @property
    def manifest(self) -> dict[str, Any]:
        """Study hash, version, seed, sizes, policies, outputs and progress.

        Keys include ``study_hash``, ``version``, ``seed``, ``n_scenarios``, ``policies``,
        ``chunks_done``, ``scenarios_done`` and ``complete``.
        """
        rows = self._con.execute("SELECT key, value FROM manifest").fetchall()
        out = {k: self._decode(k, v) for k, v in rows}
        done = self.done_ranges()
        out["chunks_done"] = len(done)
        out["scenarios_done"] = sum(b - a for a, b in done)
        out["complete"] = out["scenarios_done"] == out.get("n_scenarios")
        return out

    @property
    def study(self) -> Study:
        """The study whose results these are."""
        from techbloc.experiments.study import Study

        return Study.from_dict(self._manifest_value("study"), source=str(self.directory))

    @property
    def policies(self) -> list[str]:
        """Policy labels in study order."""
        return list(self._manifest_value("policies"))

    def scenarios(self) -> pd.DataFrame:
        """Scenario inputs and descriptors, index ``scenario`` (sorted)."""
        if not self._has_table("scenarios"):
            import pandas as pd

            return pd.DataFrame(index=pd.Index([], name="scenario", dtype="int64"))
        frame: pd.DataFrame = self._con.execute("SELECT * FROM scenarios ORDER BY scenario").df()
        return frame.set_index("scenario")

    def outcomes(self) -> pd.DataFrame:
        """Scalar outcomes: columns ``scenario``, ``policy`` and one per outcome.

        Rows are sorted by scenario, then by the study's policy order.
        """
        if not self._has_table("outcomes"):
            import pandas as pd

            return pd.DataFrame(columns=["scenario", "policy"])
        frame: pd.DataFrame = self._con.execute(
            "SELECT * FROM outcomes ORDER BY scenario, list_position(?, policy)",
            [self.policies],
        ).df()
        return frame.reset_index(drop=True)

    def array_variables(self) -> dict[str, list[str]]:
        """Name and dims of every stored trajectory or other per-scenario array."""
        outputs = self._manifest_value("outputs") or {}
        return dict(outputs.get("arrays", {}))

    def _group_files(self, group: str) -> list[str]:
        """The Parquet files of one dims group, each checked against its SHA-256 once."""
        prefix = f"{ARRAYS_DIR}/{group}/"
        names = sorted(
            f for f in self._registered_files() if f.replace(os.sep, "/").startswith(prefix)
        )
        unchecked = [n for n in names if n not in self._verified]
        self._verified.update(check_files(self, unchecked))
        return [str(self.directory / f) for f in names]

    def array_files(self, dims: Sequence[str]) -> list[str]:
        """The Parquet files of the stored arrays with dims ``dims`` (e.g. ``["scenario",
        "policy", "country"]``), each checked against its SHA-256 (once per store handle).

        Raises
        ------
        StoreError
            If a file does not match the digest the store recorded for it.
        """
        return self._group_files("-".join(dims))

    def trajectories(
        self,
        variables: str | Sequence[str] | None = None,
        *,
        scenarios: Iterable[int] | None = None,
        policies: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Read stored arrays (trajectories and other per-scenario arrays) as a long table.

        Parameters
        ----------
        variables : str or list of str, optional
            Variables to read; they must share the same dims. Default: every variable of the
            first dims group that has a ``year`` dim.
        scenarios : iterable of int, optional
            Only these scenario ids.
        policies : iterable of str, optional
            Only these policies.

        Returns
        -------
        pandas.DataFrame
            One column per dim (``scenario``, ``policy``, ``year``, ...) and one per variable,
            sorted by the dims.

        Raises
        ------
        StoreError
            For unknown variables, variables with different dims, or a study run without
            ``outputs.trajectories``.
        """
        from techbloc.experiments.export import read_arrays

        return read_arrays(self, variables, scenarios=scenarios, policies=policies)

    # -- export --------------------------------------------------------------------------

    def export(self, to: str | Path, format: Literal["parquet", "csv"] = "parquet") -> list[Path]:
        """Write the results as Parquet or CSV files in directory ``to``.

        Writes ``scenarios``, ``outcomes``, one file per stored dims group
        (``arrays-<dims>``), plus ``manifest.json`` and ``study.yaml``.

        Returns
        -------
        list of Path
            The files written.
        """
        from techbloc.experiments.export import export_store

        return export_store(self, to, format)


def verify_store(directory: str | Path) -> list[StoreProblem]:
    """Every problem of the results store in ``directory`` (empty when it is intact).

    Unlike :meth:`ResultsStore.open`, never raises for a damaged store: a missing or
    unreadable database is reported as a problem too.
    """
    directory = Path(directory)
    try:
        with ResultsStore.open(directory, check=False) as store:
            return store.problems()
    except StoreError as exc:
        return [StoreProblem(str(exc), repairable=False)]
