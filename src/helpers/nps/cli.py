"""`python -m helpers ingest`: the command line around `ingest`."""

from __future__ import annotations

from helpers.errors import UserError
from helpers.nps.cache import cache_dir_for
from helpers.nps.pipeline import ingest
from helpers.nps.raw import _no_files_message, default_raw_dir, raw_files


def cli_ingest(args) -> int:
    """`python -m helpers ingest [--raw-dir DIR] [--recursive]`: validate and cache, print the Korean summary."""
    raw_arg = getattr(args, "raw_dir", None)
    if raw_arg:
        from helpers.params import resolve_path

        raw_dir = resolve_path(raw_arg, "raw_dir")
    else:
        raw_dir, _ = default_raw_dir()
    recursive = bool(getattr(args, "recursive", False))
    if not raw_dir.is_dir() or not raw_files(raw_dir, recursive):
        raise UserError(_no_files_message(raw_dir))
    summary = ingest(raw_dir, cache_dir_for(raw_dir), recursive)
    print(summary.render())
    return 0
