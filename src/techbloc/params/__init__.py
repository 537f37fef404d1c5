"""The single registry of model parameters, technology domains and policy levers.

Every uncertain parameter of the alliance model (MODEL.md §6) is declared once in this
package, with its default, range, sampling distribution, unit, the mechanism (E-number) it
drives and its source. Sampling designs, the docs page, reports and the dashboard all read
this registry; nothing else in the package may define a parameter default.

One module per concept:

- :mod:`~techbloc.params.parameter`: the :class:`Parameter` record (range, distribution,
  check);
- the declarations, by the part of the model they drive: :mod:`~techbloc.params.knowledge`
  (E2–E6), :mod:`~techbloc.params.china` (E4.0, E7–E9), :mod:`~techbloc.params.alliance`
  (E10–E12), :mod:`~techbloc.params.growth` (E1, E13), each naming its sources;
- :mod:`~techbloc.params.registry`: all of them in order, looked up and checked by name;
- :mod:`~techbloc.params.domains` and :mod:`~techbloc.params.levers`: the technology domains
  and the policy levers;
- :mod:`~techbloc.params.markdown`: the page ``docs/parameters.md``.
"""

from __future__ import annotations

from techbloc.params.domains import DOMAINS, Domain
from techbloc.params.levers import LEVERS, Lever
from techbloc.params.markdown import parameters_markdown
from techbloc.params.parameter import Parameter
from techbloc.params.registry import (
    PARAMETERS,
    defaults,
    get_parameter,
    parameter_names,
    parameter_table,
    validate_values,
)

__all__ = [
    "DOMAINS",
    "LEVERS",
    "PARAMETERS",
    "Domain",
    "Lever",
    "Parameter",
    "defaults",
    "get_parameter",
    "parameter_names",
    "parameter_table",
    "parameters_markdown",
    "validate_values",
]
