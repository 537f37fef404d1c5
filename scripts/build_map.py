"""Build the dashboard's world map from Natural Earth TopoJSON (the ``world-atlas`` package).

Usage::

    npm pack world-atlas@2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_map.py package/countries-50m.json

writes ``src/techbloc/service/static/map/world.json``: one SVG path per country in the
Equal Earth projection (Šavrič, Patterson & Jenny 2018), 1000 units wide, Antarctica left
out. Candidate countries of the bundle carry their ISO3 code (world-atlas ids are ISO 3166-1
numeric codes); the others are drawn as background land. Countries too small to click at
this scale also get a marker point. See PROVENANCE.md for the data's licence.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "techbloc" / "service" / "static" / "map" / "world.json"
WIDTH = 1000.0

#: ISO 3166-1 numeric -> alpha-3, for the candidate countries of the bundle.
NUMERIC = {
    "840": "USA", "124": "CAN", "826": "GBR", "036": "AUS", "554": "NZL", "392": "JPN",
    "410": "KOR", "158": "TWN", "376": "ISR", "356": "IND", "702": "SGP", "156": "CHN",
    "643": "RUS", "040": "AUT", "056": "BEL", "152": "CHL", "170": "COL", "188": "CRI",
    "203": "CZE", "208": "DNK", "233": "EST", "246": "FIN", "250": "FRA", "276": "DEU",
    "300": "GRC", "348": "HUN", "352": "ISL", "372": "IRL", "380": "ITA", "428": "LVA",
    "440": "LTU", "442": "LUX", "484": "MEX", "528": "NLD", "578": "NOR", "616": "POL",
    "620": "PRT", "703": "SVK", "705": "SVN", "724": "ESP", "752": "SWE", "756": "CHE",
    "792": "TUR", "100": "BGR", "191": "HRV", "196": "CYP", "470": "MLT", "642": "ROU",
    "076": "BRA", "360": "IDN", "704": "VNM", "608": "PHL", "458": "MYS", "764": "THA",
    "682": "SAU", "784": "ARE", "710": "ZAF", "804": "UKR",
}  # fmt: skip

#: Zoomed views of the map: longitude and latitude bounds (degrees).
REGIONS = {
    "Europe": (-25.0, 45.0, 34.0, 71.0),
    "Asia-Pacific": (65.0, 180.0, -48.0, 55.0),
    "Americas": (-170.0, -30.0, -56.0, 72.0),
}

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> tuple[float, float]:
    """Equal Earth projection of degrees, on the unit sphere."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(_M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute longitude/latitude of every arc (quantized, delta-encoded in TopoJSON)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """The points of one ring, longitudes unwrapped across the antimeridian.

    A ring that crosses 180° (Russia's Chukotka, Fiji) keeps going past it instead of
    jumping to the far side of the map; the part beyond the edge is clipped by the view.
    """
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    unwrapped: list[tuple[float, float]] = []
    for lon, lat in points:
        if unwrapped:
            previous = unwrapped[-1][0]
            while lon - previous > 180:
                lon -= 360
            while previous - lon > 180:
                lon += 360
        unwrapped.append((lon, lat))
    return unwrapped


def decimate(points: list[tuple[float, float]], step: float = 1.0) -> list[tuple[float, float]]:
    """Drop points within ``step`` map units of the last kept one (the ring stays closed)."""
    kept = points[:1]
    for x, y in points[1:-1]:
        if abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= step:
            kept.append((x, y))
    return kept + points[-1:] if len(points) > 1 else kept


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    x_max, y_max = equal_earth(180, 0)[0], equal_earth(0, 90)[1]
    scale = WIDTH / (2 * x_max)
    top, bottom = y_max, -equal_earth(0, 60)[1]  # crop below 60°S (Antarctica is left out)
    height = (top - bottom) * scale

    def project(lon: float, lat: float) -> tuple[float, float]:
        x, y = equal_earth(lon, lat)  # beyond ±180° (unwrapped rings): off the map's edge
        return round((x + x_max) * scale * 2) / 2, round((top - y) * scale * 2) / 2

    with (ROOT / "src" / "techbloc" / "data" / "countries.csv").open(encoding="utf-8") as f:
        names = {row["iso3"]: row["name"] for row in csv.DictReader(f)}
    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry.get("id") == "010" or "arcs" not in geometry:  # Antarctica
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        parts, xs, ys, best = [], [], [], (0.0, 0.0, 0.0)
        for polygon in polygons:
            for k, indices in enumerate(polygon):
                points = [project(lon, lat) for lon, lat in ring(indices, arcs)]
                kept = decimate(points)
                if len(kept) < 3:
                    continue
                px, py = [p[0] for p in kept], [p[1] for p in kept]
                extent = (max(px) - min(px)) * (max(py) - min(py))
                if k == 0 and extent > best[0]:
                    best = (extent, (max(px) + min(px)) / 2, (max(py) + min(py)) / 2)
                xs += px
                ys += py
                parts.append("M" + "L".join(f"{x:g},{y:g}" for x, y in kept) + "Z")
        if not parts:
            continue
        code = NUMERIC.get(str(geometry.get("id")))
        shape = {"name": geometry["properties"]["name"], "d": "".join(parts)}
        if code:
            shape.update(iso3=code, name=names[code], cx=round(best[1], 1), cy=round(best[2], 1))
            shape["small"] = best[0] < 30.0
        shapes.append(shape)
    missing = sorted(set(NUMERIC.values()) - {s.get("iso3") for s in shapes})
    if missing:
        raise SystemExit(f"no geometry for {', '.join(missing)}")
    views = {"World": [0, 0, WIDTH, round(height, 1)]}
    for name, (lon0, lon1, lat0, lat1) in REGIONS.items():
        corners = [
            project(lon, lat) for lon in (lon0, (lon0 + lon1) / 2, lon1) for lat in (lat0, lat1)
        ]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        views[name] = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "width": WIDTH,
        "height": round(height, 1),
        "projection": "Equal Earth",
        "source": "Natural Earth 1:50m via world-atlas 2.0.2 (public domain / ISC)",
        "views": views,
        "countries": shapes,
    }
    OUT.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(shapes)} shapes)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "countries-50m.json")
