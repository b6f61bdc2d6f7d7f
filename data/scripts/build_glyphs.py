#!/usr/bin/env python3
"""Build the SDF glyph ranges ("glyph PBFs") that MapLibre GL JS loads from a
style's ``glyphs`` URL (``.../{fontstack}/{range}.pbf``), so map labels can be
drawn without any network access.

How to run (from the repository root; needs Python 3.11+):

    apt-get install -y fonts-dejavu-core          # provides the TTF files
    python3 -m venv /tmp/glyphs-venv
    /tmp/glyphs-venv/bin/pip install freetype-py==2.5.1 numpy==2.4.6
    /tmp/glyphs-venv/bin/python data/scripts/build_glyphs.py

With no arguments the script reads

    DejaVu Sans       <- /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
    DejaVu Sans Bold  <- /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf

and writes ``data/glyphs/<fontstack>/<start>-<end>.pbf`` (the ``glyphs`` folder
beside this script's ``scripts`` folder).  Options:

    --out DIR            output folder (default: <repo>/data/glyphs)
    --font "NAME=PATH"   a font stack name and its TTF; repeat for several
                         stacks (replaces the two defaults when given)

The output is deterministic: the same font files and the same freetype-py
(which bundles its own FreeType) give byte-identical .pbf files.  Stale .pbf
files in a stack's folder are removed so the folder always matches one run.

What is produced, and why it looks the way it does
--------------------------------------------------
* Each file holds one protobuf message::

      message glyphs    { repeated fontstack stacks = 1; }
      message fontstack { required string name = 1; required string range = 2;
                          repeated glyph glyphs = 3; }
      message glyph     { required uint32 id = 1; optional bytes bitmap = 2;
                          required uint32 width = 3; required uint32 height = 4;
                          required sint32 left = 5; required sint32 top = 6;
                          required uint32 advance = 7; }

  The encoder below is written by hand (varints, zig-zag for sint32,
  length-delimited strings/bytes/sub-messages), fields in tag order.
* Glyphs are laid out for a 24 px em.  ``width``/``height`` are the glyph's
  ink box in whole pixels; the bitmap has a 3 px border on every side, so it
  is (width + 6) * (height + 6) bytes, rows top to bottom.
* ``left`` is the ink box's left edge relative to the pen position.  ``top``
  is the ink box's top edge above the baseline minus 25: MapLibre's shaping is
  calibrated on a 24 px font whose ascender is about 25 px, and glyph
  producers for it store ``top`` as (top of ink above baseline) - 25.  Using a
  constant (not a per-glyph or per-font ascender) keeps every glyph on one
  baseline.
* Glyphs without ink (spaces) have width = height = 0 and no bitmap field at
  all: MapLibre sizes the image as (width + 6) * (height + 6) and rejects a
  present-but-empty bytes field, while an absent one is read as blank.
* The bitmap is a signed distance field encoded like MapLibre's TinySDF:
  byte = round(255 - 255 * (d / 8 + 0.25)), clamped to 0..255, where d is the
  distance in pixels from the pixel centre to the outline, positive outside
  and negative inside.  So the outline is ~191, inside is brighter, and the
  value reaches 0 six pixels outside the outline.
* Distances are measured on an 8x oversampled anti-aliased rendering: the
  outline is located with sub-pixel precision on every edge between an inside
  and an outside high-resolution pixel, and each output pixel takes the
  exact Euclidean distance to the nearest such edge point.  Working from the
  filled rendering (not the raw contours) means overlapping contours inside a
  glyph leave no seams.
* Advances are the unhinted advance rounded to whole pixels; for scripts whose
  letters join (Arabic, Syriac, N'Ko) they are rounded down instead, so the
  connecting strokes of neighbouring letters overlap rather than leave
  hairline gaps.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import freetype
import numpy as np

# ---------------------------------------------------------------------------
# Parameters fixed by what MapLibre expects.
EM_PX = 24          # glyph size in pixels per em
BORDER = 3          # SDF border around each glyph bitmap, in pixels
RADIUS = 8.0        # TinySDF radius
CUTOFF = 0.25       # TinySDF cutoff
TOP_OFFSET = 25     # baseline calibration of the glyph format (see docstring)
OVERSAMPLE = 8      # rendering resolution used to measure distances

# Unicode ranges we want.  A 256-code-point block becomes a .pbf file when the
# font has at least one glyph inside these ranges in that block; the file then
# holds all of the font's glyphs in the block (MapLibre fetches whole blocks,
# so neighbours such as the Latin ligatures next to Arabic Presentation
# Forms-A come along for free).
WANTED_RANGES = [
    (0, 767),         # Basic Latin .. Latin Extended-B, IPA, spacing modifiers
    (768, 879),       # Combining Diacritical Marks
    (880, 1023),      # Greek and Coptic
    (1024, 1327),     # Cyrillic + Cyrillic Supplement
    (1328, 1423),     # Armenian
    (1424, 1535),     # Hebrew
    (1536, 1791),     # Arabic
    (1872, 1919),     # Arabic Supplement
    (7680, 7935),     # Latin Extended Additional
    (8192, 8703),     # General Punctuation .. Arrows (punctuation, currency, ...)
    (64336, 65023),   # Arabic Presentation Forms-A
    (65136, 65279),   # Arabic Presentation Forms-B
]

# Scripts whose letters connect; their advances are rounded down.
JOINING_RANGES = [
    (0x0600, 0x08FF),  # Arabic, Syriac, Arabic Supplement, Thaana, N'Ko, ...
    (0xFB50, 0xFDFF),  # Arabic Presentation Forms-A
    (0xFE70, 0xFEFF),  # Arabic Presentation Forms-B
]

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEFAULT_FONTS = [
    ("DejaVu Sans", FONT_DIR / "DejaVuSans.ttf"),
    ("DejaVu Sans Bold", FONT_DIR / "DejaVuSans-Bold.ttf"),
]
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "glyphs"


# ---------------------------------------------------------------------------
# Minimal protobuf writer.

def pb_varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varint must be non-negative here")
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def pb_key(field: int, wire_type: int) -> bytes:
    return pb_varint((field << 3) | wire_type)


def pb_uint(field: int, value: int) -> bytes:
    return pb_key(field, 0) + pb_varint(value)


def pb_sint(field: int, value: int) -> bytes:
    zigzag = value * 2 if value >= 0 else -value * 2 - 1
    return pb_key(field, 0) + pb_varint(zigzag)


def pb_bytes(field: int, payload: bytes) -> bytes:
    return pb_key(field, 2) + pb_varint(len(payload)) + payload


def encode_glyph(g: dict) -> bytes:
    parts = [pb_uint(1, g["id"])]
    if g["bitmap"]:
        parts.append(pb_bytes(2, g["bitmap"]))
    parts += [
        pb_uint(3, g["width"]),
        pb_uint(4, g["height"]),
        pb_sint(5, g["left"]),
        pb_sint(6, g["top"]),
        pb_uint(7, g["advance"]),
    ]
    return b"".join(parts)


def encode_range(stack_name: str, range_name: str, glyphs: list[dict]) -> bytes:
    stack = [pb_bytes(1, stack_name.encode("utf-8")),
             pb_bytes(2, range_name.encode("utf-8"))]
    stack += [pb_bytes(3, encode_glyph(g)) for g in glyphs]
    return pb_bytes(1, b"".join(stack))


# ---------------------------------------------------------------------------
# Signed distance field.

def edge_points(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sub-pixel points where the coverage crosses 0.5 between neighbours.

    cov is a (rows, cols) float array in 0..1; pixel (r, c) has its centre at
    x = c + 0.5, y = r + 0.5.  Returns arrays of x and y coordinates.
    """
    inside = cov >= 0.5
    xs, ys = [], []
    # Horizontal neighbours.
    a, b = cov[:, :-1], cov[:, 1:]
    mask = inside[:, :-1] != inside[:, 1:]
    rows, cols = np.nonzero(mask)
    t = (a[mask] - 0.5) / (a[mask] - b[mask])
    xs.append(cols + 0.5 + t)
    ys.append(rows + 0.5)
    # Vertical neighbours.
    a, b = cov[:-1, :], cov[1:, :]
    mask = inside[:-1, :] != inside[1:, :]
    rows, cols = np.nonzero(mask)
    t = (a[mask] - 0.5) / (a[mask] - b[mask])
    xs.append(cols + 0.5)
    ys.append(rows + 0.5 + t)
    return np.concatenate(xs), np.concatenate(ys)


def signed_distance_bytes(cov: np.ndarray, out_w: int, out_h: int, scale: int) -> bytes:
    """Encode the SDF of an oversampled coverage image at 1/scale resolution."""
    ex, ey = edge_points(cov)
    # Output pixel centres in oversampled coordinates.  With an even scale each
    # centre is the shared corner of four oversampled pixels.
    half = scale // 2
    cx = np.arange(out_w, dtype=np.float64) * scale + half
    cy = np.arange(out_h, dtype=np.float64) * scale + half
    ci = (np.arange(out_w) * scale + half)
    ri = (np.arange(out_h) * scale + half)
    corner = (cov[np.ix_(ri - 1, ci - 1)] + cov[np.ix_(ri - 1, ci)]
              + cov[np.ix_(ri, ci - 1)] + cov[np.ix_(ri, ci)]) / 4.0
    inside = corner >= 0.5

    sx = np.broadcast_to(cx[None, :], (out_h, out_w)).ravel()
    sy = np.broadcast_to(cy[:, None], (out_h, out_w)).ravel()
    best = np.full(sx.shape, np.inf)
    if ex.size:
        chunk = max(1, 4_000_000 // ex.size)
        for start in range(0, sx.size, chunk):
            dx = sx[start:start + chunk, None] - ex[None, :]
            dy = sy[start:start + chunk, None] - ey[None, :]
            best[start:start + chunk] = (dx * dx + dy * dy).min(axis=1)
    dist = np.sqrt(best) / scale
    signed = np.where(inside.ravel(), -dist, dist)
    value = np.floor(255.0 - 255.0 * (signed / RADIUS + CUTOFF) + 0.5)
    return np.clip(value, 0, 255).astype(np.uint8).tobytes()


# ---------------------------------------------------------------------------
# Font handling.

def is_joining(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in JOINING_RANGES)


def is_control(cp: int) -> bool:
    return cp < 0x20 or 0x7F <= cp < 0xA0


def render_glyph(face: freetype.Face, cp: int) -> dict:
    s = OVERSAMPLE
    face.load_char(cp, freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP)
    slot = face.glyph
    # linearHoriAdvance: unhinted advance in 16.16 pixels at the loaded size.
    advance_px = slot.linearHoriAdvance / 65536.0 / s
    if is_joining(cp):
        advance = math.floor(advance_px)
    else:
        advance = math.floor(advance_px + 0.5)
    advance = max(advance, 0)

    blank = {"id": cp, "bitmap": b"", "width": 0, "height": 0,
             "left": 0, "top": -TOP_OFFSET, "advance": advance}
    outline = slot.outline
    if outline.n_points == 0 or outline.n_contours == 0:
        return blank

    bbox = outline.get_bbox()  # 26.6 fixed point at the oversampled size
    unit = 64.0 * s
    xmin = math.floor(bbox.xMin / unit)
    ymin = math.floor(bbox.yMin / unit)
    xmax = math.ceil(bbox.xMax / unit)
    ymax = math.ceil(bbox.yMax / unit)
    width, height = xmax - xmin, ymax - ymin
    if width <= 0 or height <= 0:
        return blank

    slot.render(freetype.FT_RENDER_MODE_NORMAL)
    bm = slot.bitmap
    out_w, out_h = width + 2 * BORDER, height + 2 * BORDER
    canvas = np.zeros((out_h * s, out_w * s), dtype=np.float64)
    if bm.rows and bm.width:
        pix = np.array(bm.buffer, dtype=np.uint8).reshape(bm.rows, bm.pitch)[:, :bm.width]
        col0 = slot.bitmap_left - (xmin - BORDER) * s
        row0 = (ymax + BORDER) * s - slot.bitmap_top
        if (col0 < 0 or row0 < 0 or col0 + bm.width > canvas.shape[1]
                or row0 + bm.rows > canvas.shape[0]):
            raise RuntimeError(f"U+{cp:04X}: rendered bitmap falls outside its box")
        canvas[row0:row0 + bm.rows, col0:col0 + bm.width] = pix / 255.0

    return {
        "id": cp,
        "bitmap": signed_distance_bytes(canvas, out_w, out_h, s),
        "width": width,
        "height": height,
        "left": xmin,
        "top": ymax - TOP_OFFSET,
        "advance": advance,
    }


def is_wanted(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in WANTED_RANGES)


def build_stack(name: str, font_path: Path, out_dir: Path) -> tuple[int, int, int]:
    face = freetype.Face(str(font_path))
    face.set_pixel_sizes(0, EM_PX * OVERSAMPLE)
    cmap = sorted(cp for cp, gid in face.get_chars() if gid)
    blocks = {cp // 256 for cp in cmap if is_wanted(cp) and not is_control(cp)}
    by_block: dict[int, list[int]] = {}
    for cp in cmap:
        if cp // 256 in blocks and not is_control(cp):
            by_block.setdefault(cp // 256, []).append(cp)

    stack_dir = out_dir / name
    stack_dir.mkdir(parents=True, exist_ok=True)
    written = set()
    n_glyphs = n_bytes = 0
    for block in sorted(by_block):
        start, end = block * 256, block * 256 + 255
        range_name = f"{start}-{end}"
        glyphs = [render_glyph(face, cp) for cp in by_block[block]]
        data = encode_range(name, range_name, glyphs)
        path = stack_dir / f"{range_name}.pbf"
        path.write_bytes(data)
        written.add(path.name)
        n_glyphs += len(glyphs)
        n_bytes += len(data)
        print(f"  {name}/{range_name}.pbf: {len(glyphs)} glyphs, {len(data)} bytes",
              file=sys.stderr)
    for stale in sorted(stack_dir.glob("*.pbf")):
        if stale.name not in written:
            stale.unlink()
            print(f"  removed stale {stale}", file=sys.stderr)
    return len(written), n_glyphs, n_bytes


def parse_font_arg(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise argparse.ArgumentTypeError('expected "Font Stack Name=/path/to/font.ttf"')
    return name.strip(), Path(path.strip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build MapLibre SDF glyph PBFs from TrueType fonts.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--font", action="append", type=parse_font_arg, metavar="NAME=PATH",
                        help="font stack name and TTF path; repeatable "
                             "(default: DejaVu Sans and DejaVu Sans Bold from fonts-dejavu-core)")
    args = parser.parse_args(argv)
    fonts = args.font or DEFAULT_FONTS

    for name, path in fonts:
        if not path.is_file():
            parser.error(f"font file {path} for {name!r} not found "
                         "(apt-get install fonts-dejavu-core fonts-dejavu-extra)")
        if "/" in name:
            parser.error(f"font stack name {name!r} must not contain '/'")

    total_files = total_glyphs = total_bytes = 0
    for name, path in fonts:
        print(f"{name} <- {path}", file=sys.stderr)
        files, glyphs, size = build_stack(name, path, args.out)
        total_files += files
        total_glyphs += glyphs
        total_bytes += size
    print(f"wrote {total_files} files, {total_glyphs} glyphs, {total_bytes} bytes "
          f"to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
