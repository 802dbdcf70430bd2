"""Accepted rows → the typed cache table (`CACHE_SCHEMA`, i.e. `schema.CACHE_COLUMNS`), code crosswalk applied.

Also the way back: a cache table → a DataFrame with the `CACHE_COLUMNS` dtypes (`_to_pandas`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.codes import crosswalk
from helpers.nps.columns import _Columns, _plain
from helpers.nps.validate import _COUNT_FIELDS, _DATE_FIELDS
from helpers.schema import CACHE_COLUMNS, RENAME

# Arrow types of the cached columns (pandas dtypes of `CACHE_COLUMNS` after `load_months`).
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int8": pa.int8(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "category": pa.dictionary(pa.int32(), pa.string()),
    "datetime64[s]": pa.timestamp("s"),
}
CACHE_SCHEMA = pa.schema([(c, _ARROW_TYPES[dt]) for c, (dt, _) in CACHE_COLUMNS.items()])


def _crosswalk(codes: pa.Array) -> pa.Array:
    """Current legal-dong codes (`codes.to_current`), computed only for codes a change touches."""
    cw = crosswalk()
    touched = None
    for ch in cw.changes:
        hit = pc.starts_with(codes, ch.old)
        touched = hit if touched is None else pc.or_(touched, hit)
    if touched is None or not pc.any(touched).as_py():
        return codes
    old = pc.unique(codes.filter(touched))
    new = pa.array([cw.to_current(x) for x in old.to_pylist()], pa.string())
    return pc.if_else(touched, new.take(pc.fill_null(pc.index_in(codes, value_set=old), 0)), codes)


def _recode(indices: pa.Array, values: pa.Array, typ: pa.DataType | None = None) -> pa.Array:
    """Rows `indices` of per-distinct-value `values`: plain values of type `typ` when given, else a
    dictionary array whose dictionary is made unique again (transformed values may coincide, e.g.
    42… and 51… both become 51…; the Parquet writer is much faster with a unique dictionary)."""
    if typ is not None:
        return pc.cast(values, typ).take(indices)
    enc = pc.dictionary_encode(pc.cast(values, pa.string()))
    return pa.DictionaryArray.from_arrays(enc.indices.take(indices), enc.dictionary)


def _to_cache(c: _Columns, keep: np.ndarray) -> pa.Table:
    """Accepted rows (`keep`) → the typed cache table (CACHE_SCHEMA), code crosswalk applied.

    Columns whose values repeat are transformed once per distinct value, then expanded."""
    sel = pa.array(keep)

    def kept_plain(col: str) -> pa.Array:
        return c.plain(col).filter(sel)

    def kept(col: str, fn=None, typ: pa.DataType | None = None) -> pa.Array:
        """Kept rows of a repeated column: a dictionary array of the (transformed) distinct values,
        or plain values when `typ` is given."""
        d = c.d(col)
        if fn is None:
            return _recode(d.indices.filter(sel), d.dictionary, typ)
        return _recode(d.indices.filter(sel), fn(d.dictionary), typ)

    def road_name(values: pa.Array) -> pa.Array:
        last = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"^.*\s", "")
        return pc.if_else(pc.equal(last, ""), pa.scalar(None, pa.string()), last)

    def as_date(values: pa.Array) -> pa.Array:
        return pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)

    bjd = "고객법정동주소코드"
    d_bjd = c.d(bjd)
    current = _crosswalk(d_bjd.dictionary)
    bjd_idx = d_bjd.indices.filter(sel)
    industry = c.d("사업장업종코드명")
    cols = {
        "month": kept("자료생성년월"),
        "name": kept("사업장명", typ=pa.string()),
        "bizno6": kept_plain("사업자등록번호"),
        "status": kept("사업장가입상태코드 1 등록 2 탈퇴", typ=pa.int8()),
        "road_address": kept("사업장도로명상세주소"),
        "road_name": kept("사업장도로명상세주소", road_name),
        "bjd_code_orig": _recode(bjd_idx, d_bjd.dictionary),
        "bjd_code": _recode(bjd_idx, current),
        "sido_code": _recode(bjd_idx, pc.utf8_slice_codeunits(current, 0, 2)),
        "sigungu_code": _recode(bjd_idx, pc.utf8_slice_codeunits(current, 0, 5)),
        "legal_form": kept("사업장형태구분코드 1 법인 2 개인", typ=pa.int8()),
        "industry_code": kept("사업장업종코드"),
        "industry_name": pa.DictionaryArray.from_arrays(industry.indices.filter(sel), industry.dictionary),
    }
    for col in _DATE_FIELDS:
        cols[RENAME[col]] = kept(col, as_date, pa.timestamp("s"))
    for col, (typ, _) in _COUNT_FIELDS.items():
        cols[RENAME[col]] = pc.cast(kept_plain(col), typ)
    # Repeated string columns stay dictionary-encoded: the Parquet writer then reuses the dictionary
    # instead of hashing 600,000 values again. Readers get plain strings (see `cache._write_parquet`).
    arrays = [cols[f.name] if pa.types.is_dictionary(cols[f.name].type) else pc.cast(cols[f.name], f.type)
              for f in CACHE_SCHEMA]
    return pa.Table.from_arrays(arrays, names=CACHE_SCHEMA.names)


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # Dictionaries built per distinct source value may repeat values (42… and 51… both become 51…):
    # expand them; pandas applies the categories of CACHE_COLUMNS itself.
    table = pa.table({n: _plain(col) if pa.types.is_dictionary(col.type) else col
                      for n, col in zip(table.column_names, table.columns)})
    df = table.to_pandas()
    return df.astype({c: dt for c, (dt, _) in CACHE_COLUMNS.items() if c in df.columns})
