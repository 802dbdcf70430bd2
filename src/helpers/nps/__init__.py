"""NPS monthly workplace files (국민연금 가입 사업장 내역): read, validate, cache.

Extract + transform for the one raw source (PUDL-style): the file's quirks are handled here, once,
and every later step reads the typed monthly cache described by `schema.CACHE_COLUMNS`.

Where a change belongs (modules in import order: each imports only from those above it):

    columns     Arrow helpers: a column viewed as distinct values, checked and transformed once per value
    header      the 22 required columns; the older header vintage (구형) and its compact dates
    summary     `FileReport`, `IngestSummary` and every Korean word of the ingest summary
    decode      encoding detection, undecodable bytes (counted, replaced by U+FFFD)
    parse       bytes → rows: the fast pyarrow.csv path, the slow csv-module path, line numbers
    validate    row checks (→ quarantine reasons) and exact duplicates
    transform   accepted rows → the typed cache table (`CACHE_SCHEMA`), legal-dong code crosswalk
    read        one file, end to end: `read_month_file`
    cache       the cache on disk: months/*.parquet, state.json, quarantine.csv; `cache_dir_for`,
                `available_months`, `load_months`
    raw         the raw folder: `raw_files`, `default_raw_dir`, the synthetic-data marker
    pipeline    `ingest`: which files changed, which file supplies each month, in named steps
    cli         `python -m helpers ingest`

Everything other modules, notebooks and tests use is importable from `helpers.nps` itself.
"""

from helpers.nps.cache import CACHE_VERSION, available_months, cache_dir_for, load_months
from helpers.nps.cli import cli_ingest
from helpers.nps.header import LEGACY_CODES, VINTAGE_CURRENT, VINTAGE_LEGACY
from helpers.nps.pipeline import ingest, upload_date
from helpers.nps.raw import SYNTHETIC_MARKER, default_raw_dir, is_synthetic_dir, raw_files
from helpers.nps.read import read_month_file
from helpers.nps.summary import FileReport, IngestSummary
from helpers.nps.transform import CACHE_SCHEMA

__all__ = [
    "CACHE_SCHEMA",
    "CACHE_VERSION",
    "LEGACY_CODES",
    "SYNTHETIC_MARKER",
    "VINTAGE_CURRENT",
    "VINTAGE_LEGACY",
    "FileReport",
    "IngestSummary",
    "available_months",
    "cache_dir_for",
    "cli_ingest",
    "default_raw_dir",
    "ingest",
    "is_synthetic_dir",
    "load_months",
    "raw_files",
    "read_month_file",
    "upload_date",
]
