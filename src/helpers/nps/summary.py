"""What an ingest reports, and its Korean text: `FileReport` (one raw file), `IngestSummary` (one run).

The words shown to users live here: file status (새로 읽음 / 변경 없음 / 다시 읽음), use
(사용 / 일부 제외 / 제외 / 자료 없음), the note on a month taken from another file, the
warnings and the terminal summary (`IngestSummary.render`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from helpers.nps.header import VINTAGE_CURRENT
from helpers.periods import month_index, month_range


@dataclass
class FileReport:
    """What reading one raw file gave. `read = accepted + rejected + duplicates` (rows, header excluded).

    `status`: 새로 읽음 (read this run), 변경 없음 (unchanged since the last run, not read),
    다시 읽음 (unchanged, read again to rebuild a month). `use`: 사용 / 일부 제외 / 제외 (its months
    are taken from another file, see `excluded_months` and `note`) / 자료 없음.
    """

    file: str
    months: list[str]
    encoding: str
    read: int
    accepted: int
    rejected: int
    duplicates: int
    undecodable_bytes: int
    status: str = "새로 읽음"
    use: str = "사용"
    excluded_months: list[str] = field(default_factory=list)
    month_rows: dict[str, int] = field(default_factory=dict)
    sha256: str = ""
    note: str = ""
    vintage: str = VINTAGE_CURRENT
    unknown_sido: dict[str, int] = field(default_factory=dict)  # sido code no province has → accepted rows
    quarantine: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.rejected + self.duplicates

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("quarantine")
        return d

    def exclude(self, months: list[str], notes: list[str]) -> None:
        """Record the months this file holds but another file supplies, and why (`copy_note`, `fewer_rows_note`)."""
        self.excluded_months = months
        if self.months:
            self.use = "사용" if not months else ("제외" if len(months) == len(self.months) else "일부 제외")
        self.note = "; ".join(notes)


def copy_note(month: str, winner: str) -> str:
    """Note on a file whose month is taken from `winner`, a byte-identical copy."""
    return f"{month}: {winner} 와(과) 내용이 같은 사본이라 제외했습니다"


def fewer_rows_note(month: str, winner: str, winner_rows: int, rows: int) -> str:
    """Note on a file whose month is taken from `winner` (more rows, or a later upload on a tie)."""
    why = "행 수가 같아 게시일이 늦은 쪽" if winner_rows == rows else "채택 행이 더 많은 쪽"
    return f"{month}: 같은 월의 {winner} ({winner_rows:,}행, {why})을(를) 쓰고 이 파일 ({rows:,}행)은 제외했습니다"


@dataclass
class IngestSummary:
    """Result of `ingest`: one `FileReport` per raw file, the cached months and the gaps between them."""

    raw_dir: Path
    cache_dir: Path
    files: list[FileReport]
    months: list[str]
    missing_months: list[str]
    month_sources: dict[str, str]
    rebuilt_months: list[str]
    removed_files: list[str]
    synthetic: bool
    quarantined: int
    skipped_files: list[tuple[str, str]] = field(default_factory=list)  # (file, Korean reason) not read
    damaged_months: list[str] = field(default_factory=list)  # cached months rebuilt after a failed checksum

    def to_frame(self) -> pd.DataFrame:
        """One row per raw file (the data-quality table)."""
        cols = ["file", "months", "encoding", "vintage", "read", "accepted", "rejected", "duplicates",
                "undecodable_bytes", "unknown_sido_rows", "status", "use", "excluded_months", "note"]
        rows = []
        for r in self.files:
            d = r.to_dict()
            d["months"] = ", ".join(r.months)
            d["excluded_months"] = ", ".join(r.excluded_months)
            d["unknown_sido_rows"] = sum(r.unknown_sido.values())
            rows.append({c: d[c] for c in cols})
        for f, why in self.skipped_files:  # files in the folder that were not read, and why
            rows.append({**{c: 0 for c in cols}, "file": f, "months": "", "encoding": "", "vintage": "",
                         "status": "읽지 않음", "use": "읽지 않음", "excluded_months": "", "note": why})
        return pd.DataFrame(rows, columns=cols)

    def warnings(self) -> list[str]:
        """Korean warnings about the data (lines starting with '  ! ')."""
        out = []
        for r in self.files:
            if r.accepted == 0 and r.rejected > 0:
                out.append(f"  ! {r.file}: 모든 행({r.rejected:,}개)이 격리되어 이 파일의 자료는 쓰지 않았습니다. "
                           "사유는 캐시 폴더의 quarantine.csv 에 있습니다 (예: 자료생성년월이 YYYY-MM 이 아님).")
            if r.unknown_sido and r.use != "제외":
                codes_text = ", ".join(f"{c} ({n:,}행)" for c, n in r.unknown_sido.items())
                out.append(f"  ! {r.file}: 현행 시도에 없는 시도코드 {codes_text} — 이 행들은 어느 시도·밀집지역에도 "
                           "들어가지 않습니다. 행정구역이 바뀌었다면 params/code_changes.csv 에 변경을 한 행 더하세요.")
        return out

    def _odd_month_lines(self, share: float = 0.05) -> list[str]:
        """Months whose accepted rows differ from the median of the months around them (±3) by more than
        `share`: a cut-off or relabelled file shows here already (per province: the panel's check)."""
        rows: dict[str, int] = {}
        for r in self.files:
            for m, n in r.month_rows.items():
                if self.month_sources.get(m) == r.file:
                    rows[m] = n
        out = []
        for m in sorted(rows):
            near = [rows[n] for n in rows if n != m and abs(month_index(n) - month_index(m)) <= 3]
            if not near:
                continue
            ref = float(pd.Series(near).median())
            if ref > 0 and abs(rows[m] / ref - 1) > share:
                out.append(f"  ! {m} 월 채택 행 {rows[m]:,}개가 앞뒤 달(중앙값 {ref:,.0f}개)보다 "
                           f"{abs(rows[m] / ref - 1) * 100:.0f}% {'적습니다' if rows[m] < ref else '많습니다'}: 잘린 파일이거나 "
                           "다른 달로 적힌 행일 수 있습니다 (그 분기는 판단유보가 됩니다).")
        return out

    def render(self) -> str:
        """Korean text summary for the terminal and notebooks."""
        out = []
        if self.synthetic:
            out.append("※ 합성(가상) 자료입니다. 실제 국민연금 자료가 아닙니다.")
        out.append(f"원자료 폴더: {self.raw_dir}")
        out.append(f"캐시 폴더: {self.cache_dir}")
        out.append(f"파일 {len(self.files)}개")
        for r in self.files:
            out.extend(_file_lines(r))
        out.extend(self.warnings())
        for f, why in self.skipped_files:
            out.append(f"  · {f} [읽지 않음] {why}")
        for f in self.removed_files:
            out.append(f"  · {f} [삭제됨] 캐시에서 뺐습니다.")
        for m in self.damaged_months:
            out.append(f"  ! 캐시의 {m} 월 파일이 손상되어(검사값 불일치) 원자료에서 다시 만들었습니다.")
        if self.months:
            out.append(f"캐시된 월: {_month_span_text(self.months)} ({len(self.months)}개월)")
        else:
            out.append("캐시된 월이 없습니다.")
        out.extend(self._odd_month_lines())
        all_quarantined = [r.file for r in self.files if r.accepted == 0 and r.rejected > 0]
        for m in self.missing_months:
            hint = f" (모든 행이 격리된 파일 {', '.join(all_quarantined)} 이 이 달의 것일 수 있습니다)" if all_quarantined else ""
            out.append(f"  ! {m} 월 자료가 없습니다{hint}.")
        if self.rebuilt_months:
            out.append(f"이번에 다시 만든 월: {_month_span_text(self.rebuilt_months)}")
        elif all(r.status == "변경 없음" for r in self.files) and not self.removed_files:
            out.append("바뀐 파일이 없어 캐시를 그대로 썼습니다.")
        if self.quarantined:
            out.append(f"격리된 행 {self.quarantined:,}개: {self.cache_dir / 'quarantine.csv'}")
        return "\n".join(out)


def _file_lines(r: FileReport) -> list[str]:
    """One file's line of the summary (and its note, if any)."""
    months = _month_span_text(r.months) or "-"
    line = (f"  · {r.file} [{r.status}, {r.use}] 월 {months}, 인코딩 {r.encoding}: "
            f"읽은 행 {r.read:,} = 정상 {r.accepted:,} + 격리 {r.rejected:,} + 중복 {r.duplicates:,}")
    if r.undecodable_bytes:
        line += f", 해독 불가 바이트 {r.undecodable_bytes:,}"
    if r.vintage != VINTAGE_CURRENT:
        line += f", 머리글 {r.vintage}"
    return [line, f"      {r.note}"] if r.note else [line]


def _month_span_text(months: list[str]) -> str:
    if not months:
        return ""
    if len(months) > 3 and months == month_range(months[0], months[-1]):
        return f"{months[0]} ~ {months[-1]}"
    return ", ".join(months)
