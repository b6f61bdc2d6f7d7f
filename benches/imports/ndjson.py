#!/usr/bin/env python3
"""Writes N GeoJSON point events as NDJSON (one Feature a line) for timing `eventmap import`.

usage: ndjson.py N SEED [REVISE] > FILE

Ids are UUIDs made from SEED and the line number, so two files with different seeds hold
different events and the same seed gives the same ids again; REVISE=1 changes every event's
title, category, day and position (a re-import that revises all of them).
"""
import json
import random
import sys
import uuid

CATEGORIES = ["protest", "armed_clash", "shelling", "air_or_drone_strike", "arrest"]
TAGS = ["convoy", "checkpoint", "market", "hospital", "school", "bridge", "border", "port"]


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    revise = len(sys.argv) > 3 and sys.argv[3] == "1"
    rnd = random.Random(seed * 2 + int(revise))
    centres = [(rnd.uniform(-170, 170), rnd.uniform(-60, 70)) for _ in range(500)]
    out = sys.stdout
    for i in range(n):
        lon, lat = rnd.choice(centres)
        lon, lat = lon + rnd.gauss(0, 0.5), lat + rnd.gauss(0, 0.5)
        day = rnd.randrange(0, 3650)
        y, d = 2015 + day // 365, day % 365
        feature = {
            "type": "Feature",
            "id": str(uuid.UUID(int=(0x01900000000070008000 << 48) + seed * 100_000_000 + i)),
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "title": f"Event {seed}-{i}{' revised' if revise else ''} near place {rnd.randrange(500)}",
                "category": rnd.choice(CATEGORIES),
                "start": f"{y}-{1 + d // 31 % 12:02d}-{1 + d % 28:02d}",
                "tags": rnd.sample(TAGS, 2),
                "sources": [{"url": f"https://news.example/{rnd.randrange(5000)}"}],
            },
        }
        out.write(json.dumps(feature, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
