"""지역중소기업 위기징후 모니터링 — the tested logic behind the notebooks and the quarterly batch.

One straight path from the command to the brief:
cli → batch → workspace (config, data folder) → panel (nps → areas → indicators) → stages → brief → export.

Modules, imports flowing downward only (a module imports only modules listed before it; checked by
tests/test_architecture.py):
errors, files, periods, fmt, pension, fields → params → codes, schema → nps → areas → reference →
indicators → panel → alerts → stages → nowcast → decisions → typology → agenda → charts → report → export → brief →
bulletin → overview → history → survey → fieldsurvey → bsi → early_warning → explorer → decision_form → demo → workspace →
publish → batch → cli

- errors, files, periods, fmt: Korean user errors, atomic writes, months and quarters, number formats.
- params: `params/*.yaml` read once into a `Config`; codes: the code-change and province tables of
  `params/`; pension: contribution rates and earnings-base limits; schema: the NPS file and cache
  columns; fields: every column people see (labels, units, checks).
- nps: read, validate and cache the monthly files; areas: the dense-area reference and matching;
  reference: building the real reference from the bundled boundaries.
- indicators: quarterly indicators and data breaks (pure computation); panel: the path from a raw folder
  to the indicators, with the parameters and decisions it used, saved to one folder; alerts: the monthly
  early-warning signals of every dense area, from the months up to the one looked at.
- stages: rules, reasons, the decisions beside the proposals and the stage tables; decisions: the council
  decisions file (CSV in UTF-8/cp949, or .xlsx) read and checked, and appended to with its trail; typology:
  area types (analysis); agenda: what the council is asked to decide (areas, facts, 판단유보 reasons) as data
  for the brief.
- nowcast: the current quarter's indicators and stage projected from its first one or two months (전망,
  추정), with bands from the method's own past errors; from the months up to the one looked at.
- charts, report (nbconvert pages), export (CSV/XLSX), brief (council sections), bulletin (the one-page
  monthly bulletin per province between councils: new and continuing alerts, the nowcast), overview (index
  page), history (each area's stages over the last quarters; the list of stored quarters and their links),
  survey (survey candidates), fieldsurvey (the 실태조사 form, importing and storing its responses), bsi (the
  survey's area indices and the brief's 현장 체감 section), early_warning (the quarter's alerts saved by the batch
  and the brief's 조기경보 section), explorer (JupyterLab widget), decision_form
  (JupyterLab form recording council decisions).
- demo: synthetic data (and synthetic survey responses), off to the side; workspace: the edge that chooses
  real or demo data and opens the panel; publish: the files beside each province notebook and the quarter's stage table; batch: the
  quarterly Papermill run; cli: `python -m helpers`.
"""

__version__ = "0.1.0"
