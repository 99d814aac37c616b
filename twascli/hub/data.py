"""Read the hub's inputs (trait table, weights lists, profiles, FUSION result files) into plain data.

Everything a page shows is kept as the text of the result file it came from (trimmed), so the
site shows exactly the numbers in the files; floats are derived only for thresholds and plots.
"""

from __future__ import annotations

import bisect
import csv
import math
import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twascli.chrom import norm_chr
from twascli.errors import TwasError
from twascli.genome import parse_mhc
from twascli.hub.pages import fmt_g
from twascli.io.tables import check_field_counts, read_table

TRAIT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
TABLE_COLUMNS = ("id", "name", "N", "description", "tags", "assoc", "post")
NA_STRINGS = frozenset({"", "NA", "NaN", "nan", "."})

# Assoc-test columns a hit row shows, in order; JOINT/JOINT.Z/JOINT.P/LOCUS/MHC are added by the hub.
HIT_COLS = [
    "ID", "PANEL", "CHR", "P0", "P1", "HSQ", "MODEL", "NWGT", "MODELCV.R2", "MODELCV.PV",
    "TWAS.Z", "TWAS.P", "COLOC.PP3", "COLOC.PP4", "JOINT", "JOINT.Z", "JOINT.P", "LOCUS", "MHC",
]
ASSOC_REQUIRED = ["PANEL", "FILE", "ID", "CHR", "P0", "P1", "TWAS.Z", "TWAS.P"]
REPORT_COLS = ["FILE", "CHR", "P0", "P1", "HIT.GENES", "JOINT.GENES", "BEST.TWAS.P", "BEST.SNP.P", "COND.SNP.P", "VAR.EXP"]
LOCUS_MODEL_COLS = [
    "ID", "PANEL", "P0", "P1", "HSQ", "EQTL.R2", "MODEL", "NWGT", "MODELCV.R2", "MODELCV.PV", "EQTL.GWAS.Z",
    "TWAS.Z", "TWAS.P", "PIP", "CREDSET", "COLOC.PP3", "COLOC.PP4", "JOINT", "JOINT.Z", "JOINT.P", "TOP.SNP.COR",
]
# Per-model facts of the assoc-test table that do not depend on the trait (shown on gene pages).
MODEL_INFO_COLS = ["MODEL", "NWGT", "MODELCV.R2", "MODELCV.PV", "HSQ"]
def chr_sort_key(chrom: str) -> tuple:
    """Natural chromosome order: 1..22, then X, Y, XY, MT, then anything else by name."""
    c = norm_chr(chrom)
    if c.isdigit():
        return (0, int(c), "")
    special = {"X": 23, "Y": 24, "XY": 25, "M": 26, "MT": 26}
    return (1, special.get(c.upper(), 99), c)


def clean(value: object) -> str | None:
    """A result-file cell as shown on the site: trimmed text, None for NA/empty."""
    if value is None:
        return None
    s = str(value).strip()
    return None if s in NA_STRINGS else s


def to_num(value: str | None) -> float:
    """A cell as a float (NaN for NA or non-numbers), for thresholds, sorting and plots."""
    if value is None:
        return math.nan
    try:
        return float(value)
    except ValueError:
        return math.nan


def signed_mlog10p(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """-log10(TWAS.P) with the sign of TWAS.Z; from Z via the normal tail when P underflowed to 0."""
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        m = -np.log10(p)
        tiny = ~(p > 0) & np.isfinite(z)
        if tiny.any():
            m[tiny] = -(norm.logsf(np.abs(z[tiny])) + math.log(2)) / math.log(10)
    sign = np.where(z < 0, -1.0, 1.0)
    return sign * m


# ---------------------------------------------------------------- trait table


@dataclass
class TraitSpec:
    """One row of the trait table, with paths made absolute."""

    id: str
    name: str
    n: str | None
    description: str
    tags: list[str]
    assoc: str
    post: str | None
    extra: dict[str, str] = field(default_factory=dict)

    def meta(self) -> dict:
        """The trait's descriptive fields as JSON-ready data."""
        return {"id": self.id, "name": self.name, "N": self.n, "description": self.description,
                "tags": self.tags, "extra": self.extra}


def read_trait_table(path: str) -> list[TraitSpec]:
    """Parse the trait table (TSV, header `id name N description tags assoc post`; '#' lines skipped)."""
    if not os.path.exists(path):
        raise TwasError(f"{path}: trait table not found")
    base = os.path.dirname(os.path.abspath(path))
    with open(path, newline="", encoding="utf-8") as fh:
        lines = [(i + 1, ln) for i, ln in enumerate(fh.read().splitlines()) if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise TwasError(f"{path}: trait table is empty")
    rows = list(csv.reader([ln for _, ln in lines], delimiter="\t", quoting=csv.QUOTE_NONE))
    header = [h.strip() for h in rows[0]]
    for col in ("id", "assoc"):
        if col not in header:
            raise TwasError(f"{path}: trait table lacks required column '{col}' (header: {' '.join(header)}; tab-separated)")
    dup_cols = {h for h in header if header.count(h) > 1}
    if dup_cols:
        raise TwasError(f"{path}: trait table repeats column(s) {', '.join(sorted(dup_cols))}")
    specs: list[TraitSpec] = []
    seen: dict[str, int] = {}
    for (lineno, _), cells in zip(lines[1:], rows[1:]):
        if len(cells) > len(header):
            raise TwasError(f"{path}: line {lineno} has {len(cells)} fields, the header has {len(header)}")
        rec = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        tid = rec["id"]
        if not TRAIT_ID_RE.match(tid):
            raise TwasError(f"{path}: line {lineno}: trait id {tid!r} must be letters, digits, '.', '_' or '-'")
        if tid in seen:
            raise TwasError(f"{path}: line {lineno}: trait id {tid!r} already used on line {seen[tid]}")
        seen[tid] = lineno
        if not rec["assoc"]:
            raise TwasError(f"{path}: line {lineno}: trait {tid} has no assoc prefix")
        post = rec.get("post", "")
        n = clean(rec.get("N", ""))
        specs.append(TraitSpec(
            id=tid,
            name=rec.get("name") or tid,
            n=n,
            description=rec.get("description", ""),
            tags=[t.strip() for t in re.split(r"[,;]", rec.get("tags", "")) if t.strip()],
            assoc=os.path.normpath(os.path.join(base, rec["assoc"])),
            post=os.path.normpath(os.path.join(base, post)) if post and post != "NA" else None,
            extra={h: rec[h] for h in header if h not in TABLE_COLUMNS and rec[h]},
        ))
    if not specs:
        raise TwasError(f"{path}: trait table has a header but no traits")
    return specs


# ---------------------------------------------------------------- weights catalog


@dataclass
class Catalog:
    """Every model of the weights lists (one per PANEL+ID), with its profile row where given."""

    panel: list[str]
    gene: list[str]
    wgt: list[str]
    chr: list[str]
    p0: np.ndarray
    p1: np.ndarray
    profile: list[dict | None]
    profile_cols: list[str]
    sources: list[str]
    _keys: pd.Index = field(default=None, repr=False)
    _wgt: dict = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Index the models by PANEL+ID and by weights file."""
        self._keys = pd.Index([f"{p}\t{g}" for p, g in zip(self.panel, self.gene)])
        self._wgt = {w: i for i, w in enumerate(self.wgt)}

    def __len__(self) -> int:
        return len(self.gene)

    def lookup(self, panel: pd.Series, gene: pd.Series, files: pd.Series) -> np.ndarray:
        """Catalog index of each result row (-1 if absent): by PANEL+ID, else by FILE ending in WGT."""
        if not len(self):
            return np.full(len(gene), -1, dtype=np.int64)
        idx = self._keys.get_indexer((panel + "\t" + gene).to_numpy())
        for i in np.flatnonzero(idx < 0):
            idx[i] = self.by_file(str(files.iloc[i]))
        return idx

    def by_file(self, path: str) -> int:
        """Catalog index of the weights file PATH (matched on its trailing path components)."""
        parts = path.replace("\\", "/").split("/")
        for k in range(1, len(parts) + 1):
            hit = self._wgt.get("/".join(parts[-k:]))
            if hit is not None:
                return hit
        return -1


def read_catalog(weights: list[str], profiles: list[str]) -> Catalog:
    """Read weights lists (.pos) and FUSION.profile_wgt.R tables ('PANEL=PATH' or PATH named PANEL.profile)."""
    from twascli.io.weights_list import read_weights_list

    frames = []
    for path in weights:
        df = read_weights_list(path)
        if "PANEL" not in df.columns:
            df["PANEL"] = os.path.basename(path).removesuffix(".pos")
        frames.append(df[["WGT", "ID", "CHR", "P0", "P1", "PANEL"]])
    if frames:
        wl = pd.concat(frames, ignore_index=True)
        wl = wl.drop_duplicates(subset=["PANEL", "ID"], keep="first").reset_index(drop=True)
    else:
        wl = pd.DataFrame({c: pd.Series(dtype=object) for c in ["WGT", "ID", "CHR", "P0", "P1", "PANEL"]})
    cat = Catalog(
        panel=wl["PANEL"].astype(str).tolist(), gene=wl["ID"].astype(str).tolist(), wgt=wl["WGT"].astype(str).tolist(),
        chr=[norm_chr(c) for c in wl["CHR"]], p0=wl["P0"].to_numpy(np.int64), p1=wl["P1"].to_numpy(np.int64),
        profile=[None] * len(wl), profile_cols=[], sources=list(weights) + [p.split("=", 1)[-1] for p in profiles],
    )
    panels = set(cat.panel)
    cols: list[str] = []
    for item in profiles:
        panel, path = item.split("=", 1) if "=" in item else (os.path.basename(item).removesuffix(".profile"), item)
        if panel not in panels:
            raise TwasError(
                f"{path}: profile panel '{panel}' is not a PANEL of the weights lists "
                f"({', '.join(sorted(panels)) or 'none given'}); pass it as PANEL=PATH"
            )
        prof = read_table(path, ["id"], "profile", sep="\t")
        prof.columns = [c.strip() for c in prof.columns]
        for c in prof.columns[1:]:
            if c not in cols:
                cols.append(c)
        by_name = {os.path.basename(w).removesuffix(".wgt.RDat"): i for i, (w, p) in enumerate(zip(cat.wgt, cat.panel)) if p == panel}
        by_id = {g: i for i, (g, p) in enumerate(zip(cat.gene, cat.panel)) if p == panel}
        records = prof.to_dict("records")
        for rec in records:
            name = str(rec["id"]).strip()
            i = by_name.get(name, by_id.get(name))
            if i is not None:
                cat.profile[i] = {k.strip(): clean(v) for k, v in rec.items() if k != "id"}
    cat.profile_cols = [c for c in cols if any(p and p.get(c) is not None for p in cat.profile)]
    return cat


# ---------------------------------------------------------------- result files of a trait


_LISTINGS: dict[str, list[str]] = {}
POST_RE = r"\.([^./]+)\.(report|joint_included\.dat|joint_dropped\.dat|loc_(\d+)\.(genes|cond\.csv|cond|pdf|focus))$"


def clear_listings() -> None:
    """Forget cached directory listings (called at the start of every build)."""
    _LISTINGS.clear()


def _names(prefix: str) -> list[str]:
    """Names in PREFIX's directory that start with its base name and a dot (listing cached per build)."""
    directory, base = os.path.split(prefix)
    directory = directory or "."
    names = _LISTINGS.get(directory)
    if names is None:
        names = sorted(os.listdir(directory)) if os.path.isdir(directory) else []
        _LISTINGS[directory] = names
    start = base + "."
    i = bisect.bisect_left(names, start)
    out = []
    while i < len(names) and names[i].startswith(start):
        out.append(names[i])
        i += 1
    return out


def assoc_files(prefix: str) -> list[tuple[str, str, bool]]:
    """The assoc-test outputs PREFIX.<chr>.dat and PREFIX.<chr>.dat.MHC as (chr, path, is_mhc)."""
    pat = re.compile(re.escape(os.path.basename(prefix)) + r"\.([^./]+)\.dat(\.MHC)?$")
    found = []
    for name in _names(prefix):
        m = pat.match(name)
        if m:
            found.append((m.group(1), os.path.join(os.path.dirname(prefix), name), bool(m.group(2))))
    return sorted(found, key=lambda t: (chr_sort_key(t[0]), t[2]))


def post_files(prefix: str | None) -> dict[str, dict]:
    """The post-process outputs per chromosome: report, joint files and each locus' files."""
    if prefix is None:
        return {}
    pat = re.compile(re.escape(os.path.basename(prefix)) + POST_RE)
    out: dict[str, dict] = {}
    found = []
    for name in _names(prefix):
        m = pat.match(name)
        if m:
            found.append((m, os.path.join(os.path.dirname(prefix), name)))
    for m, path in found:
        if m.group(2) == "report":
            out[m.group(1)] = {"report": path, "loci": {}}
    for m, path in found:
        entry = out.get(m.group(1))
        if entry is None or m.group(2) == "report":
            continue
        if m.group(3):
            entry["loci"].setdefault(int(m.group(3)), {})[m.group(4)] = path
        else:
            entry[m.group(2).removesuffix(".dat")] = path
    return dict(sorted(out.items(), key=lambda kv: chr_sort_key(kv[0])))


def trait_inputs(spec: TraitSpec) -> list[str]:
    """Every input file of a trait (for the manifest signature and the download links)."""
    files = [p for _, p, _ in assoc_files(spec.assoc)]
    for entry in post_files(spec.post).values():
        files.append(entry["report"])
        files += [entry[k] for k in ("joint_included", "joint_dropped") if k in entry]
        for n in sorted(entry["loci"]):
            files += [entry["loci"][n][k] for k in ("genes", "cond.csv", "cond", "pdf", "focus") if k in entry["loci"][n]]
    return files


@dataclass
class TraitData:
    """A parsed trait: the cached summary (indices, trait page) plus data only its own pages need."""

    summary: dict
    manhattan: dict
    loci: list[dict]
    z: np.ndarray | None = None  # per catalog model: TWAS Z as read (float64, so it prints as the file's text); NaN if untested
    p: np.ndarray | None = None  # per catalog model: TWAS P (float32: thresholds only)
    model_info: dict | None = None  # catalog index -> MODEL_INFO_COLS texts


def _read_assoc(spec: TraitSpec) -> pd.DataFrame:
    """All assoc-test rows of a trait (every chromosome, MHC included) as trimmed strings."""
    found = assoc_files(spec.assoc)
    if not found:
        raise TwasError(f"{spec.assoc}.<chr>.dat: no assoc-test results found for trait {spec.id}")
    frames = []
    for _chrom, path, mhc in found:
        try:
            df = read_table(path, ASSOC_REQUIRED, "assoc-test results", sep="\t")
        except TwasError as exc:
            if "is empty" in str(exc):
                continue
            raise
        check_field_counts(path, "assoc-test results")
        df.columns = [c.strip() for c in df.columns]
        df["MHC"] = "MHC" if mhc else None
        frames.append(df)
    if not frames:
        raise TwasError(f"{found[0][1]}: assoc-test results are all empty for trait {spec.id}")
    dat = pd.concat(frames, ignore_index=True, sort=False)
    for c in HIT_COLS:
        if c not in dat.columns:
            dat[c] = None
    return dat


class _RowMatcher:
    """Finds the assoc-test row of a post-process table row (by FILE, PANEL+ID, or panel dir/file name)."""

    def __init__(self, dat: pd.DataFrame) -> None:
        files = dat["FILE"].tolist()
        self.ids = dat["ID"].tolist()
        self.files = files
        self.by_file = {f: i for i, f in enumerate(files)}
        self.by_key = {(p, g): i for i, (p, g) in enumerate(zip(dat["PANEL"], self.ids))}
        self.by_tail: dict[str, int] | None = None

    @staticmethod
    def _tail(path: str) -> str:
        """The last two components of a weights path: panel directory and file name."""
        return "/".join(str(path).replace("\\", "/").split("/")[-2:])

    def rows(self, files: list[str], ids: list[str], panels: list[str] | None = None) -> list[int]:
        """Row index for each (FILE, ID[, PANEL]); -1 where the assoc-test results have no such model."""
        out = []
        for k, (f, g) in enumerate(zip(files, ids)):
            i = self.by_file.get(f)
            if i is None and panels is not None:
                i = self.by_key.get((panels[k], g))
            if i is None:
                if self.by_tail is None:
                    self.by_tail = {self._tail(f): i for i, f in enumerate(self.files)}
                i = self.by_tail.get(self._tail(f))
            out.append(-1 if i is None or self.ids[i] != g else i)
        return out


def _read_report(path: str) -> list[dict] | None:
    """A post-process .report (FUSION ends each data line with a tab, so split by hand); None if empty.

    An empty report (0 bytes: post-process found no locus) is skipped, as TWAS_HUB's
    REPORT_SINGLE.R does when the report's file size is 0.
    """
    with open(path, encoding="utf-8") as fh:
        lines = [ln.rstrip("\n") for ln in fh if ln.strip()]
    if not lines:
        return None
    header = [h.strip() for h in lines[0].split("\t") if h.strip()]
    missing = [c for c in REPORT_COLS if c not in header]
    if missing:
        raise TwasError(f"{path}: post-process report lacks column(s) {', '.join(missing)}")
    rows = []
    for ln in lines[1:]:
        cells = ln.split("\t")
        if len(cells) < len(header):
            raise TwasError(f"{path}: report line '{ln[:60]}' has fewer fields than the header")
        rec = {h: cells[i].strip() for i, h in enumerate(header)}
        m = re.search(r"\.loc_(\d+)$", rec["FILE"])
        if not m:
            raise TwasError(f"{path}: report FILE {rec['FILE']!r} does not end in .loc_<N>")
        rec["N"] = int(m.group(1))
        rows.append(rec)
    return rows


def _read_small(path: str, required: list[str], what: str, sep: str) -> dict[str, list[str]]:
    """A small headed table as {column: trimmed cells} (plain Python: much faster than pandas here)."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = [ln.rstrip("\r\n") for ln in fh if ln.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        raise TwasError(f"{path}: cannot read {what} file ({type(exc).__name__})") from None
    if not lines:
        raise TwasError(f"{path}: {what} file is empty")
    header = [h.strip() for h in lines[0].split(sep)]
    missing = [c for c in required if c not in header]
    if missing:
        raise TwasError(f"{path}: {what} file lacks required column(s) {', '.join(missing)} (found: {' '.join(header)})")
    cols: dict[str, list[str]] = {h: [] for h in header}
    for k, ln in enumerate(lines[1:], start=2):
        cells = ln.split(sep)
        if len(cells) != len(header):
            raise TwasError(f"{path}: line {k} of the {what} file has {len(cells)} fields, the header has {len(header)}")
        for h, c in zip(header, cells):
            cols[h].append(c.strip())
    return cols


def _read_cond_csv(path: str) -> dict:
    """A locus' .cond.csv (SNP,POS,GWAS.LOGP,GWAS_cond.LOGP) as plot arrays (null for NA/Inf)."""
    df = _read_small(path, ["SNP", "POS", "GWAS.LOGP", "GWAS_cond.LOGP"], "locus conditional GWAS", ",")

    def col(name: str) -> list:
        vals = (to_num(v if v not in NA_STRINGS else None) for v in df[name])
        return [v if math.isfinite(v) else None for v in vals]

    try:
        pos = [int(float(v)) for v in df["POS"]]
    except ValueError:
        raise TwasError(f"{path}: locus conditional GWAS column POS has a non-numeric value") from None
    return {"snp": df["SNP"], "pos": pos, "gwas": col("GWAS.LOGP"), "cond": col("GWAS_cond.LOGP")}


def _read_focus(path: str) -> dict:
    """A fine-mapping .focus table: per model (FILE, or PANEL+ID) its PIP and credible-set flag, plus the null model's PIP."""
    ft = _read_small(path, ["ID", "pips_pop1", "in_cred_set_pop1"], "fine-mapping (.focus)", "\t")
    out: dict = {"by_file": {}, "by_key": {}, "null": None}
    for i, gid in enumerate(ft["ID"]):
        rec = (clean(ft["pips_pop1"][i]), ft["in_cred_set_pop1"][i].upper() in ("TRUE", "T", "1"))
        if gid == "NULL.MODEL":
            out["null"] = rec
            continue
        if "FILE" in ft:
            out["by_file"][ft["FILE"][i]] = rec
        out["by_key"][(ft["PANEL"][i] if "PANEL" in ft else "", gid)] = rec
    return out


def panel_counts(panels: list[str], z: np.ndarray, sig: np.ndarray, tested: np.ndarray) -> list[list]:
    """Per panel: models tested, significant models, % significant and mean TWAS chi-square.

    As the "Associations by panel" table of TWAS_HUB's REPORT_SINGLE.R (# hits, % hits/tests, avg chisq).
    """
    rows = []
    arr = np.asarray(panels)
    for panel in sorted(set(panels)):
        keep = (arr == panel) & tested
        n = int(keep.sum())
        hits = int((sig & keep).sum())
        chisq = float(np.mean(z[keep] ** 2)) if n else math.nan
        rows.append([panel, str(n), str(hits), fmt_g(100.0 * hits / n) if n else None, fmt_g(chisq)])
    return rows


def load_trait(spec: TraitSpec, catalog: Catalog, pthresh: float | None, downloads: dict[str, tuple[str, int]],
               mhc: str = "hg19", pmap=None) -> TraitData:
    """Parse one trait's assoc-test and post-process outputs into its summary, Manhattan and loci.

    PTHRESH is the significance level (None: Bonferroni 0.05 / models tested); DOWNLOADS maps
    input paths to (site-relative copy, size) for the locus pages' links. MHC is the --mhc
    setting: rows of FUSION's .dat.MHC files and rows inside the region are shown but not counted
    (FUSION's post-process leaves them out); with 'none' every row counts. PMAP maps phenotype
    IDs to genes (twascli.phenos), so gene counts count genes.
    """
    from twascli.phenos import PhenoMap

    pmap = pmap or PhenoMap()
    region = parse_mhc(mhc)
    dat = _read_assoc(spec)
    z = pd.to_numeric(dat["TWAS.Z"], errors="coerce").to_numpy(float)
    p = pd.to_numeric(dat["TWAS.P"], errors="coerce").to_numpy(float)
    tested = np.isfinite(p)
    n_tested = int(tested.sum())
    thr = pthresh if pthresh is not None else (0.05 / n_tested if n_tested else 0.0)
    for c in ("PANEL", "ID", "FILE", "CHR"):
        dat[c] = dat[c].astype(str).str.strip()

    p0 = pd.to_numeric(dat["P0"], errors="coerce").to_numpy(float)
    p1 = pd.to_numeric(dat["P1"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        is_mhc = region.mask(dat["CHR"].to_numpy(), p0, p1)
    if region.region is not None:
        is_mhc |= dat["MHC"].notna().to_numpy()
    dat["MHC"] = np.where(is_mhc, "MHC", None)
    gene_of = [pmap.gene(g) for g in dat["ID"]]
    notes: list[str] = []

    # joint / conditional status from the post-process outputs
    joint = [None] * len(dat)
    jz: list[str | None] = [None] * len(dat)
    jp: list[str | None] = [None] * len(dat)
    locus_of: list[str | None] = [None] * len(dat)
    loci: list[dict] = []
    matcher = _RowMatcher(dat) if spec.post else None
    for chrom, entry in post_files(spec.post).items():
        for kind, status, zc, pc in (("joint_included", "joint", "JOINT.Z", "JOINT.P"), ("joint_dropped", "cond", "COND.Z", "COND.P")):
            if kind not in entry:
                continue
            jt = _read_small(entry[kind], ["FILE", "ID", zc, pc], f"post-process {kind}", "\t")
            rows = matcher.rows(jt["FILE"], jt["ID"])
            for i, r in enumerate(rows):
                if r >= 0:
                    joint[r], jz[r], jp[r] = status, clean(jt[zc][i]), clean(jt[pc][i])
        reports = _read_report(entry["report"])
        if reports is None:
            notes.append(f"{os.path.basename(entry['report'])} is empty (no locus on chromosome {chrom}): skipped")
            continue
        for rep in reports:
            files = entry["loci"].get(rep["N"], {})
            focus = _read_focus(files["focus"]) if "focus" in files else None
            lid = f"{chrom}_{rep['N']}"
            models = []
            if "genes" in files:
                gt = _read_small(files["genes"], ["FILE", "ID", "TWAS.Z", "TWAS.P", "JOINT"], "locus genes", "\t")
                rows = matcher.rows(gt["FILE"], gt["ID"], gt.get("PANEL"))
                for i, r in enumerate(rows):
                    rec = {c: clean(gt[c][i]) if c in gt else None for c in LOCUS_MODEL_COLS}
                    rec["JOINT"] = "joint" if rec["JOINT"] == "TRUE" else "cond"
                    rec["GENE"] = pmap.gene(rec["ID"])
                    if focus is not None:
                        fr = focus["by_file"].get(gt["FILE"][i]) or focus["by_key"].get((rec["PANEL"] or "", rec["ID"]))
                        if fr is not None:
                            rec["PIP"], rec["CREDSET"] = fr[0], "yes" if fr[1] else None
                    if r >= 0:
                        rec["PANEL"] = rec["PANEL"] or clean(dat["PANEL"].iat[r])
                        locus_of[r] = lid
                        rec["JOINT.Z"], rec["JOINT.P"] = jz[r], jp[r]
                        rec["JOINT"] = joint[r] or rec["JOINT"]
                    models.append(rec)
            jg = sorted({pmap.gene(m["ID"]) for m in models if m["JOINT"] == "joint"})
            loci.append({
                "id": lid, "chr": norm_chr(rep["CHR"]), "n": rep["N"],
                **{c: clean(rep[c]) for c in REPORT_COLS if c != "FILE"},
                "models": models,
                "joint_genes": jg,
                "n_joint_genes": str(len(jg)) if models else None,
                "null_pip": (focus["null"] or (None, False))[0] if focus else None,
                "null_credset": bool(focus and focus["null"] and focus["null"][1]),
                "cond": _read_cond_csv(files["cond.csv"]) if "cond.csv" in files else None,
                "files": [list(downloads[f]) for k, f in sorted(files.items()) if f in downloads],
            })

    dat["JOINT"], dat["JOINT.Z"], dat["JOINT.P"], dat["LOCUS"] = joint, jz, jp, locus_of
    hit_all = tested & (p < thr)
    hit = hit_all & ~is_mhc
    in_locus = np.array([x is not None for x in locus_of], dtype=bool)
    show = np.flatnonzero(hit_all | in_locus)
    show = show[np.argsort(p[show], kind="stable")]
    hits = [[clean(dat[c].iat[i]) for c in HIT_COLS] for i in show]
    sig = [bool(hit[i]) for i in show]
    mhc_sig = [bool(hit_all[i] and is_mhc[i]) for i in show]

    # Manhattan: signed -log10 P of every tested model, aligned with the catalog where possible
    cidx = catalog.lookup(dat["PANEL"], dat["ID"], dat["FILE"])
    mlp = signed_mlog10p(z, p)
    vec: list = [None] * len(catalog)
    extra = []
    zc = np.full(len(catalog), np.nan)
    pc = np.full(len(catalog), np.nan, dtype=np.float32)
    model_info: dict[int, list] = {}
    info_cols = [dat[c].tolist() for c in MODEL_INFO_COLS]
    for i in np.flatnonzero(cidx >= 0):
        zc[cidx[i]], pc[cidx[i]] = z[i], p[i]
        model_info[int(cidx[i])] = [clean(col[i]) for col in info_cols]
    for i in np.flatnonzero(tested & np.isfinite(mlp)):
        v = round(float(mlp[i]), 2)
        if cidx[i] >= 0:
            vec[cidx[i]] = v
        else:
            pos = to_num(clean(dat["P0"].iat[i]))
            extra.append([norm_chr(dat["CHR"].iat[i]), int(pos) if math.isfinite(pos) else 0, dat["ID"].iat[i], dat["PANEL"].iat[i], v])

    genes_hit = sorted({gene_of[i] for i, s in zip(show, sig) if s})
    zt = z[tested & np.isfinite(z)]
    summary = {
        **spec.meta(),
        "n_tested": n_tested,
        "threshold": thr,
        "n_hits": int(sum(sig)),
        "n_hit_genes": len(genes_hit),
        "hit_genes": genes_hit,
        "n_loci": len(loci),
        "n_joint": sum(1 for j in joint if j == "joint"),
        "n_joint_genes": len({gene_of[i] for i, j in enumerate(joint) if j == "joint"}),
        "n_mhc_hits": int(sum(mhc_sig)),
        "mhc": mhc,
        "mean_chisq": float(np.mean(zt ** 2)) if len(zt) else None,
        "panels": panel_counts(dat["PANEL"].tolist(), z, hit, tested & np.isfinite(z)),
        "hit_gene_of": [gene_of[i] for i in show],
        "notes": notes,
        "has_post": bool(spec.post),
        "top_idx": sorted({int(cidx[i]) for i in np.flatnonzero(hit) if cidx[i] >= 0}),
        "joint_idx": sorted({int(cidx[i]) for i, j in enumerate(joint) if j == "joint" and cidx[i] >= 0 and hit[i]}),
        "hit_cols": HIT_COLS,
        "hits": hits,
        "sig": sig,
        "mhc_sig": mhc_sig,
        "loci": [{k: v for k, v in loc.items() if k not in ("models", "cond", "files")} for loc in loci],
        "chroms": sorted({norm_chr(c) for c in dat["CHR"]}, key=chr_sort_key),
    }
    man = {"v": vec, "extra": extra, "thr": -math.log10(thr) if thr > 0 else None}
    return TraitData(summary=summary, manhattan=man, loci=loci, z=zc, p=pc, model_info=model_info)
