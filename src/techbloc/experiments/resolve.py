"""From a study to what the runner runs: the world, the policies and the design.

Every evaluation in techbloc (``techbloc evaluate``, :func:`techbloc.evaluate_coalitions`,
the service's evaluations and studies, ``techbloc run``) is a :class:`~techbloc.experiments.
study.Study`, validated where it is built, then resolved here, in one place, into a
:class:`Resolved`: the data goes down from the study to the runner and its sink, never back
up.

Front doors other than a YAML file (a CLI command, a Python function, an HTTP request) build
their study with :func:`make_study` (or :func:`resolve_data`), which names the problems it
finds by the keys the user typed (``--set``, ``presets[1]``, ``pool_share``) instead of the
study's own key paths.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from techbloc.errors import InputError
from techbloc.experiments.study import Study

if TYPE_CHECKING:
    from techbloc.experiments.design_base import DesignSampler
    from techbloc.policies import Policy
    from techbloc.world import World

__all__ = ["Resolved", "make_study", "resolve", "resolve_data", "user_keys"]

# Stands for the study's source in its messages while a front door renames their keys.
_SOURCE = "\x00front-door"


@dataclass(frozen=True)
class Resolved:
    """A study made concrete: what one run needs, loaded and checked.

    Attributes
    ----------
    study : Study
        The validated definition (years, seed, outputs; the store's manifest).
    world : World
        The bundled world with the study's overrides applied.
    policies : list of Policy
        One per study policy, in order, checked against ``world``.
    design : DesignSampler
        The design, drawn by row range (``design.rows(start, stop)``: index ``scenario``,
        one column per parameter; ``design.table()`` for all of it).
    """

    study: Study
    world: World
    policies: list[Policy]
    design: DesignSampler

    @property
    def labels(self) -> list[str]:
        """The policies' names in results, in order."""
        return [p.label for p in self.policies]


def resolve(study: Study, *, world: World | None = None) -> Resolved:
    """Load the study's world, build and check its policies, draw its design.

    Parameters
    ----------
    study : Study
    world : World, optional
        The world to use instead of loading the study's (a caller's own, e.g. one
        :func:`techbloc.evaluate_coalitions` was given).

    Raises
    ------
    InputError
        An override file that cannot be applied, a policy naming a country the world does
        not have, or a design that cannot be drawn; named by the study's key (and line).
    """
    if world is None:
        world = study.load_world()
    policies = study.check_world(world)
    design = study.sampler()
    design.rows(0, min(1, design.size))  # a table or set that cannot be read fails here
    return Resolved(study, world, policies, design)


# -- front doors --------------------------------------------------------------------------


def make_study(data: Mapping[str, Any], keys: Mapping[str, str]) -> Study:
    """Validate a front door's study, naming problems by the keys the user typed.

    Parameters
    ----------
    data : mapping
        The study as plain data (:meth:`Study.from_dict`).
    keys : mapping
        The study's key paths (``"set"``, ``"policies.1"``, ``"policies.0.pool_share"``)
        and what the user typed for each (``"--set"``, ``"presets[1]"``, ``"pool_share"``):
        a problem's key is renamed by its longest listed prefix (the rest kept after a
        ``.``, or a space after an option such as ``--set``). Problems that read the same
        once renamed (one lever applied to every policy) are reported once.

    Raises
    ------
    InputError
        Every problem of the study, named as above.
    """
    with user_keys(keys):
        return Study.from_dict(dict(data), source=_SOURCE)


def resolve_data(
    data: Mapping[str, Any], keys: Mapping[str, str], *, world: World | None = None
) -> Resolved:
    """:func:`make_study`, then :func:`resolve` (its problems named the same way)."""
    study = make_study(data, keys)
    with user_keys(keys):
        return resolve(study, world=world)


@contextmanager
def user_keys(keys: Mapping[str, str]) -> Iterator[None]:
    """Rename, in the :class:`InputError` raised inside, a study's keys as :func:`make_study`."""
    try:
        yield
    except InputError as exc:
        message = str(exc)
        if _SOURCE not in message:
            raise
        raise InputError(_rename(message, keys)) from None


def _rename(message: str, keys: Mapping[str, str]) -> str:
    lines = [line for line in message.splitlines() if line.startswith(_SOURCE)]
    out: list[str] = []
    for line in lines:
        rest = line.removeprefix(_SOURCE).lstrip(":0123456789").removeprefix(" ")
        renamed = _rename_line(rest, keys)
        if renamed not in out:
            out.append(renamed)
    if len(out) == 1:
        return out[0]
    return f"{len(out)} problems:\n" + "\n".join(out)


def _rename_line(line: str, keys: Mapping[str, str]) -> str:
    """``key: message`` with the key renamed (the key is the longest listed prefix)."""
    for key in sorted(keys, key=len, reverse=True):
        if line.startswith(f"{key}: ") or line.startswith(f"{key}."):
            head, sep, message = line[len(key) :].partition(": ")
            if not sep:
                continue
            user = keys[key]
            if head:
                rest = head.removeprefix(".")
                user = f"{user} {rest}" if user.startswith("--") else f"{user}.{rest}"
            return f"{user}: {message}" if user else message
    return line
