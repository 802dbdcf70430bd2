"""Arrow column helpers shared by parsing, validation and the transform to the cache table.

Repeated columns are checked and transformed once per distinct value: a column is viewed as a
dictionary array (`_dict`), a function is applied to its distinct values and expanded back to one
value per row (`_per_value`). `_Columns` holds the parsed columns of one file, each encoded once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_THREADS = 2  # worker threads for independent column work


def _first_occurrence_mask(keys: list) -> np.ndarray | None:
    """Keep-mask of first occurrences of hashable keys, or None when all are distinct."""
    n = len(keys)
    firsts = dict(zip(reversed(keys), range(n - 1, -1, -1)))
    if len(firsts) == n:
        return None
    keep = np.zeros(n, dtype=bool)
    keep[np.fromiter(firsts.values(), np.int64, len(firsts))] = True
    return keep


def _plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A plain string array (dictionary arrays are expanded)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary.take(arr.indices)
    return arr


def _dict(arr: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """Dictionary-encoded view (values are checked and transformed once per distinct value)."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            arr = arr.chunk(0)
        elif arr.num_chunks == 0 or pa.types.is_dictionary(arr.type):
            arr = arr.combine_chunks()
        else:  # encode chunk by chunk: one shared dictionary, no copy of the values
            enc = pc.dictionary_encode(arr)
            return pa.DictionaryArray.from_arrays(pa.concat_arrays([ch.indices for ch in enc.chunks]),
                                                  enc.chunk(0).dictionary)
    return arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)


def _per_value(d: pa.DictionaryArray, fn) -> pa.Array:
    """fn applied to the distinct values of `d`, expanded back to one value per row."""
    return fn(d.dictionary).take(d.indices)


def _bools(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


class _Columns:
    """The parsed columns, dictionary-encoded once where values repeat."""

    def __init__(self, t: pa.Table):
        self.t = t
        self.enc: dict[str, pa.DictionaryArray] = {}

    def d(self, col: str) -> pa.DictionaryArray:
        if col not in self.enc:
            self.enc[col] = _dict(self.t.column(col))
        return self.enc[col]

    def encode(self, cols: tuple[str, ...]) -> None:
        """Dictionary-encode several columns at once (two threads)."""
        todo = [col for col in cols if col not in self.enc]
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            for col, d in zip(todo, pool.map(lambda col: _dict(self.t.column(col)), todo)):
                self.enc[col] = d

    def plain(self, col: str) -> pa.Array:
        return _plain(self.t.column(col))
