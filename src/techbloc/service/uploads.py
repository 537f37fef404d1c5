"""Uploaded studies checked off the server's process: parsed, validated and estimated.

Parsing a study YAML of a megabyte takes seconds of pure Python. Done on the event loop it
froze every other request; on a thread it still holds the interpreter lock most of the
time. :class:`StudyChecker` does it in one worker process (started on first use or by
:meth:`StudyChecker.start`, then kept), within a time limit that the parser itself keeps
(:func:`techbloc.yamlio.parse_yaml`'s ``time_limit``: a file still being parsed past it is
refused with 422), and the server awaits the answer without blocking.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from techbloc.errors import Error, InputError

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from techbloc.experiments.study import Study

__all__ = ["CHECK_TIMEOUT", "StudyChecker", "reject_files", "study_from_yaml"]

#: Seconds parsing one uploaded study YAML may take.
CHECK_TIMEOUT = 10.0

_FILE_KEYS = (
    ("world", "overrides"),
    ("world", "presets"),
    ("design", "table"),
    ("design", "set"),
)


def reject_files(data: Any) -> None:
    """Studies sent over the API may not name server-side files.

    A calibrated design may name the calibrated set shipped with techbloc (``history``), not
    a directory.

    Raises
    ------
    InputError
    """
    from techbloc.experiments.calibrated_sets import BUNDLED_SET

    if not isinstance(data, dict):
        return
    for section, key in _FILE_KEYS:
        part = data.get(section)
        if not isinstance(part, dict) or not part.get(key):
            continue
        if (section, key) == ("design", "set") and part[key] == BUNDLED_SET:
            continue
        raise InputError(
            f"study: {section}.{key}: file paths are not accepted over the API (the "
            "server would read its own files); run `techbloc explore` for such studies"
            + (f", or use the shipped set '{BUNDLED_SET}'" if key == "set" else "")
        )


def study_from_yaml(raw: bytes, time_limit: float | None = CHECK_TIMEOUT) -> Study:
    """The study of an uploaded YAML file (``study.yaml:LINE: reason`` when invalid).

    Raises
    ------
    InputError
        Not UTF-8, not valid YAML, parsing past ``time_limit``, names files, invalid study.
    """
    from techbloc.experiments.study import Study
    from techbloc.yamlio import parse_yaml

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("study.yaml: the file is not UTF-8 text") from None
    document = parse_yaml(text, "study.yaml", time_limit=time_limit)
    reject_files(document.data)
    return Study.from_dict(document.data, source="study.yaml", lines=document.lines)


def _warm_up() -> None:
    import techbloc.experiments.study  # noqa: F401


class StudyChecker:
    """One worker process that turns uploaded YAML files into studies.

    Parameters
    ----------
    timeout : float
        Seconds the parsing of one file may take.
    """

    def __init__(self, timeout: float = CHECK_TIMEOUT) -> None:
        self.timeout = timeout
        self._pool: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with self._guard:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def start(self) -> None:
        """Start the worker process now (and import the study model in it)."""
        self._executor().submit(_warm_up)

    async def study(self, raw: bytes) -> Study:
        """The study of ``raw``, parsed and validated in the worker process.

        Raises
        ------
        InputError
            The file is invalid or took too long to parse.
        techbloc.errors.Error
            The worker process died (it is replaced for the next file).
        """
        from concurrent.futures.process import BrokenProcessPool

        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor(), study_from_yaml, raw, self.timeout)
        try:
            # the parser keeps the time limit; validating a parsed megabyte takes about 1 s
            return await asyncio.wait_for(future, self.timeout + 60)
        except BrokenProcessPool:
            self.close()
            raise Error("the worker checking the study stopped; send it again") from None
        except TimeoutError:
            raise InputError(
                f"study.yaml: checking took longer than {self.timeout + 60:g} seconds"
            ) from None

    def close(self) -> None:
        """Stop the worker process (a new one starts on the next file)."""
        with self._guard:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
