"""Council decisions (협의회 결정): the file people keep, read and checked in one place, written only when an
analyst records a decision (the form, `record_decision`) — never by the batch.

Which file: `paths.decisions` (default `params/decisions.csv`). A configured path ending in `.xlsx` is read as
a workbook; when the configured `.csv` is absent and the `.xlsx` of the same name exists, that workbook is the
file; both present is an error (which one did the user edit?). A CSV may be UTF-8, UTF-8 with BOM or cp949
(Korean Excel's "CSV (쉼표로 분리)"), with LF or CRLF; rows whose first cell starts with '#' are comments.

Rows: quarter, area_id, decided_stage, decided_date, note, recorded_at. A correction is a new row for the same
(quarter, area_id) with a later `recorded_at` (ISO timestamp); the row recorded last is the decision in force,
the earlier ones are its trail (변경 이력). A row without `recorded_at` (written by hand, or before the column
existed) counts as the earliest; at most one row per quarter and area may lack it, and two rows may not share
it — otherwise it is the hand-written duplicate it always was, and an error.

Every bad row is reported at once, in Korean, with its row number (the line of the CSV, the row of the sheet).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from helpers.errors import UserError
from helpers.files import FORMULA_STARTS, atomic_path, write_atomic
from helpers.panel import DECISION_COLUMNS
from helpers.periods import QUARTER_RE, quarter_of

RECORDED_AT = "recorded_at"
FILE_COLUMNS = [*DECISION_COLUMNS, RECORDED_AT]
TRAIL_COLUMNS = ["row", *FILE_COLUMNS, "in_force"]

# The comment header of a file the form creates (the shipped params/decisions.csv carries the same words).
COMMENT_HEADER = [
    "# 지역중소기업 지원협의회 결정 기록. '#' 로 시작하는 줄은 무시됩니다. 결정 기록 노트북(notebooks/decisions.ipynb)이나 "
    "Excel 로 고칩니다.",
    "# 열: 분기(YYYYQn), 밀집지역 코드, 결정 단계(그 시도의 척도), 결정일(YYYY-MM-DD), 메모, 기록 시각(recorded_at).",
    "# 결정을 고칠 때는 행을 지우지 말고 같은 분기·지역의 행을 새로 더하고 recorded_at 에 더 늦은 시각을 적습니다: "
    "가장 늦게 기록된 행이 지금의 결정이고, 앞의 행은 변경 이력입니다.",
    "# Excel: CSV(UTF-8·cp949 모두 읽음)로 저장하거나, 이 파일이 없을 때 같은 이름의 .xlsx(params/decisions.xlsx)를 읽습니다.",
    "# 예: 2026Q3,48-003,심각,2026-10-28,조선 협력업체 실태조사 후 심각 확정,2026-10-28T16:05:00",
]

_DATE_FORMS = [
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"),  # ISO; Excel's 00:00:00
    re.compile(r"(\d{4})\.\s*(\d{1,2})\.\s*(\d{1,2})\.?"),  # 2026.10.28, Korean Excel's 2026. 10. 28.
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})년\s*(\d{1,2})월\s*(\d{1,2})일"),
]
_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?")


def parse_date(text: str) -> str | None:
    """An unambiguous date as Excel or a person writes it, as YYYY-MM-DD; None when it is not one.

    Year first only (2026-10-28, 2026-10-28 00:00:00, 2026.10.28, 2026. 10. 28., 2026/10/28, 20261028,
    2026년 10월 28일): 10/28/2026 or 28.10.2026 could be read two ways and are refused."""
    text = str(text).strip()
    for form in _DATE_FORMS:
        m = form.fullmatch(text)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return None
    return None


def parse_timestamp(text: str) -> str | None:
    """A recording time as YYYY-MM-DDTHH:MM:SS ('2026-10-28 16:05' from Excel included); None otherwise."""
    m = _TIMESTAMP.fullmatch(str(text).strip())
    if not m:
        return None
    try:
        t = datetime.fromisoformat(f"{m[1]}T{int(m[2]):02d}:{m[3]}:{m[4] or '00'}")
    except ValueError:
        return None
    return t.isoformat(timespec="seconds")


def decisions_file(path: str | Path) -> Path:
    """The file that holds the decisions for the configured `path` (see the module doc); it may not exist."""
    path = Path(path)
    if path.suffix.lower() != ".csv":
        return path
    xlsx = path.with_suffix(".xlsx")
    if path.is_file() and xlsx.is_file():
        raise UserError(f"협의회 결정 파일이 두 개 있습니다: {path} 와 {xlsx}. 어느 쪽이 맞는지 알 수 없으니 "
                        f"하나만 남기세요 (.csv 가 없을 때만 .xlsx 를 읽습니다).")
    return xlsx if (not path.is_file() and xlsx.is_file()) else path


@dataclass
class _RawFile:
    """The file as rows of text cells, in order: ('text', raw lines) for comments, ('record', n, cells)."""

    items: list[tuple] = field(default_factory=list)
    newline: str = "\n"

    def records(self) -> list[tuple[int, list[str]]]:
        return [(it[1], it[2]) for it in self.items if it[0] == "record"]


def _is_comment(cells: list[str]) -> bool:
    return not cells or not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#")


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp949")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise UserError(f"협의회 결정 파일 {path.name} 을 읽을 수 없습니다: {line}행에 UTF-8 로도 cp949 로도 읽히지 않는 "
                        "글자가 있습니다. Excel 에서 'CSV UTF-8(쉼표로 분리)' 로 다시 저장하세요.") from None


def _read_csv(path: Path) -> _RawFile:
    text = _decode(path, path.read_bytes())
    lines = text.splitlines()
    out = _RawFile(newline="\r\n" if "\r\n" in text else "\n")
    # Records, not lines: a quoted note may span lines, and one of its lines may start with '#'.
    reader = csv.reader(io.StringIO(text))
    start = 1
    for cells in reader:
        if _is_comment(cells):
            out.items.append(("text", lines[start - 1:reader.line_num]))
        else:
            out.items.append(("record", start, cells))
        start = reader.line_num + 1
    return out


def _cell_text(v: object) -> str:
    """A workbook cell as the text a CSV would hold (a date cell → YYYY-MM-DD; 3.0 → 3)."""
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _read_xlsx(path: Path) -> _RawFile:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 — any unreadable workbook is the user's file to fix
        raise UserError(f"협의회 결정 파일 {path.name} 을 Excel 통합문서로 읽을 수 없습니다: {e}") from None
    try:
        out = _RawFile()
        for n, values in enumerate(wb.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1].strip():  # a sheet's used range may be wider than the header
                cells.pop()
            out.items.append(("text", [",".join(cells)]) if _is_comment(cells) else ("record", n, cells))
        return out
    finally:
        wb.close()


def _read_raw(path: Path) -> _RawFile:
    return _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)


def _unquote_formula(text: str) -> str:
    """A note written as '=… (apostrophe so a spreadsheet shows it as text) reads back without the apostrophe."""
    return text[1:] if text[:1] == "'" and text[1:2] and text[1] in FORMULA_STARTS else text


@dataclass
class DecisionBook:
    """The decisions file, read and checked: every row (`trail`, with its row number and whether it is in
    force) and the decisions in force (`in_force`, one per quarter and area, DECISION_COLUMNS)."""

    path: Path
    trail: pd.DataFrame
    header: list[str] = field(default_factory=lambda: list(FILE_COLUMNS))

    @property
    def in_force(self) -> pd.DataFrame:
        t = self.trail[self.trail["in_force"].astype(bool)]
        return t[DECISION_COLUMNS].reset_index(drop=True)

    def history(self, area_id: str, quarter: str | None = None) -> pd.DataFrame:
        """The rows of one area (and quarter), newest first: the 변경 이력 the form shows."""
        t = self.trail[self.trail["area_id"] == area_id]
        if quarter:
            t = t[t["quarter"] == quarter]
        return t.sort_values(["quarter", "_order"], ascending=False)[TRAIL_COLUMNS].reset_index(drop=True)


def _scale_of(params_for: Callable[[str], dict] | None) -> Callable[[str], list[str]]:
    cache: dict[str, list[str]] = {}

    def scale(sido: str) -> list[str]:
        nonlocal params_for
        if params_for is None:  # read the workspace's configuration only when a scale is asked for
            from helpers.params import load_config

            params_for = load_config().params_for
        if sido not in cache:
            cache[sido] = list(params_for(sido)["stages"]["scale"])
        return cache[sido]

    return scale


def check_row(r: dict, known: dict[str, str] | None, scale_of: Callable[[str], list[str]],
              today: str) -> tuple[dict, list[str]]:
    """One decision row (text cells by column name) normalised (quarter upper case, dates ISO) and the Korean
    problems with it (empty when it is fine)."""
    q = r.get("quarter", "").strip().upper()
    area = r.get("area_id", "").strip()
    stage = r.get("decided_stage", "").strip()
    problems = []
    if not QUARTER_RE.fullmatch(q):
        problems.append(f"분기 '{r.get('quarter', '')}' 는 YYYYQn 형식이어야 합니다 (예: 2026Q3)")
    elif q > quarter_of(today[:7]):
        problems.append(f"분기 {q} 는 아직 오지 않았습니다")
    if known is not None and area not in known:
        problems.append(f"밀집지역 '{area}' 가 기준표에 없습니다")
    elif known is not None and stage not in scale_of(known[area]):
        problems.append(f"결정 단계 '{stage}' 는 척도 {scale_of(known[area])} 에 없습니다")
    raw_date = r.get("decided_date", "").strip()
    d = parse_date(raw_date)
    if not raw_date:
        problems.append("결정일이 비어 있습니다 (YYYY-MM-DD, 예: 2026-10-28)")
    elif d is None:
        problems.append(f"결정일 '{raw_date}' 는 날짜(YYYY-MM-DD, 예: 2026-10-28)여야 합니다")
    elif d > today:
        problems.append(f"결정일 {d} 는 오늘({today}) 이후입니다")
    raw_at = r.get(RECORDED_AT, "").strip()
    at = parse_timestamp(raw_at) if raw_at else ""
    if at is None:
        problems.append(f"기록 시각 '{raw_at}' 는 YYYY-MM-DDTHH:MM:SS 형식이어야 합니다 (비워 두어도 됩니다)")
    elif at and at[:10] > today:
        problems.append(f"기록 시각 {at} 는 오늘({today}) 이후입니다")
    row = {"quarter": q, "area_id": area, "decided_stage": stage, "decided_date": d or raw_date,
           "note": _unquote_formula(r.get("note", "").strip()), RECORDED_AT: at or ""}
    return row, problems


def _duplicates(rows: list[dict]) -> list[tuple[int, str]]:
    """(row number, problem) for rows that repeat a (quarter, area) without a distinct recording time."""
    out, seen = [], {}
    for r in rows:
        key = (r["quarter"], r["area_id"])
        earlier = seen.setdefault(key, [])
        if any(e[RECORDED_AT] == r[RECORDED_AT] for e in earlier):
            first = next(e["row"] for e in earlier if e[RECORDED_AT] == r[RECORDED_AT])
            why = ("두 행 모두 기록 시각(recorded_at)이 없습니다" if not r[RECORDED_AT]
                   else f"두 행의 기록 시각이 {r[RECORDED_AT]} 로 같습니다")
            out.append((r["row"], f"{key[0]} {key[1]} 에 대한 결정이 두 번 기록되어 있습니다 ({first}행과 이 행; {why}). "
                                  "고친 결정이면 나중 행의 recorded_at 에 고친 시각을 적으세요"))
        earlier.append(r)
    return out


def read_decisions(path: str | Path, reference: pd.DataFrame | None = None,
                   params_for: Callable[[str], dict] | None = None, today: str | None = None) -> DecisionBook:
    """The decisions file (`decisions_file(path)`) read and checked; raises one UserError listing every bad row.

    Checked: the columns, the number of cells, quarter YYYYQn and not in the future, a known area (with
    `reference`), a stage of that province's scale, a real date not after `today`, a recording time when given;
    no (quarter, area) twice without distinct recording times."""
    path = decisions_file(path)
    empty = DecisionBook(path, pd.DataFrame(columns=[*TRAIL_COLUMNS, "_order"]))
    if not path.is_file():
        return empty
    records = _read_raw(path).records()
    if not records:
        return empty
    header = [h.strip().lstrip("\ufeff") for h in records[0][1]]
    missing = [c for c in DECISION_COLUMNS if c not in header]
    if missing:
        raise UserError(f"협의회 결정 파일 {path.name} 에 필요한 열이 없습니다: {', '.join(missing)} "
                        f"(첫 행은 머리글 {','.join(FILE_COLUMNS)} 이어야 합니다)")
    today = today or date.today().isoformat()
    known = dict(zip(reference["area_id"].astype(str), reference["sido_code"].astype(str))) \
        if reference is not None else None
    scale_of = _scale_of(params_for)
    errors: list[tuple[int, str]] = []
    rows: list[dict] = []
    sheet = path.suffix.lower() == ".xlsx"
    for n, cells in records[1:]:
        if sheet and len(cells) < len(header):  # empty cells at the end of a sheet row are just empty
            cells = [*cells, *[""] * (len(header) - len(cells))]
        if len(cells) == len(header) - 1 and header[-1] == RECORDED_AT:
            cells = [*cells, ""]  # a row typed by hand without the recording time
        if len(cells) != len(header):
            errors.append((n, f"필드가 {len(cells)}개입니다 (머리글은 {len(header)}개). 메모에 쉼표가 있으면 "
                              "메모 전체를 큰따옴표로 감싸세요"))
            continue
        row, problems = check_row(dict(zip(header, cells)), known, scale_of, today)
        errors.extend((n, p) for p in problems)
        rows.append({"row": n, **row})
    errors.extend(_duplicates(rows))
    if errors:
        errors.sort(key=lambda e: e[0])
        raise UserError(f"협의회 결정 파일 {path.name} 에 고칠 곳이 {len(errors)}개 있습니다:\n"
                        + "\n".join(f"  - {path.name} {n}행: {p}." for n, p in errors))
    trail = pd.DataFrame(rows, columns=["row", *FILE_COLUMNS])
    # Order within a (quarter, area): no recording time first, then by time; the last one is in force.
    trail["_order"] = trail[RECORDED_AT].where(trail[RECORDED_AT] != "", "0")
    trail = trail.sort_values(["quarter", "area_id", "_order"], kind="stable")
    last = ~trail.duplicated(["quarter", "area_id"], keep="last")
    trail["in_force"] = last
    return DecisionBook(path, trail.sort_values("row").reset_index(drop=True), header)


def load_decisions(path: str | Path, reference: pd.DataFrame | None = None,
                   params_for: Callable[[str], dict] | None = None, today: str | None = None) -> pd.DataFrame:
    """The council decisions in force (DECISION_COLUMNS, one row per quarter and area); see `read_decisions`."""
    return read_decisions(path, reference, params_for, today).in_force


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe (read back without it)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows_for_file(raw: _RawFile | None, header: list[str], new: dict) -> tuple[list[tuple], list[str]]:
    """The items of the file to write (comments kept where they were) and its header (recorded_at added)."""
    items = list(raw.items) if raw is not None else [("text", COMMENT_HEADER)]
    out_header = header if RECORDED_AT in header else [*header, RECORDED_AT]
    out, first = [], True
    for it in items:
        if it[0] == "record":
            cells = list(it[2]) if not first else list(out_header)
            if not first and len(cells) < len(out_header):
                cells += [""] * (len(out_header) - len(cells))
            out.append(("record", cells))
            first = False
        else:
            out.append(it)
    if first:  # a file with comments only: the header goes after them
        out.append(("record", list(out_header)))
    cells = {**new, "note": _safe(new["note"])}
    out.append(("record", [cells.get(c, "") for c in out_header]))
    return out, out_header


def _file_bytes_csv(items: list[tuple], newline: str) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline)
    for it in items:
        if it[0] == "text":
            buf.write("".join(line + newline for line in it[1]))
        else:
            w.writerow(it[1])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")  # UTF-8 with BOM: Excel shows the Hangul


def _write_xlsx(path: Path, items: list[tuple]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "decisions"
    for it in items:
        if it[0] == "text":
            for line in it[1]:
                ws.append([line] if line else [])
        else:
            ws.append([_safe(c) if c.startswith("=") else c for c in it[1]])
    with atomic_path(path) as tmp:
        wb.save(tmp)


def record_decision(path: str | Path, quarter: str, area_id: str, stage: str, decided_date: str | date,
                    note: str = "", reference: pd.DataFrame | None = None,
                    params_for: Callable[[str], dict] | None = None, now: datetime | None = None,
                    today: str | None = None) -> DecisionBook:
    """Record a council decision (or a correction of one): check it, append it with the recording time to the
    decisions file (written atomically: the old file stays whole until the new one replaces it) and return
    the file read back. Nothing is written when the file or the decision has a mistake (UserError)."""
    now = now or datetime.now()
    today = today or now.date().isoformat()
    book = read_decisions(path, reference, params_for, today)  # a broken file is fixed first, by hand
    text_date = decided_date.isoformat() if isinstance(decided_date, date) else str(decided_date or "")
    known = dict(zip(reference["area_id"].astype(str), reference["sido_code"].astype(str))) \
        if reference is not None else None
    row, problems = check_row({"quarter": quarter, "area_id": area_id, "decided_stage": stage,
                               "decided_date": text_date, "note": str(note or "")},
                              known, _scale_of(params_for), today)
    if problems:
        raise UserError("결정을 기록하지 않았습니다:\n" + "\n".join(f"  - {p}." for p in problems))
    at = now.replace(microsecond=0)
    same = book.trail[(book.trail["quarter"] == row["quarter"]) & (book.trail["area_id"] == row["area_id"])]
    latest = max((t for t in same[RECORDED_AT] if t), default="")
    if latest and at.isoformat() <= latest:  # a correction in the same second still comes after
        at = datetime.fromisoformat(latest) + timedelta(seconds=1)
    row[RECORDED_AT] = at.isoformat(timespec="seconds")
    target = book.path
    raw = _read_raw(target) if target.is_file() else None
    items, _ = _rows_for_file(raw, book.header, row)
    if target.suffix.lower() == ".xlsx":
        _write_xlsx(target, items)
    else:
        write_atomic(target, _file_bytes_csv(items, raw.newline if raw else "\n"))
    return read_decisions(target, reference, params_for, today)
