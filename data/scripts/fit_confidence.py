#!/usr/bin/env python3
"""Fit the weights of src/geoparse/calibrate.rs: a logistic model of "this mention is a gold
toponym resolved within 161 km" from the evidence eventmap records per mention.

    eventmap eval-geoparse ../shared/eval/geoparse/lgl.jsonl --mentions /tmp/rows-lgl.jsonl
    python3 data/scripts/fit_confidence.py TRAIN[:WEIGHT],TRAIN[:WEIGHT] ROWS...

TRAIN files are pooled for the fit (a row of a file with WEIGHT 10 counts ten times); every ROWS
file then gets its reliability table. Only the fitting half of each corpus is fitted on: the
documents whose id's CRC-32 is even; the tables show the other half (held out) and the whole.
The multilingual set is small and fitted whole (its reports are checked by their own bars).

Plain Python (Newton's method with an L2 penalty of 0.01 per row on the weights, not the intercept);
prints the weights to paste into WEIGHTS and a reliability table per file.
"""
import json
import math
import sys
import zlib

L2 = 0.01


def fitting_half(doc):
    return zlib.crc32(doc.encode("utf-8")) % 2 == 0


def load(path, part="all"):
    xs, ys = [], []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["verdict"] == "unjudged":
            continue
        if part != "all" and r.get("language") is None and fitting_half(r["doc"]) != (part == "fit"):
            continue
        xs.append([1.0] + r["features"])
        ys.append(1.0 if r["verdict"] == "right" else 0.0)
    return xs, ys


def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(n):
            if r != c and m[c][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] for i in range(n)]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(xs, ys, ws):
    k = len(xs[0])
    w = [0.0] * k
    for _ in range(25):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for x, y, c in zip(xs, ys, ws):
            p = sigmoid(sum(a * b for a, b in zip(w, x)))
            for i in range(k):
                grad[i] += c * (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += c * p * (1 - p) * x[i] * x[j]
        n = sum(ws)
        for i in range(1, k):
            grad[i] += L2 * n * w[i]
            hess[i][i] += L2 * n
        step = solve(hess, grad)
        w = [a - b for a, b in zip(w, step)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return w


def table(w, xs, ys):
    edges = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.01]
    for lo, hi in zip(edges, edges[1:]):
        sel = [y for x, y in zip(xs, ys) if lo <= round(sigmoid(sum(a * b for a, b in zip(w, x))), 3) < hi]
        share = sum(sel) / len(sel) if sel else 0.0
        print(f"  [{lo:.2f}, {min(hi, 1.0):.2f})  {len(sel):6d}  {share:.3f}")


def main():
    xs, ys, ws = [], [], []
    for item in sys.argv[1].split(","):
        path, _, weight = item.partition(":")
        x, y = load(path, "fit")
        xs += x
        ys += y
        ws += [float(weight or 1)] * len(x)
    w = fit(xs, ys, ws)
    print("WEIGHTS:", "[" + ", ".join(f"{v:.2f}" for v in w) + "]")
    for path in sys.argv[2:]:
        print(path, "(held-out half)")
        table(w, *load(path, "held_out"))
        print(path, "(whole)")
        table(w, *load(path))


if __name__ == "__main__":
    main()
