#!/usr/bin/env python3
"""Derive data/geoparse/common-words.txt: English words that are also the name of some place.

The geoparser treats a one-word place name that is also an everyday English word ("Reading",
"Mobile", "Police", "Of") with suspicion: it must be capitalised, not open a sentence, and not be
glued to other capitalised words, unless the text itself says it is a place ("Mobile, Ala.").

Input: the SCOWL word list of Debian's `wamerican` package (/usr/share/dict/american-english;
licence: see data/README.md) and the intermediate gazetteer file target/gazetteer/places.jsonl
(see data/README.md). Only words written entirely in lower case in the word list count as
everyday words, so proper nouns there ("Paris", "Texas") do not.

    apt-get install -y wamerican
    python3 data/scripts/derive_common_words.py
"""
import json
import re
import sys
import unicodedata
from pathlib import Path


def fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"['\u2019]", "", s)
    return re.sub(r"[^\w]+", " ", s).strip()


def main() -> int:
    words_path = Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/american-english")
    places_path = Path(sys.argv[2] if len(sys.argv) > 2 else "target/gazetteer/places.jsonl")
    out = Path(sys.argv[3] if len(sys.argv) > 3 else "data/geoparse/common-words.txt")
    common = {w for w in words_path.read_text(encoding="utf-8").split() if w.isalpha() and w.islower() and len(w) > 1}
    names = set()
    with places_path.open(encoding="utf-8") as f:
        for line in f:
            for n in json.loads(line)["names"]:
                folded = fold(n)
                if folded.isalpha() and folded.isascii():
                    names.add(folded)
    both = sorted(common & names)
    header = [
        "# English everyday words that are also a place's name, derived by data/scripts/derive_common_words.py",
        "# from the SCOWL word list (Debian wamerican) and the GeoNames-derived gazetteer. One per line.",
    ]
    out.write_text("\n".join(header + both) + "\n", encoding="utf-8")
    print(f"{len(both)} words -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
