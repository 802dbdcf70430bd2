"""Bytes → text: the encoding of a raw file and the bytes that do not decode.

* Encoding: a UTF-8 BOM means UTF-8; else a header that decodes as UTF-8 means UTF-8; else cp949
  (the portal's encoding).
* Bytes that do not decode are replaced by U+FFFD and counted per file, over every field of
  every row read (duplicates included); the row is kept.
* On the fast path (`parse`) only the distinct values of non-ASCII columns are decoded
  (`_decode_column`); ASCII columns are taken as they are.
"""

from __future__ import annotations

import codecs
import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_ENCODING_LABEL = {  # `_detect_encoding` label → the report's name of the encoding
    "cp949": "cp949", "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)"}


_tls = threading.local()


def _counting_handler(exc: UnicodeError):
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _tls.spans.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("helpers.nps.count", _counting_handler)


def _decode(buf, codec: str) -> tuple[str, list[tuple[int, int]]]:
    """Decode, replacing undecodable bytes by U+FFFD; returns the text and the byte spans replaced."""
    _tls.spans = spans = []
    return str(buf, codec, "helpers.nps.count"), spans


def _detect_encoding(data: bytes) -> tuple[str, str]:
    """(codec, label). The header line is Hangul, so it tells UTF-8 from cp949."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", "utf-8-sig"
    end = data.find(b"\n")
    head = data[: end if end >= 0 else 4096]
    try:
        head.decode("utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        return "cp949", "cp949"


def _has_high_bytes(arr: pa.Array) -> bool:
    """True when a binary array holds any byte ≥ 0x80 (i.e. anything that is not ASCII)."""
    data = arr.buffers()[2]
    if data is None or len(arr) == 0:
        return False
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    lo, hi = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    if hi <= lo:
        return False
    return bool(np.frombuffer(data, dtype=np.uint8)[lo:hi].max() >= 0x80)


def _decode_column(arr: pa.ChunkedArray, codec: str) -> tuple[pa.Array | pa.ChunkedArray, int]:
    """Binary column → UTF-8 strings (dictionary-encoded when non-ASCII) + undecodable byte count.

    Only distinct values are decoded, joined by '\n' (never part of a multibyte character in cp949
    or UTF-8, and absent from values on the fast path); bad bytes are weighted by occurrences.
    """
    if len(arr) == 0:
        return pa.array([], pa.string()), 0
    if not any(_has_high_bytes(ch) for ch in arr.chunks):
        return arr.cast(pa.string()), 0  # ASCII: zero-copy
    enc = pc.dictionary_encode(arr)  # one dictionary shared by every chunk
    dic = enc.chunk(0).dictionary
    indices = pa.concat_arrays([ch.indices for ch in enc.chunks])
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(dic)], pa.int32()), dic),
                            pa.scalar(b"\n", pa.binary()))
    text, spans = _decode(memoryview(joined[0].as_buffer()), codec)
    bad = 0
    if spans:
        lens = pc.binary_length(dic).to_numpy(zero_copy_only=False).astype(np.int64) + 1
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        pos = np.fromiter((s for s, _ in spans), np.int64, len(spans))
        width = np.fromiter((e - s for s, e in spans), np.int64, len(spans))
        per_value = np.bincount(np.searchsorted(starts, pos, side="right") - 1, weights=width,
                                minlength=len(dic))
        occurrences = np.bincount(indices.to_numpy(zero_copy_only=False), minlength=len(dic))
        bad = int(round(float(per_value @ occurrences)))
    values = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten().cast(pa.string())
    if len(values) != len(dic):  # cannot happen for cp949/UTF-8; be safe rather than misalign rows
        raise _SlowPath
    return pa.DictionaryArray.from_arrays(indices, values), bad


class _SlowPath(Exception):
    """The fast reader cannot vouch for this file; read it with the csv module instead."""
