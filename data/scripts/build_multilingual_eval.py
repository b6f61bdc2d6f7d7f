#!/usr/bin/env python3
"""Build tests/fixtures/geoparse/multilingual.jsonl from multilingual.txt and places.tsv.

multilingual.txt holds the reports with their places marked [[surface|key]]; places.tsv gives each
key its GeoNames id and point. The output is the corpus format of `eventmap eval-geoparse`
(offsets in code points, end exclusive), one document per line, with its `language`.

    python3 data/scripts/build_multilingual_eval.py
"""
import json
import re
import sys
from pathlib import Path

DIR = Path("tests/fixtures/geoparse")
MARK = re.compile(r"\[\[([^|\]]+)\|([a-z0-9]+)\]\]")


def main() -> int:
    places = {}
    for line in (DIR / "places.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, gid, lat, lon, _name = line.split("\t")
        places[key] = (int(gid), float(lat), float(lon))
    out = []
    for n, line in enumerate((DIR / "multilingual.txt").read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        doc_id, lang, marked = line.split("\t")
        text, toponyms, pos = "", [], 0
        for m in MARK.finditer(marked):
            text += marked[pos : m.start()]
            surface, key = m.group(1), m.group(2)
            if key not in places:
                print(f"line {n}: unknown place key {key}", file=sys.stderr)
                return 1
            gid, lat, lon = places[key]
            toponyms.append({"start": len(text), "end": len(text) + len(surface), "name": surface,
                             "lat": lat, "lon": lon, "geonameid": gid})
            text += surface
            pos = m.end()
        text += marked[pos:]
        for t in toponyms:
            assert text[t["start"] : t["end"]] == t["name"]
        out.append(json.dumps({"id": doc_id, "language": lang, "text": text, "toponyms": toponyms}, ensure_ascii=False))
    (DIR / "multilingual.jsonl").write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} documents -> {DIR / 'multilingual.jsonl'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
