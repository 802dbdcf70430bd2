"""The field survey (실태조사) of firms in flagged areas, the analysts' side: the response form, the
questions and their codes, importing filled forms and storing the responses.

- `write_survey_form`: `outputs/<Q>/<sido>/survey_form.xlsx`, the quarter's survey candidates
  (`helpers.survey`) grouped by area, each with its response id (`firm_id`, '<area_id>-<nn>'), the four
  standard questions — 매출, 고용, 자금사정, 수주·생산 — each as this quarter's conditions (현재) and next
  quarter's outlook (전망) on the three-point scale 1 증가·호전 / 2 보통 / 3 감소·악화, the main
  difficulties (one column per choice, 'O' where it applies) and a free-text field, with drop-downs.
- `import_files` (`python -m helpers survey-import FILE…`): reads filled forms (.xlsx, or .csv in UTF-8,
  UTF-8 with BOM or cp949), validates every row against the quarter's candidates
  (`outputs/<Q>/<sido>/survey_candidates.csv`), stores the valid responses in
  `outputs/<Q>/survey/responses.csv` and keeps the rejected rows with their reason in
  `outputs/<Q>/survey/rejected.csv`. Answer rows read = stored + already stored + rejected.

The stored responses name firms (by response id) and carry free text: analysts only. What the council sees
is computed from them by `helpers.bsi` (area aggregates only).
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from helpers import codes
from helpers.errors import UserError
from helpers.export import XLSX_OPTIONS, write_csv_bom
from helpers.files import FORMULA_STARTS, atomic_path
from helpers.periods import QUARTER_RE, quarter_label, shift_quarter
from helpers.survey import SURVEY_HEADERS

QUESTIONS = [("sales", "매출"), ("employment", "고용"), ("funding", "자금사정"), ("orders", "수주·생산")]
PERIODS = [("now", "현재"), ("outlook", "전망")]
SCALE = {1: "증가·호전", 2: "보통", 3: "감소·악화"}
DIFFICULTIES = [("domestic", "내수 부진"), ("exports", "수출 부진"), ("materials", "원자재 가격"),
                ("wages", "인건비"), ("staffing", "인력 부족"), ("financing", "자금 조달"), ("interest", "금리"),
                ("other", "기타")]
MIN_RESPONSES = 3  # fewer answers in an area: the count only, no index (and no difficulties)
LOOKBACK_QUARTERS = 2  # the brief shows the latest survey of its quarter or up to this many quarters earlier
TOP_DIFFICULTIES = 2
CHECKED = {"o", "○", "●", "◯", "1", "v", "✓", "y"}  # marks read as "applies" (case-insensitive)
SYNTHETIC_NOTE = "합성(가상) 자료"

ANSWER_COLUMNS = [f"{q}_{p}" for q, _ in QUESTIONS for p, _ in PERIODS]
DIFFICULTY_COLUMNS = [f"difficulty_{k}" for k, _ in DIFFICULTIES]
CONTENT_COLUMNS = [*ANSWER_COLUMNS, *DIFFICULTY_COLUMNS, "comment"]  # what makes two responses the same
RESPONSE_COLUMNS = ["quarter", "sido_code", "area_id", "firm_id", *CONTENT_COLUMNS, "synthetic", "source_file",
                    "source_row", "imported_at"]

FORM_HEADERS: dict[str, str] = {
    "quarter": "분기", "sido_code": "시도코드", "area_id": "밀집지역코드", "area_name": "밀집지역",
    "stage": "제안 단계", "firm_id": "응답 ID", "name": "사업장명", "industry_name": "업종",
    "members_before": "가입자수(전년 같은 달, 명)", "members_now": "가입자수(최근, 명)", "change": "증감(명)",
    **{f"{q}_{p}": f"{ql} {pl}" for q, ql in QUESTIONS for p, pl in PERIODS},
    **{f"difficulty_{k}": f"애로: {label}" for k, label in DIFFICULTIES},
    "comment": "기타 의견(자유 기술)",
}
FORM_SHEET, GUIDE_SHEET = "응답", "안내"
FORM_INFO_COLUMNS = ["quarter", "sido_code", "area_id", "area_name", "stage", "firm_id", "name", "industry_name",
                     "members_before", "members_now", "change"]
_KEY_OF_HEADER = {h: k for k, h in FORM_HEADERS.items()} | {k: k for k in FORM_HEADERS}
_REJECTED_HEADERS = {"source_file": "파일", "source_row": "행", "reason": "거부 사유"} | FORM_HEADERS


def survey_dir(outputs_root: str | Path, quarter: str) -> Path:
    """Where a quarter's survey responses live: outputs/<Q>/survey/."""
    return Path(outputs_root) / quarter / "survey"


# ---------------------------------------------------------------------------------------------
# The form


def _form_title(quarter: str, sido_code: str, synthetic: bool) -> str:
    title = (f"{codes.SIDO_NAMES.get(str(sido_code), sido_code)} {quarter_label(quarter)} 실태조사 응답 입력표 — "
             "분석가 전용 · 협의회 브리프에 싣지 않음 (사업장 식별정보 포함)")
    return title + (" · ⚠ 합성(가상) 자료: 실제 사업장이 아님" if synthetic else "")


def _guide_lines(quarter: str, sido_code: str, synthetic: bool, months: str) -> list[tuple[str, str]]:
    """The instructions sheet, as (style, text) lines: 'title', 'head' or ''."""
    nxt = quarter_label(shift_quarter(quarter, 1))
    lines = [("title", _form_title(quarter, sido_code, synthetic)),
             ("", f"분기: {quarter} ({quarter_label(quarter)}) · 시도: {codes.SIDO_NAMES.get(str(sido_code), sido_code)} "
                  f"({sido_code}) · 대상: 주의 이상 밀집지역의 가입자 감소 사업장{months}")]
    if synthetic:
        lines.append(("", "⚠ 합성(가상) 자료로 만든 목록입니다. 실제 사업장이 아니며 연습용입니다."))
    lines += [
        ("", "이 파일에는 사업장명 등 개별 사업장 정보가 들어 있습니다. 분석가만 쓰고 외부로 보내지 마세요. "
             "협의회 브리프에는 밀집지역별 집계(BSI, 응답 3곳 이상일 때)만 실립니다."),
        ("head", "입력 방법"),
        ("", "1. '응답' 시트에서 응답한 사업장의 행만 채웁니다. 응답하지 않은 사업장의 행은 비워 두세요 (빈 행은 가져오지 않습니다)."),
        ("", f"2. 매출·고용·자금사정·수주·생산마다 '현재'는 이번 분기({quarter_label(quarter)}) 사정을 직전 분기와 비교해, "
             f"'전망'은 다음 분기({nxt}) 전망을 이번 분기와 비교해 고릅니다: 1 증가·호전, 2 보통(비슷), 3 감소·악화. "
             "칸을 누르면 목록(1·2·3)이 나옵니다. 8칸 모두 채워야 합니다."),
        ("", "3. 주요 애로사항: 해당하는 항목 칸마다 O 를 적습니다 (여러 개 가능, 없으면 비워 둠)."),
        ("", "4. 기타 의견: 자유롭게 적습니다. 분석가용으로만 저장되고 브리프에는 실리지 않습니다."),
        ("", "5. 분기·시도코드·응답 ID 칸은 고치지 마세요. 가져오기가 이 값으로 사업장을 확인합니다."),
        ("head", "가져오기"),
        ("", "python -m helpers survey-import 이파일.xlsx  (CSV 로 저장한 파일도 됩니다: UTF-8, UTF-8 BOM, cp949)"),
        ("", f"응답은 outputs/{quarter}/survey/responses.csv 에 저장됩니다. 문제가 있는 행은 파일과 행 번호, 이유를 "
             f"알려 주고 outputs/{quarter}/survey/rejected.csv 에 따로 두며, 나머지 행은 저장됩니다. 같은 파일을 다시 "
             "가져와도 이미 저장된 응답은 중복 저장되지 않습니다 ('이미 저장됨')."),
        ("head", "BSI(기업경기실사지수) 읽는 법"),
        ("", "BSI = 100 + (호전 응답 비율 − 악화 응답 비율) × 100. 100 초과 = 호전 응답이 많음, 100 미만 = 악화 응답이 많음. "
             "지역의 응답이 3곳 미만이면 지수를 내지 않습니다."),
        ("head", "애로사항 목록"),
        ("", " · ".join(label for _, label in DIFFICULTIES)),
    ]
    return lines


def write_survey_form(candidates: pd.DataFrame, directory: str | Path, quarter: str, sido_code: str, *,
                      synthetic: bool = False) -> Path:
    """`survey_form.xlsx` in `directory`, atomically: an instructions sheet (안내) and the response sheet (응답),
    one row per candidate grouped by area (a line above each new area), the answer columns with drop-downs
    (1·2·3 for the questions, O for the difficulties)."""
    import xlsxwriter

    rows = candidates.sort_values(["area_id", "firm_id"], kind="stable").reset_index(drop=True)
    rows = rows.assign(quarter=quarter, sido_code=rows["sido_code"].astype(str))
    months = ""
    if len(rows) and "month_before" in rows:
        months = f" (가입자수 비교: {rows['month_before'].iloc[0]} → {rows['month_now'].iloc[0]})"
    path = Path(directory) / "survey_form.xlsx"
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        try:
            _write_guide(wb, _guide_lines(quarter, sido_code, synthetic, months))
            _write_form_sheet(wb, rows, _form_title(quarter, sido_code, synthetic))
        finally:
            wb.close()
    return path


def _write_guide(wb, lines: list[tuple[str, str]]) -> None:
    ws = wb.add_worksheet(GUIDE_SHEET)
    fmts = {"title": wb.add_format({"bold": True, "font_size": 13}),
            "head": wb.add_format({"bold": True, "font_size": 11, "top": 1}),
            "": wb.add_format({"text_wrap": True, "valign": "top"})}
    ws.set_column(0, 0, 120)
    for i, (style, text) in enumerate(lines):
        ws.write_string(i, 0, text, fmts[style])
    ws.activate()


def _write_form_sheet(wb, rows: pd.DataFrame, title: str) -> None:
    ws = wb.add_worksheet(FORM_SHEET)
    cols = [*FORM_INFO_COLUMNS, *CONTENT_COLUMNS]
    head = wb.add_format({"bold": True, "bg_color": "#DDE6F0", "pattern": 1, "text_wrap": True, "valign": "vcenter",
                          "border": 1})
    answer_head = wb.add_format({"bold": True, "bg_color": "#FFF2CC", "pattern": 1, "text_wrap": True,
                                 "valign": "vcenter", "border": 1})
    plain, first = wb.add_format({}), wb.add_format({"top": 2})
    ws.write_string(0, 0, title, wb.add_format({"bold": True, "font_size": 13}))
    ws.write_string(1, 0, "척도: 1 증가·호전 · 2 보통 · 3 감소·악화 (현재 = 이번 분기, 전망 = 다음 분기) · 애로사항은 해당 칸에 O · "
                          "노란 칸만 채우세요. 자세한 안내는 '안내' 시트.")
    hdr = 2
    for j, c in enumerate(cols):
        ws.write_string(hdr, j, FORM_HEADERS[c], answer_head if c in CONTENT_COLUMNS else head)
        width = 40 if c == "comment" else 22 if c in ("area_name", "name", "industry_name") else 9
        ws.set_column(j, j, width)
    ws.set_row(hdr, 45)
    prev_area = None
    for i, r in enumerate(rows.to_dict("records"), start=hdr + 1):
        fmt = first if r["area_id"] != prev_area else plain
        prev_area = r["area_id"]
        for j, c in enumerate(cols):
            v = r.get(c)
            if c in FORM_INFO_COLUMNS and v is not None and v == v:
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(i, j, v, fmt)
                else:
                    ws.write_string(i, j, str(v), fmt)
            else:
                ws.write_blank(i, j, None, fmt)
    last = hdr + max(len(rows), 1)
    for c in CONTENT_COLUMNS:
        j = cols.index(c)
        if c in ANSWER_COLUMNS:
            ws.data_validation(hdr + 1, j, last, j, {
                "validate": "list", "source": ["1", "2", "3"], "input_title": FORM_HEADERS[c][:32],
                "input_message": "1 증가·호전 / 2 보통 / 3 감소·악화", "error_title": "1·2·3 중 하나",
                "error_message": "1(증가·호전), 2(보통), 3(감소·악화) 중 하나를 고르세요."})
        elif c in DIFFICULTY_COLUMNS:
            ws.data_validation(hdr + 1, j, last, j, {
                "validate": "list", "source": ["O"], "input_title": FORM_HEADERS[c][:32],
                "input_message": "해당하면 O, 아니면 비워 둡니다.", "error_title": "O 또는 빈칸",
                "error_message": "해당하면 O 를 고르고, 아니면 비워 두세요."})
    ws.freeze_panes(hdr + 1, FORM_INFO_COLUMNS.index("name") + 1)
    if not len(rows):
        ws.write_string(hdr + 1, 0, "이번 분기에는 실태조사 후보 사업장이 없습니다.")


# ---------------------------------------------------------------------------------------------
# Reading filled forms


@dataclass
class FormRow:
    """One row of a filled form: file name, row number as a spreadsheet shows it, cells by column key."""

    file: str
    row: int
    cells: dict[str, str]
    problems: list[str] = field(default_factory=list)
    record: dict | None = None  # the validated response


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """(text, had undecodable bytes): UTF-8 with BOM, UTF-8, else cp949; when neither reads the whole file,
    the one that reads more, with U+FFFD where bytes could not be read."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
        return text, "\ufffd" in text
    for enc in ("utf-8", "cp949"):
        try:
            return data.decode(enc), False
        except UnicodeDecodeError:
            pass
    options = [data.decode(enc, errors="replace") for enc in ("utf-8", "cp949")]
    return min(options, key=lambda t: t.count("\ufffd")), True


def _records_of(path: Path) -> tuple[list[tuple[int, list[str]]], bool]:
    """[(spreadsheet row number, cells)] of a CSV or XLSX file, and whether undecodable bytes were met."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 — any unreadable workbook is the user's file problem
            raise UserError(f"{path.name}: 엑셀 파일을 열 수 없습니다 ({type(exc).__name__}).") from exc
        try:
            sheets = [wb[FORM_SHEET]] if FORM_SHEET in wb.sheetnames else list(wb.worksheets)
            for ws in sheets:
                recs = [(i, [_cell(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), 1)]
                if _header_index(recs) is not None:
                    return recs, False
            return [], False
        finally:
            wb.close()
    if path.suffix.lower() not in (".csv", ".txt"):
        raise UserError(f"{path.name}: .xlsx 또는 .csv 파일만 가져올 수 있습니다.")
    text, bad = _decode(path.read_bytes(), path.name)
    return [(i, [c.strip() for c in rec]) for i, rec in enumerate(csv.reader(io.StringIO(text, newline="")), 1)], bad


def _header_index(recs: list[tuple[int, list[str]]]) -> int | None:
    for k, (_, cells) in enumerate(recs[:15]):
        if FORM_HEADERS["firm_id"] in cells or "firm_id" in cells:
            return k
    return None


def read_form(path: str | Path) -> tuple[list[FormRow], int]:
    """The answer rows of a filled form and the number of blank rows left out (nothing in the answer,
    difficulty and comment columns: the firm did not answer). A file without the response-id and answer
    columns is a UserError."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: 파일이 없습니다.")
    recs, bad_bytes = _records_of(path)
    k = _header_index(recs)
    if k is None:
        raise UserError(f"{path.name}: '{FORM_HEADERS['firm_id']}' 열이 있는 머리글 행을 찾을 수 없습니다. "
                        "실태조사 응답 입력표(survey_form.xlsx)의 '응답' 시트, 또는 그 시트를 CSV 로 저장한 파일이어야 합니다.")
    header = [_KEY_OF_HEADER.get(h, "") for h in recs[k][1]]
    missing = [FORM_HEADERS[c] for c in ANSWER_COLUMNS if c not in header]
    if missing:
        raise UserError(f"{path.name}: 응답 열이 없습니다: {', '.join(missing)}.")
    rows, blank = [], 0
    for num, cells in recs[k + 1:]:
        by_key = {key: cells[j] if j < len(cells) else "" for j, key in enumerate(header) if key}
        if not any(by_key.get(c, "") for c in CONTENT_COLUMNS):
            blank += any(cells)
            continue
        row = FormRow(path.name, num, by_key)
        if bad_bytes and any("\ufffd" in v for v in cells):
            row.problems.append("읽을 수 없는 글자가 있습니다 (UTF-8 로도 cp949 로도 읽히지 않는 바이트). 파일을 UTF-8 "
                                "또는 cp949 로 다시 저장하세요")
        rows.append(row)
    return rows, blank


def _file_quarter(rows: list[FormRow], name: str, quarter: str | None) -> str:
    """The quarter of a file's rows: `--quarter`, else the one value of its 분기 column (the most common one
    when rows differ; those rows are then rejected)."""
    if quarter:
        return quarter
    values = pd.Series([r.cells.get("quarter", "").upper() for r in rows])
    values = values[values.map(lambda v: bool(QUARTER_RE.fullmatch(v)))]
    if values.empty:
        raise UserError(f"{name}: 분기를 알 수 없습니다 ('{FORM_HEADERS['quarter']}' 열이 없거나 비어 있음). "
                        "--quarter 2026Q3 처럼 지정하세요.")
    return str(values.value_counts().index[0])


# ---------------------------------------------------------------------------------------------
# Validation and storage


def load_candidates(outputs_root: str | Path, quarter: str) -> pd.DataFrame:
    """The quarter's survey candidates of every province (`outputs/<Q>/<sido>/survey_candidates.csv`),
    indexed by firm_id: sido_code, area_id, synthetic."""
    frames = []
    for p in sorted(Path(outputs_root, quarter).glob("*/survey_candidates.csv")):
        df = pd.read_csv(p, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        if SURVEY_HEADERS["firm_id"] not in df:
            raise UserError(f"{p}: 후보 목록에 '{SURVEY_HEADERS['firm_id']}' 열이 없습니다 (이전 버전으로 만든 목록). "
                            f"{quarter} 분기를 다시 실행하세요 (python -m helpers run --quarter {quarter} --force).")
        synthetic = df.get(SURVEY_HEADERS["data_note"], pd.Series("", index=df.index)) == SYNTHETIC_NOTE
        frames.append(pd.DataFrame({"firm_id": df[SURVEY_HEADERS["firm_id"]], "sido_code": df[SURVEY_HEADERS["sido_code"]],
                                    "area_id": df[SURVEY_HEADERS["area_id"]], "synthetic": synthetic}))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["firm_id", "sido_code", "area_id", "synthetic"])
    return out.drop_duplicates("firm_id").set_index("firm_id")


def load_responses(outputs_root: str | Path, quarter: str) -> pd.DataFrame:
    """The quarter's stored responses (every column text), empty with the columns when there are none."""
    path = survey_dir(outputs_root, quarter) / "responses.csv"
    if not path.is_file():
        return pd.DataFrame(columns=RESPONSE_COLUMNS, dtype=str)
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    return df.reindex(columns=RESPONSE_COLUMNS, fill_value="")


def _scale_code(text: str) -> str | None:
    t = text.strip()
    if t[:1] in ("1", "2", "3") and (len(t) == 1 or t[1] == " " or t[1:] in (".0",)):
        return t[0]
    return None


def _validate(row: FormRow, quarter: str, cands: pd.DataFrame) -> None:
    """Check one row (appending Korean problems to `row.problems`); a clean row gets its `record`."""
    c = row.cells
    given_q = c.get("quarter", "").upper()
    if given_q and given_q != quarter:
        row.problems.append(f"분기 '{c['quarter']}' 가 가져오는 분기 {quarter} 와 다릅니다")
    firm = c.get("firm_id", "")
    cand = None
    if not firm:
        row.problems.append("응답 ID 가 비어 있습니다")
    elif firm not in cands.index:
        row.problems.append(f"응답 ID '{firm}' 는 {quarter} 실태조사 후보에 없습니다 (outputs/{quarter}/<시도코드>/"
                            "survey_candidates.csv)")
    else:
        cand = cands.loc[firm]
        if c.get("sido_code") and c["sido_code"] != cand["sido_code"]:
            row.problems.append(f"시도코드 '{c['sido_code']}' 가 응답 ID '{firm}' 의 시도({cand['sido_code']})와 다릅니다")
    answers = {}
    for col in ANSWER_COLUMNS:
        v = c.get(col, "")
        code = _scale_code(v)
        if not v:
            row.problems.append(f"{FORM_HEADERS[col]} 응답이 비어 있습니다")
        elif code is None:
            row.problems.append(f"{FORM_HEADERS[col]} '{v}' 는 1·2·3 중 하나여야 합니다")
        answers[col] = code
    for col in DIFFICULTY_COLUMNS:
        v = c.get(col, "")
        if v and v.lower() not in CHECKED and v != "0":
            row.problems.append(f"{FORM_HEADERS[col]} '{v}' — 해당하면 O, 아니면 빈칸이어야 합니다")
        answers[col] = "1" if v.lower() in CHECKED else "0"
    comment = " ".join(c.get("comment", "").split())
    answers["comment"] = "'" + comment if comment.startswith(FORMULA_STARTS) else comment  # as stored (CSV safety)
    if not row.problems and cand is not None:
        row.record = {"quarter": quarter, "sido_code": cand["sido_code"], "area_id": cand["area_id"], "firm_id": firm,
                      **answers, "synthetic": "1" if bool(cand["synthetic"]) else "0", "source_file": row.file,
                      "source_row": str(row.row)}


def _content(record: dict) -> tuple:
    return tuple(str(record.get(c, "")) for c in CONTENT_COLUMNS)


def _check_duplicates(rows: list[FormRow], stored: pd.DataFrame) -> list[FormRow]:
    """Rows answering for the same firm twice (among the files, or against what is stored) get a problem;
    returns the rows identical to a stored response ('이미 저장됨', neither stored again nor rejected)."""
    by_firm: dict[str, list[FormRow]] = {}
    for r in rows:
        if r.record:
            by_firm.setdefault(r.record["firm_id"], []).append(r)
    for firm, group in by_firm.items():
        where = ", ".join(f"{g.file} {g.row}행" for g in group)
        if len({_content(g.record) for g in group}) > 1:
            for g in group:
                g.problems.append(f"응답 ID '{firm}' 에 서로 다른 응답이 여러 행에 있습니다 ({where}); 어느 것이 맞는지 "
                                  "알 수 없어 저장하지 않았습니다")
        else:
            for g in group[1:]:
                g.problems.append(f"중복: 응답 ID '{firm}' 의 같은 응답이 {group[0].file} {group[0].row}행에 있어 한 번만 "
                                  "저장합니다")
    known = {r["firm_id"]: r for r in stored.to_dict("records")}
    already = []
    for r in rows:
        if r.problems or not r.record or r.record["firm_id"] not in known:
            continue
        old = known[r.record["firm_id"]]
        if _content(old) == _content(r.record):
            already.append(r)
        else:
            r.problems.append(f"응답 ID '{r.record['firm_id']}' 의 다른 응답이 이미 저장되어 있습니다 ({old['source_file']} "
                              f"{old['source_row']}행에서 가져옴). 고치려면 responses.csv 에서 그 행을 지운 뒤 다시 가져오세요")
    return already


@contextlib.contextmanager
def _locked(folder: Path):
    """One writer of a quarter's survey folder at a time (an import, or the demo's synthetic responses)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".import.lock", "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def store_responses(outputs_root: str | Path, quarter: str, records: pd.DataFrame) -> int:
    """Add `records` (RESPONSE_COLUMNS) to the quarter's responses.csv (UTF-8 with BOM), atomically, leaving
    out firms already stored; returns how many were added."""
    folder = survey_dir(outputs_root, quarter)
    with _locked(folder):
        return _append_responses(folder, load_responses(outputs_root, quarter), records)


def _append_responses(folder: Path, stored: pd.DataFrame, records: pd.DataFrame) -> int:
    new = records.reindex(columns=RESPONSE_COLUMNS).astype(str)
    new = new[~new["firm_id"].isin(stored["firm_id"])]
    if new.empty:
        return 0
    out = pd.concat([stored, new], ignore_index=True).sort_values(["sido_code", "area_id", "firm_id"], kind="stable")
    write_csv_bom(out, folder / "responses.csv")
    return len(new)


def _write_rejected(folder: Path, rows: list[FormRow], files: set[str]) -> Path:
    """rejected.csv: the earlier rejects of files not imported now, and this import's rejects, each with its
    file, row, reason and cells as read (Korean headers)."""
    path = folder / "rejected.csv"
    cols = ["source_file", "source_row", "reason", *[c for c in FORM_HEADERS]]
    old = pd.DataFrame(columns=cols)
    if path.is_file():
        old = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        old = old.rename(columns={h: k for k, h in _REJECTED_HEADERS.items()}).reindex(columns=cols, fill_value="")
        old = old[~old["source_file"].isin(files)]
    new = pd.DataFrame([{**r.cells, "source_file": r.file, "source_row": str(r.row), "reason": "; ".join(r.problems)}
                        for r in rows], columns=cols)
    out = pd.concat([old, new], ignore_index=True).fillna("")
    if out.empty:
        path.unlink(missing_ok=True)
        return path
    write_csv_bom(out, path, headers=_REJECTED_HEADERS)
    return path


@dataclass
class ImportReport:
    """What an import did. Answer rows read = stored + already + rejected (blank rows are not answers)."""

    read: int = 0
    stored: int = 0
    already: int = 0
    rejected: int = 0
    blank: int = 0
    problems: list[str] = field(default_factory=list)  # '<file> <row>행: <reason>'
    unusable: list[str] = field(default_factory=list)  # files that could not be read at all
    folders: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.unusable


def import_files(paths: list[str | Path], outputs_root: str | Path, quarter: str | None = None) -> ImportReport:
    """Import filled survey forms: validate every answer row, store the good ones, keep the bad ones aside
    with their reason (see the module docstring). Never raises for a bad row or file: the report says."""
    report = ImportReport()
    by_quarter: dict[str, list[FormRow]] = {}
    for p in paths:
        try:
            rows, blank = read_form(p)
            report.blank += blank
            q = _file_quarter(rows, Path(p).name, quarter) if rows else None
        except UserError as exc:
            report.unusable.append(str(exc))
            continue
        if q is None:
            report.unusable.append(f"{Path(p).name}: 응답이 적힌 행이 없습니다.")
            continue
        by_quarter.setdefault(q, []).extend(rows)
    for q, rows in sorted(by_quarter.items()):
        _import_quarter(Path(outputs_root), q, rows, report)
    return report


def _import_quarter(outputs_root: Path, quarter: str, rows: list[FormRow], report: ImportReport) -> None:
    folder = survey_dir(outputs_root, quarter)
    try:
        cands = load_candidates(outputs_root, quarter)
    except UserError as exc:
        report.unusable.append(str(exc))
        cands = pd.DataFrame(columns=["sido_code", "area_id", "synthetic"])
    else:
        if cands.empty:
            report.unusable.append(f"{quarter} 분기의 실태조사 후보 목록이 없습니다 ({outputs_root / quarter}/<시도코드>/"
                                   "survey_candidates.csv). 그 분기를 먼저 실행하세요 (python -m helpers run --quarter "
                                   f"{quarter}).")
    with _locked(folder):
        for r in rows:
            _validate(r, quarter, cands)
        stored = load_responses(outputs_root, quarter)
        already = _check_duplicates(rows, stored)
        good = [r for r in rows if not r.problems and r not in already]
        bad = [r for r in rows if r.problems]
        stamp = datetime.now().isoformat(timespec="seconds")
        added = _append_responses(folder, stored, pd.DataFrame([{**r.record, "imported_at": stamp} for r in good],
                                                               columns=RESPONSE_COLUMNS))
        _write_rejected(folder, bad, {r.file for r in rows})
    report.read += len(rows)
    report.stored += added
    report.already += len(already)
    report.rejected += len(bad)
    report.problems += [f"{r.file} {r.row}행: {'; '.join(r.problems)}" for r in bad]
    report.folders.append(folder)


def cli_survey_import(args) -> int:
    """`python -m helpers survey-import FILE…`: exit 0 when every answer row is stored (or already was), a
    UserError (exit 2) when some rows were rejected or a file was unusable — the good rows are stored."""
    from helpers.params import load_config
    from helpers.periods import check_quarter

    quarter = check_quarter(args.quarter)
    root = load_config().path("outputs", args.out)
    rep = import_files(args.files, root, quarter)
    for msg in rep.unusable:
        print(f"사용할 수 없음: {msg}")
    limit = 200
    for msg in rep.problems[:limit]:
        print(f"거부: {msg}")
    if len(rep.problems) > limit:
        print(f"… 나머지 {len(rep.problems) - limit}건은 rejected.csv 에 있습니다.")
    print(f"실태조사 응답 가져오기: 읽은 응답 {rep.read}행 = 새로 저장 {rep.stored} + 이미 저장됨 {rep.already} + "
          f"거부 {rep.rejected}" + (f" (응답이 없는 빈 행 {rep.blank}개는 건너뜀)" if rep.blank else ""))
    for folder in dict.fromkeys(rep.folders):
        print(f"  저장 위치: {folder / 'responses.csv'}")
    if rep.ok:
        return 0
    kept = f"문제가 없는 {rep.stored + rep.already}행은 저장되어 있습니다"
    where = ", ".join(str(f / "rejected.csv") for f in dict.fromkeys(rep.folders)) or "없음"
    raise UserError(f"일부 행 또는 파일을 가져오지 못했습니다 (거부 {rep.rejected}행, 사용할 수 없는 파일 {len(rep.unusable)}개). "
                    f"{kept}. 거부된 행은 이유와 함께 {where} 에 있습니다. 고친 뒤 같은 파일을 다시 가져오면 "
                    "이미 저장된 행은 건너뜁니다.")
