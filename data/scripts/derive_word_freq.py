#!/usr/bin/env python3
"""Derive data/geoparse/word-freq.tsv: how common each everyday word is, per language.

The geoparser keeps a one-word mention only when it is more likely a place than a word of the
text's language (src/geoparse/wordfreq.rs). This script writes the word side of that comparison:
for each language the words whose Zipf frequency (log10 of occurrences per billion words) is at
least MIN_ZIPF, at most MAX_WORDS of them, from the PyPI package `wordfreq` (code Apache-2.0,
word lists CC BY-SA 4.0; see data/README.md).

Output: one line per (language, Zipf value to one decimal), the words space-separated, so the
table stays compact:

    ar<TAB>5.8<TAB>مدينة ...

Words are written as wordfreq gives them (lower-cased, NFC/NFKC as wordfreq normalises them);
eventmap folds them with its own folding when it loads the table.

    python3 -m venv /var/cache/wordfreq-venv
    /var/cache/wordfreq-venv/bin/pip install wordfreq==3.1.1
    /var/cache/wordfreq-venv/bin/python data/scripts/derive_word_freq.py
"""
import sys
import unicodedata
from collections import defaultdict
from importlib import metadata
from pathlib import Path

import wordfreq

LANGUAGES = ["ar", "fa", "ru", "uk", "tr", "en"]
# Below this a word is rare enough that any named place, however small, is the likelier reading.
MIN_ZIPF = 3.5
MAX_WORDS = 25_000
WORDFREQ_VERSION = "3.1.1"

# The script a language's words must be written in (a list also holds borrowed Latin words,
# digits and emoji, which say nothing about that language's text).
SCRIPTS = {"ar": "ARABIC", "fa": "ARABIC", "ru": "CYRILLIC", "uk": "CYRILLIC", "tr": "LATIN", "en": "LATIN"}


def in_script(word: str, script: str) -> bool:
    for c in word:
        if not c.isalpha():
            return False
        if script not in unicodedata.name(c, ""):
            return False
    return True


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "data/geoparse/word-freq.tsv")
    version = metadata.version("wordfreq")
    if version != WORDFREQ_VERSION:
        print(f"warning: wordfreq {version} installed, the table was made with {WORDFREQ_VERSION}", file=sys.stderr)
    lines = [
        f"# Everyday words per language with their Zipf frequency, derived by data/scripts/derive_word_freq.py",
        f"# from wordfreq {version} (word lists CC BY-SA 4.0, see data/README.md). language, Zipf, words.",
    ]
    for lang in LANGUAGES:
        groups = defaultdict(list)
        kept = 0
        for word in wordfreq.top_n_list(lang, MAX_WORDS * 2):
            if kept >= MAX_WORDS:
                break
            z = wordfreq.zipf_frequency(word, lang)
            if z < MIN_ZIPF:
                break
            if len(word) < 2 and lang not in ("ar", "fa", "ru", "uk"):
                continue
            if not in_script(word, SCRIPTS[lang]):
                continue
            groups[round(z, 1)].append(word)
            kept += 1
        for z in sorted(groups, reverse=True):
            lines.append(f"{lang}\t{z:.1f}\t{' '.join(groups[z])}")
        print(f"{lang}: {kept} words, Zipf {MIN_ZIPF}..{max(groups):.1f}", file=sys.stderr)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{out}: {out.stat().st_size} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
