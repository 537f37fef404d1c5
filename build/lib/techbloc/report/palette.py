"""Colours of the study report: one distinct, colour-blind-safe colour per policy.

The first colours are the Okabe & Ito (2008) palette without black and yellow, then Paul
Tol's "muted" and "bright" schemes (Tol 2021, SRON/EPS/TN/09-002), all chosen to stay
apart under the common colour-vision deficiencies. Beyond those, colours are sampled
evenly from matplotlib's ``cividis`` map (designed for colour-vision deficiency), then from
golden-ratio hues, each kept only if it differs from every colour already used, so any
number of policies gets distinct colours. Colour is never the only cue: figures label
points directly.
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
    import colorsys

    from matplotlib import colormaps
    from matplotlib.colors import LinearSegmentedColormap, ListedColormap, to_hex

    names = list(dict.fromkeys(policies))
    colours = [c.lower() for c in BASE_COLOURS[: len(names)]]
    used = set(colours)
    extra = len(names) - len(colours)
    if extra > 0:
        # cividis interpolated continuously (its 256-entry table would run out of colours)
        cividis = colormaps["cividis"]
        assert isinstance(cividis, ListedColormap)  # a table of colours, not a function
        ramp = LinearSegmentedColormap.from_list("ramp", cividis.colors)
        steps = 2 * extra
        for i in range(steps):
            colour = to_hex(ramp(0.05 + 0.9 * i / (steps - 1)))
            if colour not in used and len(colours) < len(names):
                colours.append(colour)
                used.add(colour)
        k = 0
        while len(colours) < len(names):  # hundreds of policies: golden-ratio hues
            k += 1
            r, g, b = colorsys.hsv_to_rgb((k * 0.618034) % 1, 0.45 + 0.5 * (k % 3) / 2, 0.75)
            colour = to_hex((r, g, b))
            if colour not in used:
                colours.append(colour)
                used.add(colour)
    return dict(zip(names, colours, strict=True))
