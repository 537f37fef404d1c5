"""Colours of the study report: one distinct, colour-blind-safe colour per policy.

The first colours are the Okabe & Ito (2008) palette without black and yellow, then Paul
Tol's "muted" and "bright" schemes (Tol 2021, SRON/EPS/TN/09-002), all chosen to stay
apart under the common colour-vision deficiencies. Beyond those, colours are sampled
evenly from matplotlib's ``cividis`` map (designed for colour-vision deficiency) and kept
only if they differ from every colour already used, so any number of policies gets
distinct colours. Colour is never the only cue: figures label points directly.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BASE_COLOURS", "policy_colours"]

#: Okabe-Ito (no black, no yellow), Tol muted, Tol bright: distinct hex colours.
BASE_COLOURS: tuple[str, ...] = (
    "#0072B2",  # Okabe-Ito blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#332288",  # Tol muted indigo
    "#117733",  # green
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
    "#88CCEE",  # cyan
    "#CC6677",  # rose
    "#DDCC77",  # sand
    "#4477AA",  # Tol bright blue
    "#EE6677",  # red
    "#228833",  # green
    "#66CCEE",  # cyan
    "#CCBB44",  # yellow
    "#AA3377",  # purple
    "#BBBBBB",  # grey
)


def policy_colours(policies: Sequence[str]) -> dict[str, str]:
    """One distinct hex colour per policy, in order.

    Parameters
    ----------
    policies : sequence of str
        Policy labels in display order (duplicates get one colour).

    Returns
    -------
    dict
        ``{policy: "#rrggbb"}``; no two policies share a colour, whatever their number.
    """
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    names = list(dict.fromkeys(policies))
    colours = [c.lower() for c in BASE_COLOURS[: len(names)]]
    extra = len(names) - len(colours)
    used = set(colours)
    steps = max(2 * extra, 2)
    while extra > 0:
        cmap = colormaps["cividis"].resampled(steps)
        for i in range(steps):
            colour = to_hex(cmap(i))
            if colour not in used and extra > 0:
                colours.append(colour)
                used.add(colour)
                extra -= 1
        steps *= 2
    return dict(zip(names, colours, strict=True))
