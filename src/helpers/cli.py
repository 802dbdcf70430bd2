"""Command line: `python -m helpers <command>` (also installed as `sme-monitor`).

Exit codes: 0 success, 1 some provinces failed (batch) or a bulletin PDF could not be made, 2 unusable
arguments or inputs (a Korean message), 3 an internal error (the traceback goes to a log file the message names).
Messages to users are Korean.
"""

from __future__ import annotations

import argparse
import sys

from helpers.errors import UserError


class _KoreanParser(argparse.ArgumentParser):
    """argparse with its error line in Korean (exit code 2, as for any unusable argument)."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"오류: 명령 인수를 이해할 수 없습니다 ({message}). 도움말: python -m helpers -h\n")


def _parser() -> argparse.ArgumentParser:
    p = _KoreanParser(prog="python -m helpers", description="지역중소기업 위기징후 모니터링 도구")
    sub = p.add_subparsers(dest="command", required=True, metavar="명령", parser_class=_KoreanParser)

    d = sub.add_parser("demo-data", help="합성(가상) 국민연금 사업장 월별 파일 생성")
    d.add_argument("--scale", choices=("demo", "national"), default="demo",
                   help="규모: demo (기본, 사업장 약 3만 곳, 실제 밀집지역 59곳) 또는 national (사업장 약 52만 곳·월 약 60만 행, "
                        "합성 밀집지역 2,185곳 기준표 포함)")
    d.add_argument("--out", default=None, help="출력 폴더 (기본: data/demo/nps, national 은 data/demo/national/nps)")
    d.add_argument("--workplaces", type=int, default=None, help="전국 사업장 수 (기본 30000, national 은 520000)")
    d.add_argument("--months", default="2024-07:2026-09", help="기간 YYYY-MM:YYYY-MM")
    d.add_argument("--seed", type=int, default=20260930, help="난수 시드")

    i = sub.add_parser("ingest", help="월별 파일 검증 및 캐시")
    i.add_argument("--raw-dir", default=None, help="원자료 폴더 (기본: data/raw/nps, 없으면 데모 자료)")
    i.add_argument("--recursive", action="store_true", help="하위 폴더의 CSV 도 읽기 (기본: 읽지 않고 알림)")

    s = sub.add_parser("stages", help="위기단계 표(stages.csv) 작성")
    s.add_argument("--quarter", default=None, help="분기 YYYYQn (기본: 자료의 최근 완결 분기)")
    s.add_argument("--raw-dir", default=None)
    s.add_argument("--areas", default=None, help="밀집지역 기준표 CSV")
    s.add_argument("--out", default=None, help="출력 파일 (기본: outputs/<분기>/stages.csv)")

    r = sub.add_parser("run", help="분기 일괄 실행 (시도별 노트북, 브리프, 색인)")
    r.add_argument("--quarter", default=None)
    r.add_argument("--provinces", default="all", help="all 또는 시도코드 목록 (예: 26,48)")
    r.add_argument("--raw-dir", default=None)
    r.add_argument("--areas", default=None)
    r.add_argument("--out", default=None, help="출력 폴더 (기본: outputs)")
    r.add_argument("--workers", type=int, default=None, help="동시 실행 수 (기본: CPU 코어 수)")
    r.add_argument("--force", action="store_true",
                   help="입력이 바뀌지 않았어도 지표 패널·모든 시도·색인을 다시 계산 (기본: 바뀐 것만 다시 실행하고 "
                        "나머지는 이전 결과 재사용)")

    a = sub.add_parser("alerts", help="월별 조기경보 표(alerts.csv) 작성: 그 달까지의 자료만으로 계산")
    a.add_argument("--month", default=None, help="월 YYYY-MM (기본: 자료의 최근 월)")
    a.add_argument("--from", dest="start", default=None, metavar="YYYY-MM", help="기간 시작 월 (--to 와 함께)")
    a.add_argument("--to", dest="end", default=None, metavar="YYYY-MM", help="기간 끝 월 (--from 과 함께)")
    a.add_argument("--raw-dir", default=None)
    a.add_argument("--areas", default=None, help="밀집지역 기준표 CSV")
    a.add_argument("--out", default=None,
                   help="출력 파일 (기본: outputs/alerts/alerts_<월>.csv, 기간이면 alerts_<시작>_<끝>.csv)")

    b = sub.add_parser("bulletin", help="시도별 월간 위기징후 속보(한 쪽, HTML·PDF): 새 경보, 계속되는 경보, 분기 전망(추정)")
    b.add_argument("--month", default=None, help="월 YYYY-MM (기본: 자료의 최근 월)")
    b.add_argument("--provinces", default="all", help="all 또는 시도코드 목록 (예: 41,48)")
    b.add_argument("--raw-dir", default=None)
    b.add_argument("--areas", default=None, help="밀집지역 기준표 CSV")
    b.add_argument("--out", default=None, help="출력 폴더 (기본: outputs; 속보는 <폴더>/bulletins/<월>/<시도코드>/)")
    b.set_defaults(start=None, end=None)

    v = sub.add_parser("survey-import", help="실태조사 응답(엑셀·CSV) 검증 후 저장 (outputs/<분기>/survey/responses.csv)")
    v.add_argument("files", nargs="+", metavar="FILE", help="채운 survey_form.xlsx, 또는 그 '응답' 시트를 저장한 CSV "
                                                          "(UTF-8, UTF-8 BOM, cp949)")
    v.add_argument("--quarter", default=None, help="분기 YYYYQn (기본: 파일의 '분기' 열)")
    v.add_argument("--out", default=None, help="출력 폴더 (기본: outputs)")
    return p


def cli_stages(args) -> int:
    """`python -m helpers stages`: the stage table for every province, without notebooks."""
    from helpers import codes
    from helpers.files import write_atomic
    from helpers.params import load_config
    from helpers.periods import check_quarter
    from helpers.stages import quarter_stages, stages_csv_bytes
    from helpers.workspace import open_panel, pick_quarter

    quarter = check_quarter(args.quarter)
    config = load_config()
    panel = open_panel(args.raw_dir, args.areas, config)
    quarter = pick_quarter(panel, quarter)
    for w in panel.warnings():
        print(f"경고: {w}", file=sys.stderr)
    st = quarter_stages(panel, quarter, list(codes.SIDO_NAMES))
    out = config.path("outputs", args.out) if args.out else config.path("outputs") / quarter / "stages.csv"
    write_atomic(out, stages_csv_bytes(st))
    counts = st["stage"].value_counts()
    tag = " [합성(가상) 자료]" if panel.synthetic else ""
    print(f"{quarter} 위기단계 표를 {out} 에 저장했습니다{tag}.")
    print("  " + ", ".join(f"{k} {v}곳" for k, v in counts.items()))
    return 0


def _check_alert_args(args) -> None:
    """The month arguments on their own, before any long work (Korean UserError)."""
    from helpers.periods import check_month

    if args.month and (args.start or args.end):
        raise UserError("--month 와 --from/--to 는 함께 쓸 수 없습니다. 한 달이면 --month, 기간이면 --from 과 --to 를 쓰세요.")
    if bool(args.start) != bool(args.end):
        raise UserError("기간은 --from 과 --to 를 함께 주어야 합니다 (예: --from 2025-01 --to 2026-09).")
    check_month(args.month, "--month 월")
    check_month(args.start, "--from 월")
    check_month(args.end, "--to 월")
    if args.start and args.start > args.end:
        raise UserError(f"--from {args.start} 가 --to {args.end} 보다 늦습니다.")


def _alert_months(args, months: list[str]) -> tuple[str, str]:
    """(first, last) month asked for, checked against the data's months (default: the latest month)."""
    have = f"자료에 있는 달: {months[0]} ~ {months[-1]}" if months else "자료에 달이 없습니다"
    if args.start:
        for m in (args.start, args.end):
            if not months or not months[0] <= m <= months[-1]:
                raise UserError(f"{m} 은(는) 자료 기간 밖입니다 ({have}).")
        return args.start, args.end
    month = args.month or (months[-1] if months else None)
    if month not in months:
        raise UserError(f"{month} 월의 자료가 없습니다 ({have}).")
    return month, month


def cli_alerts(args) -> int:
    """`python -m helpers alerts`: the monthly early-warning table (alerts.csv, UTF-8 with BOM)."""
    from helpers.alerts import ALERT_COLUMNS, SIGNAL_LABELS, alerts_between
    from helpers.export import write_csv_bom
    from helpers.params import load_config
    from helpers.workspace import open_panel

    _check_alert_args(args)
    config = load_config()
    panel = open_panel(args.raw_dir, args.areas, config)
    start, end = _alert_months(args, panel.months)
    for w in panel.warnings():
        print(f"경고: {w}", file=sys.stderr)
    table = alerts_between(panel, start, end)
    name = f"alerts_{start}.csv" if start == end else f"alerts_{start}_{end}.csv"
    out = config.path("outputs", args.out) if args.out else config.path("outputs") / "alerts" / name
    write_csv_bom(table, out)
    tag = " [합성(가상) 자료]" if panel.synthetic else ""
    span = start if start == end else f"{start} ~ {end}"
    print(f"{span} 월별 조기경보 {len(table):,}건을 {out} 에 저장했습니다{tag}.")
    absent = [m for m in panel.missing_months if start <= m <= end]
    if absent:
        print(f"  자료에 없는 달(경보 없음): {', '.join(absent)}")
    for signal, label in SIGNAL_LABELS.items():
        rows = table[table["signal"] == signal]
        if len(rows):
            levels = rows["level"].value_counts()
            print(f"  {label}({signal}): " + ", ".join(f"{lv} {levels.get(lv, 0)}건" for lv in ("경계", "관심")))
    if not len(table):
        print("  켜진 신호가 없습니다.")
    print(f"  열: {', '.join(ALERT_COLUMNS)} (그 달까지의 자료만으로 계산; 사업장 이름은 싣지 않음)")
    return 0


def cli_bulletin(args) -> int:
    """`python -m helpers bulletin`: one page per province for the month (HTML and PDF) and an index.
    Exit 1 when a PDF could not be made (the HTML pages are complete)."""
    from helpers.batch import parse_provinces
    from helpers.bulletin import write_bulletins
    from helpers.params import load_config
    from helpers.workspace import open_panel

    _check_alert_args(args)
    sidos = parse_provinces(args.provinces)
    config = load_config()
    panel = open_panel(args.raw_dir, args.areas, config)
    month, _ = _alert_months(args, panel.months)
    for w in panel.warnings():
        print(f"경고: {w}", file=sys.stderr)
    out = (config.path("outputs", args.out) if args.out else config.path("outputs")) / "bulletins" / month
    results = write_bulletins(panel, month, sidos, out)
    tag = " [합성(가상) 자료]" if panel.synthetic else ""
    print(f"{month} 월간 위기징후 속보 {len(results)}개 시도를 {out} 에 저장했습니다{tag}.")
    print(f"  목록: {out / 'index.html'}")
    failed = 0
    for r in results:
        extra = "; ".join(r.notes + ([r.pdf_error] if r.pdf_error else []))
        print(f"  {r.sido_code}: 새 경보 {r.new}건, 계속되는 경보 {r.continuing}건, 분기 단계 주의 이상 {r.flagged}곳"
              + (f" — {extra}" if extra else ""))
        failed += r.pdf_error is not None
    if failed:
        print(f"PDF 를 만들지 못한 시도가 {failed}곳 있습니다 (HTML 은 그대로 인쇄할 수 있습니다).", file=sys.stderr)
    return 1 if failed else 0


def cli_run(args) -> int:
    """`run`: the quarterly batch, then a Korean summary of what it wrote, reused and could not do."""
    from helpers import codes
    from helpers.batch import run_quarter
    from helpers.params import load_config

    manifest = run_quarter(args.quarter, args.provinces, args.raw_dir, args.areas, args.out, args.workers,
                           force=getattr(args, "force", False))
    out_q = load_config().path("outputs", args.out) / manifest["quarter"]
    ok = [p for p in manifest["provinces"] if p["status"] == "ok"]
    tag = " [합성(가상) 자료]" if manifest["synthetic"] else ""
    print(f"{manifest['quarter']} 분기 일괄 실행 완료{tag}: {len(ok)}/{len(manifest['provinces'])}개 시도 성공, "
          f"{manifest['seconds_total']:.1f}초")
    for w in manifest.get("data_warnings", []):
        print(f"  경고: {w}")
    notes: dict[str, list[str]] = {}
    for p in manifest["provinces"]:
        for w in p.get("warnings", []):
            notes.setdefault(w.split(" (")[0] if "Chromium 이 없습니다" in w else w, []).append(p["name"])
    for w, names in notes.items():
        print(f"  경고: {w}" + (f" — {len(names)}개 시도" if len(names) > 1 else f" — {names[0]}"))
    print(f"  색인: {out_q / 'index.html'} (전체 분기 목록: {out_q.parent / 'index.html'})")
    if (out_q / "stages.csv").is_file():
        print(f"  위기단계 표: {out_q / 'stages.csv'}")
    else:
        print("  위기단계 표: 성공한 시도가 없어 만들지 않았습니다.")
    if manifest.get("panel_reused"):
        print("  지표 패널: 입력 변경 없음, 이전 계산 재사용")
    this_run = set(manifest.get("parameters", {}))  # the provinces of this run (a partial run keeps the others)
    for p in manifest["provinces"]:
        if p.get("reused") and p["sido_code"] in this_run:
            print(f"  {codes.SIDO_SHORT[p['sido_code']]}: 변경 없음, 이전 결과 재사용 (실행 {p['run_id']})")
        elif p["sido_code"] in manifest["failed"] and p.get("stale"):
            print(f"  실패: {p['name']}({p['sido_code']}) — {p['error']}. 이전 실행({p['run_id']})의 결과를 그대로 두었습니다 "
                  f"(실패한 노트북: {out_q / '.failed' / p['sido_code']})")
        elif p["sido_code"] in manifest["failed"]:
            print(f"  실패: {p['name']}({p['sido_code']}) — {p['error']} (실행된 노트북: {out_q / p['sido_code']})")
    return 1 if manifest["failed"] else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo-data":
            from helpers.demo import cli_demo_data as fn
        elif args.command == "ingest":
            from helpers.nps import cli_ingest as fn
        elif args.command == "stages":
            fn = cli_stages
        elif args.command == "alerts":
            fn = cli_alerts
        elif args.command == "bulletin":
            fn = cli_bulletin
        elif args.command == "survey-import":
            from helpers.fieldsurvey import cli_survey_import as fn
        else:
            fn = cli_run
        return int(fn(args) or 0)
    except UserError as e:
        print(f"오류: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("중단되었습니다.", file=sys.stderr)
        return 130
    except OSError as e:
        import errno

        if e.errno not in (errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EDQUOT):
            return _internal_error(argv)
        what = {errno.ENOSPC: "디스크가 가득 찼습니다", errno.EDQUOT: "디스크 할당량을 넘었습니다"}.get(
            e.errno, "쓸 권한이 없습니다")
        print(f"오류: {what}: {e.filename or ''}. 공간이나 권한을 확보한 뒤 다시 실행하세요 (원자료는 바뀌지 않았습니다).",
              file=sys.stderr)
        return 2
    except Exception:  # noqa: BLE001 — an internal error: its own exit code and a log, not a bare traceback
        return _internal_error(argv)


def _internal_error(argv: list[str] | None) -> int:
    """Exit code 3: the traceback goes to a log file, the message names it (called inside `except`)."""
    log = _write_error_log(argv)
    print(f"내부 오류가 발생했습니다 (프로그램의 문제일 수 있습니다). 자세한 내용은 {log} 에 저장했습니다. "
          "이 파일을 담당자에게 보내 주세요.", file=sys.stderr)
    return 3


def _write_error_log(argv: list[str] | None) -> str:
    """The traceback of an internal error in outputs/logs/ (else the temp folder); returns its path."""
    import tempfile
    import traceback
    from datetime import datetime
    from pathlib import Path

    text = (f"명령: python -m helpers {' '.join(argv if argv is not None else sys.argv[1:])}\n"
            f"시각: {datetime.now().isoformat(timespec='seconds')}\n\n{traceback.format_exc()}")
    name = f"error-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log"
    candidates = []
    try:
        from helpers.params import resolve_path

        candidates.append(resolve_path(None, "outputs") / "logs")
    except Exception:  # noqa: BLE001 — the params may be what is broken
        pass
    candidates.append(Path(tempfile.gettempdir()))
    for folder in candidates:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8")
            return str(path)
        except OSError:
            continue
    return "(기록 실패)"
