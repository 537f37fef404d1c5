"""A commit's cost as a store grows: does the thousandth chunk cost what the first did?

Every commit rewrites the store's seal, which holds one leaf per chunk (see
:mod:`techbloc.experiments.seal`), so its cost can grow with the chunks already stored. This
script evaluates one future, then commits it again and again as chunks of one future under
fresh scenario ids (its files staged as a worker's would be), through
``ResultsStore.write_chunks``, and prints each window's median and mean commit time, the
seal's size, and the ratio of each window's median to the first's.

Usage::

    python benchmarks/commit_growth.py                 # 8,000 chunks, windows of 1,000
    python benchmarks/commit_growth.py --chunks 400 --window 100   # quick
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

STUDY = {
    "name": "commit growth",
    "policies": [{"preset": "forging_core"}, {"preset": "forging_core+KOR"}],
    "seed": 1,
}


def _shifted(table: Any, shift: int) -> Any:
    """``table`` with its scenario ids moved by ``shift``."""
    import numpy as np
    import pyarrow.compute as pc

    column = table.schema.get_field_index("scenario")
    moved = pc.add(table["scenario"], np.int64(shift)).cast(table["scenario"].type)
    return table.set_column(column, "scenario", moved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=8000, help="chunks committed")
    parser.add_argument("--window", type=int, default=1000, help="chunks a printed line")
    args = parser.parse_args()

    from techbloc.experiments.chunks import ChunkResult, stage_arrays
    from techbloc.experiments.runner import ChunkEvaluator, ChunkTask
    from techbloc.experiments.seal import SEAL_KEY
    from techbloc.experiments.store import ResultsStore
    from techbloc.experiments.study import Study

    study = Study.from_dict({**STUDY, "scenarios": args.chunks})
    one = ChunkEvaluator(study)(ChunkTask(0, 1, study.design_table().iloc[0:1]))
    first: float | None = None
    print(f"{args.chunks:,} chunks of 1 future, committed one at a time (ms a commit):")
    with tempfile.TemporaryDirectory() as tmp, ResultsStore.create(Path(tmp) / "s", study) as store:
        staging = store.staging()
        window: list[float] = []
        for i in range(args.chunks):
            result = ChunkResult(
                i,
                i + 1,
                _shifted(one.scenarios, i),
                _shifted(one.outcomes, i),
                {group: _shifted(table, i) for group, table in one.arrays.items()},
                one.array_variables,
            )
            result = stage_arrays(result, staging)
            began = time.perf_counter()
            store.write_chunks([result])
            window.append((time.perf_counter() - began) * 1e3)
            if (i + 1) % args.window == 0 or i + 1 == args.chunks:
                (seal,) = store._con.execute(
                    "SELECT value FROM manifest WHERE key = ?", [SEAL_KEY]
                ).fetchone()
                median = statistics.median(window)
                first = first or median
                print(
                    f"  chunks {i + 1 - len(window):6,}-{i + 1:6,}: median {median:6.2f}, "
                    f"mean {statistics.fmean(window):6.2f}; seal {len(seal):9,} characters; "
                    f"median / first window's {median / first:.2f}x"
                )
                window = []


if __name__ == "__main__":
    main()
