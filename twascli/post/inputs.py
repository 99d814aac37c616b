"""Inputs of `post-process`: the TWAS results table, predicted expression, aligned GWAS, gene lists.

Each reader follows FUSION.post_process.R's conventions (read.table typing, allele flips of
weights and Z-scores without dropping ambiguous SNPs, mean-imputed and scale()d reference).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from twascli.chrom import chr_key
from twascli.core.alleles import allele_qc
from twascli.core.postproc import scaled_columns
from twascli.core.rstats import r_scale
from twascli.core.snpmatch import FirstIndex
from twascli.errors import TwasError
from twascli.io import rdat
from twascli.io.columns import Columns, plain_floats
from twascli.io.plink import Genotypes
from twascli.io.sumstats import aligned_columns, read_sumstats, to_panel
from twascli.io.tables import read_table_columns

if TYPE_CHECKING:
    import pandas as pd

_NUM_RE = re.compile(r"^\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|0[xX][0-9a-fA-F]+|inf(inity)?|nan)\s*$", re.I)
_INT_RE = re.compile(r"^\s*[+-]?\d+\s*$")
_LOGICAL = {"T": True, "TRUE": True, "true": True, "True": True, "F": False, "FALSE": False, "false": False, "False": False}


def r_type_convert(values: list[str]) -> Any:
    """A text column typed as R's read.table (as.is=TRUE) types it, in rformat's column kinds.

    All-NA or TRUE/FALSE -> list of bool/None; integers (32-bit) -> list of int/None;
    numbers -> float64 array (NA -> NaN); anything else -> list of str/None.
    """
    present = [v for v in values if v != "NA" and v != ""]
    if all(v in _LOGICAL for v in present):
        return [None if v in ("NA", "") else _LOGICAL[v] for v in values]
    if all(_INT_RE.match(v) and -2147483647 <= int(v) <= 2147483647 for v in present):
        return [None if v in ("NA", "") else int(v) for v in values]
    if all(_NUM_RE.match(v) for v in present):
        out = np.full(len(values), np.nan)
        for i, v in enumerate(values):
            if v not in ("NA", ""):
                s = v.strip()
                out[i] = float.fromhex(s) if s.lower().lstrip("+-").startswith("0x") else float(s)
        return out
    return [None if v == "NA" else v for v in values]


def r_make_names(names: list[str]) -> list[str]:
    """R make.names(unique=TRUE): syntactic column names as read.table(check.names=TRUE) makes them."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for n in names:
        s = re.sub(r"[^A-Za-z0-9._]", ".", n)
        if not s or not (s[0].isalpha() or s[0] == ".") or re.match(r"^\.\d", s):
            s = "X" + s
        if s in seen:
            seen[s] += 1
            s2 = f"{s}.{seen[s]}"
            while s2 in seen:
                seen[s] += 1
                s2 = f"{s}.{seen[s]}"
            seen[s2] = 0
            s = s2
        else:
            seen[s] = 0
        out.append(s)
    return out


def _floats(col: np.ndarray) -> np.ndarray:
    """A text column as float, non-numeric/NA -> NaN (pandas' to_numeric rules beyond plain numbers)."""
    out = plain_floats(col, ["NA", ""])
    if out is None:
        import pandas as pd

        s = pd.Series(col, dtype=object)
        out = pd.to_numeric(s.where(~s.isin(["NA", ""])), errors="coerce").to_numpy(dtype=float)
    return out


@dataclass
class Features:
    """The TWAS results rows analysed (FUSION's `wgtlist` after the --chr / --minp_input filter)."""

    table: Columns  # the input rows as text, R-mangled column names
    file: np.ndarray
    id: np.ndarray
    z: np.ndarray
    p: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    model: np.ndarray | None
    panel: np.ndarray | None
    path: str

    def __len__(self) -> int:
        return len(self.file)

    def subset(self, mask: np.ndarray) -> "Features":
        """Rows where MASK is True."""
        idx = np.flatnonzero(mask)
        pick = (lambda a: None if a is None else a[idx])
        return Features(
            self.table.rows(idx), self.file[idx], self.id[idx], self.z[idx], self.p[idx],
            self.p0[idx], self.p1[idx], pick(self.model), pick(self.panel), self.path,
        )


def read_features(path: str, chrom: str, minp: float, need: tuple[str, ...]) -> Features:
    """Read --input, check its columns, keep rows on CHROM with TWAS.P < MINP (NA dropped)."""
    raw = read_table_columns(path, "--input")
    df = Columns(dict(zip(r_make_names(raw.columns), (raw[c] for c in raw.columns))))
    if "TWAS.P" not in df.columns:
        raise TwasError(f"{path}: --input does not contain TWAS.P column header")
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise TwasError(f"{path}: --input lacks column(s) {', '.join(missing)}")
    p = _floats(df["TWAS.P"])
    key = chr_key(chrom)
    on_chr = np.array([chr_key(c) == key for c in df["CHR"]], dtype=bool) if "CHR" in df.columns else np.ones(len(df), bool)
    with np.errstate(invalid="ignore"):
        keep = on_chr & (p < minp) & ~np.isnan(p)
    df = df.rows(np.flatnonzero(keep))
    col = (lambda c: df[c] if c in df.columns else None)
    num = (lambda c: _floats(df[c]) if c in df.columns else np.full(len(df), np.nan))
    return Features(
        table=df, file=col("FILE") if "FILE" in df.columns else np.array([""] * len(df), dtype=object),
        id=col("ID") if "ID" in df.columns else np.array([""] * len(df), dtype=object),
        z=num("TWAS.Z"), p=p[keep], p0=num("P0"), p1=num("P1"),
        model=col("MODEL"), panel=col("PANEL"), path=path,
    )


class SnpLookup:
    """Position of each reference SNP id (first occurrence wins, like R's match())."""

    def __init__(self, snps: np.ndarray):
        self._index = FirstIndex(snps)

    def find(self, snps: np.ndarray) -> np.ndarray:
        """Reference column of each SNP, -1 when absent."""
        return self._index(snps)


@dataclass
class AlignedWeights:
    """One weight file matched to the reference: columns, flipped weight matrix, model names."""

    cols: np.ndarray
    wgt: np.ndarray  # (len(cols), models), NaN -> 0, flipped to the reference A1
    models: list[str]
    pos: np.ndarray


def load_aligned(path: str, genos: Genotypes, lookup: SnpLookup, fix_true_alleles: bool = False) -> AlignedWeights:
    """Read a .wgt.RDat, keep SNPs in the reference, flip weights of swapped alleles."""
    from twascli.io import predictdb

    if predictdb.split_member(path):
        m = predictdb.member(path)
    elif not os.path.exists(path):
        raise TwasError(f"{path}: weight file not found")
    else:
        m = rdat.read_wgt_rdat(path, true_as_t=fix_true_alleles)
    wgt = np.nan_to_num(np.asarray(m.wgt_matrix, dtype=float), nan=0.0)
    if wgt.ndim == 1:
        wgt = wgt[:, None]
    hit = lookup.find(np.asarray(m.snp_column("snp"), dtype=object))
    ok = hit >= 0
    cols = hit[ok]
    wgt = wgt[ok]
    bim = genos.bim
    _, flip = allele_qc(np.asarray(m.snp_column("a1"))[ok], np.asarray(m.snp_column("a2"))[ok],
                        np.asarray(bim["a1"])[cols], np.asarray(bim["a2"])[cols])
    wgt[flip] *= -1.0
    if m.models == [predictdb.MODEL] and cols.size:  # allele-count weights: see io/predictdb.py
        wgt = predictdb.panel_scaled(wgt, genos.imputed(cols).std(axis=0, ddof=1))
    return AlignedWeights(cols, wgt, list(m.models), np.asarray(m.snp_column("pos"), dtype=float)[ok])


def model_weights(aw: AlignedWeights, model: str, top1_single: bool = False) -> np.ndarray | None:
    """The MODEL column of AW (None when absent).

    FUSION's post-processing uses a top1 column as stored (every SNP's eQTL z-score);
    TOP1_SINGLE keeps only the largest |weight|, as assoc-test does.
    """
    hits = [j for j, name in enumerate(aw.models) if name == model]
    if not hits:
        return None
    w = aw.wgt[:, hits[0]]
    if top1_single and model == "top1" and w.size:
        single = np.zeros_like(w)
        top = int(np.argmax(w * w))
        single[top] = w[top]
        w = single
    return w


def predict(genos: Genotypes, aw: AlignedWeights, model: str, top1_single: bool = False) -> np.ndarray | None:
    """Predicted expression in the reference: scale()d genotypes times the MODEL weights (model_weights).

    Monomorphic reference SNPs (NaN after scale()) contribute 0 instead of making the prediction NaN
    (where FUSION stops). None when MODEL is not in the file.
    """
    w = model_weights(aw, model, top1_single)
    if w is None:
        return None
    x = scaled_columns(genos.dosage, aw.cols)
    x = np.nan_to_num(x, nan=0.0)
    return x @ w


@dataclass
class Predicted:
    """Predicted expression of every feature and what the loci and eQTL plots need."""

    ge: np.ndarray  # (n, m) scale()d predicted expression
    snp_used: np.ndarray  # bool over reference SNPs: in some feature's weights
    constant: np.ndarray  # bool over features: prediction constant (unusable)
    eqtl_pos: list[np.ndarray | None] = field(default_factory=list)
    eqtl_z: list[np.ndarray | None] = field(default_factory=list)
    raw_sd: np.ndarray | None = None  # (m,) SD of the predictions before scale(): sqrt(w'Rw)
    weights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (reference columns, non-zero weights)


def predict_features(
    feats: Features, genos: Genotypes, eqtl_model: str | None, log: Callable[[str], None],
    top1_single: bool = False, fix_true_alleles: bool = False,
) -> Predicted:
    """Predict every feature's expression into the reference (FUSION's ge_g.matrix, scaled)."""
    lookup = SnpLookup(np.asarray(genos.bim["snp"], dtype=object))
    n = genos.n
    m = len(feats)
    ge = np.zeros((n, m))
    used = np.zeros(len(genos.bim), dtype=bool)
    eq_pos: list[np.ndarray | None] = []
    eq_z: list[np.ndarray | None] = []
    weights: list[tuple[np.ndarray, np.ndarray]] = []
    for i in range(m):
        path = str(feats.file[i])
        aw = load_aligned(path, genos, lookup, fix_true_alleles)
        used[aw.cols] = True
        if eqtl_model is not None:
            hits = [j for j, name in enumerate(aw.models) if name == eqtl_model]
            eq_pos.append(aw.pos if hits else None)
            eq_z.append(aw.wgt[:, hits[0]] if hits else None)
        model = str(feats.model[i]) if feats.model is not None else ""
        pred = predict(genos, aw, model, top1_single)
        if pred is None:
            raise TwasError(f"{path}: weight file has no model '{model}' (MODEL column of --input)")
        ge[:, i] = pred
        w = model_weights(aw, model, top1_single)
        weights.append((aw.cols[w != 0], w[w != 0]))
    raw_sd = ge.std(axis=0, ddof=1) if n > 1 else np.zeros(m)
    scaled = r_scale(ge) if m else ge
    constant = np.zeros(m, dtype=bool)
    if m:
        constant = ~np.all(np.isfinite(scaled), axis=0)
        for i in np.flatnonzero(constant):
            log(
                f"WARNING: {feats.file[i]}: predicted expression is constant in the LD reference "
                "(no usable weight SNPs); feature left out of the analysis"
            )
    return Predicted(scaled, used, constant, eq_pos, eq_z, raw_sd, weights)


def aligned_gwas_z(path: str, genos: Genotypes, match_by: str = "auto") -> np.ndarray:
    """GWAS Z for every reference SNP (NaN when absent), sign-flipped where alleles are swapped.

    As in FUSION's post-processing, strand-ambiguous SNPs are kept (only flipped, never dropped).
    """
    bim = genos.bim
    snps = np.asarray(bim["snp"], dtype=object)
    ss = to_panel(read_sumstats(path, snps), bim, match_by)
    al = aligned_columns(ss, snps)
    found = al["found"]
    bim_a1, bim_a2 = np.asarray(bim["a1"], dtype=object), np.asarray(bim["a2"], dtype=object)
    a1 = np.where(found, al["A1"], bim_a1)
    a2 = np.where(found, al["A2"], bim_a2)
    _, flip = allele_qc(a1, a2, bim_a1, bim_a2)
    z = np.asarray(al["Z"], dtype=float)
    return np.where(flip, -z, z)


# --------------------------------------------------------------------------- gene lists

BUILTIN_GLISTS = {"hg19": "glist-hg19.txt", "hg38": "glist-hg38.txt"}


def read_glist(spec: str, chrom: str) -> pd.DataFrame:
    """Gene list for the plot track (CHR P0 P1 ID): built-in hg19/hg38, a file, or a GTF's gene records."""
    if spec in BUILTIN_GLISTS:
        ref = resources.files("twascli").joinpath("data", BUILTIN_GLISTS[spec])
        with resources.as_file(ref) as p:
            return _parse_glist(str(p), chrom)
    if not os.path.exists(spec):
        raise TwasError(f"{spec}: gene list file not found (--glist takes hg19, hg38, none, a file CHR P0 P1 ID or a GTF)")
    if re.search(r"\.gtf(\.gz)?$", spec, re.IGNORECASE):
        return _parse_gtf(spec, chrom)
    return _parse_glist(spec, chrom)


def _parse_gtf(path: str, chrom: str) -> pd.DataFrame:
    """The 'gene' records of a GTF on CHROM as CHR P0 P1 ID (ID: gene_name, else gene_id)."""
    import pandas as pd

    try:
        df = pd.read_csv(path, sep="\t", header=None, dtype=str, comment="#", usecols=[0, 2, 3, 4, 8], quoting=3)
    except (pd.errors.EmptyDataError, ValueError):
        raise TwasError(f"{path}: --glist GTF needs 9 tab-separated columns") from None
    df = df[(df[2] == "gene") & (df[0].map(chr_key) == chr_key(chrom))]
    name = df[8].str.extract(r'gene_name "([^"]*)"')[0]
    gid = df[8].str.extract(r'gene_id "([^"]*)"')[0]
    try:
        out = pd.DataFrame({"CHR": df[0], "P0": df[3].astype(np.int64), "P1": df[4].astype(np.int64),
                            "ID": name.where(name.notna() & (name != ""), gid).fillna("")})
    except ValueError:
        raise TwasError(f"{path}: --glist GTF has non-integer gene start/end positions") from None
    return out.reset_index(drop=True)


def _parse_glist(path: str, chrom: str) -> pd.DataFrame:
    import pandas as pd

    try:
        df = pd.read_csv(path, sep=r"\s+", header=None, dtype=str, comment=None, engine="c")
    except pd.errors.EmptyDataError:
        return pd.DataFrame({"CHR": [], "P0": [], "P1": [], "ID": []})
    if df.shape[1] < 4:
        raise TwasError(f"{path}: gene list needs 4 columns CHR P0 P1 ID, found {df.shape[1]}")
    df = df.iloc[:, :4]
    df.columns = ["CHR", "P0", "P1", "ID"]
    header = not str(df.iloc[0, 1]).lstrip("-").isdigit() if len(df) else False
    if header:
        df = df.iloc[1:]
    df = df[df["CHR"].map(chr_key) == chr_key(chrom)].copy()
    try:
        df["P0"] = df["P0"].astype(np.int64)
        df["P1"] = df["P1"].astype(np.int64)
    except ValueError:
        raise TwasError(f"{path}: gene list has non-integer P0/P1 positions") from None
    return df.reset_index(drop=True)
