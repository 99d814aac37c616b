"""PredictDB models (PrediXcan / S-PrediXcan ``.db``, SQLite): read as FUSION weight models.

Schema (PredictDB's published one): ``weights(gene, rsid, varID, ref_allele, eff_allele, weight)``
and ``extra(gene, genename, "n.snps.in.model", "pred.perf.R2", "pred.perf.pval", ...)``. Each gene
becomes a one-model WeightModel (model ``predictdb``; cv R2/pval from ``extra``), its SNPs keyed
by rsid (varID where rsid is missing), A1 the effect allele. A gene is named in outputs as
``DB:GENE`` (the FILE column), which post-process reads back from the same ``.db``.

PredictDB weights apply to allele counts, FUSION's to standardised genotypes: assoc-test and
post-process multiply each weight by its SNP's standard deviation in the LD panel, which makes
FUSION's TWAS statistic S-PrediXcan's (Barbeira et al. 2018, eq. 3).
"""

from __future__ import annotations

import functools
import os

from typing import TYPE_CHECKING

import numpy as np

from twascli.errors import TwasError
from twascli.io.rdat import WeightModel

if TYPE_CHECKING:
    import pandas as pd

MODEL = "predictdb"
_MAGIC = b"SQLite format 3\x00"


def is_db(path: str) -> bool:
    """Whether PATH is an SQLite file (a PredictDB model database)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(16) == _MAGIC
    except OSError:
        return False


def split_member(path: str) -> tuple[str, str] | None:
    """'model.db:GENE' -> (model.db, GENE) when model.db is an SQLite file, else None."""
    db, sep, gene = str(path).rpartition(":")
    if sep and gene and is_db(db):
        return db, gene
    return None


@functools.lru_cache(maxsize=4)
def _tables(path: str, mtime: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    import sqlite3

    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise TwasError(f"{path}: cannot open PredictDB database ({exc})") from None
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "weights" not in names:
            raise TwasError(f"{path}: PredictDB database has no 'weights' table (tables: {', '.join(sorted(names)) or 'none'})")
        weights = pd.read_sql_query("SELECT * FROM weights", con)
        extra = pd.read_sql_query("SELECT * FROM extra", con) if "extra" in names else pd.DataFrame({"gene": []})
    except sqlite3.Error as exc:
        raise TwasError(f"{path}: cannot read PredictDB database ({exc})") from None
    finally:
        con.close()
    missing = [c for c in ("gene", "rsid", "ref_allele", "eff_allele", "weight") if c not in weights.columns]
    if missing:
        raise TwasError(f"{path}: PredictDB 'weights' table lacks column(s) {', '.join(missing)}")
    return weights, extra


def read_db(path: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (weights, extra) tables of a PredictDB database (read once per run)."""
    if not os.path.exists(path):
        raise TwasError(f"{path}: weights database not found")
    return _tables(os.path.abspath(path), os.path.getmtime(path))


def models(path: str) -> dict[str, WeightModel]:
    """Gene -> its WeightModel, in the database's gene order (built once per run)."""
    read_db(path)  # errors for a missing or malformed database
    return _models(os.path.abspath(path), os.path.getmtime(path))


@functools.lru_cache(maxsize=4)
def _models(path: str, mtime: float) -> dict[str, WeightModel]:
    import pandas as pd

    from twascli.io.gwas_formats import positions_from_ids

    weights, extra = _tables(path, mtime)
    rsid = weights["rsid"].astype(object).where(weights["rsid"].notna(), None)
    varid = weights["varID"] if "varID" in weights.columns else pd.Series([None] * len(weights))
    snp = np.where(pd.isna(rsid) | (rsid.astype(str).isin(["", "."])), varid.astype(str), rsid.astype(str))
    chrom, pos, _ = positions_from_ids(varid.astype(str).str.replace(r"_b\d+$", "", regex=True).to_numpy(dtype=object))
    snps = pd.DataFrame({"chr": chrom, "snp": snp, "cm": 0.0, "pos": np.nan_to_num(pos).astype(np.int64),
                         "a1": weights["eff_allele"].astype(str).str.upper(),
                         "a2": weights["ref_allele"].astype(str).str.upper()})
    perf = extra.set_index("gene") if "gene" in extra.columns else pd.DataFrame()
    out: dict[str, WeightModel] = {}
    for gene, rows in weights.groupby("gene", sort=False).indices.items():
        r2 = _perf(perf, gene, "pred.perf.R2")
        pv = _perf(perf, gene, "pred.perf.pval")
        out[str(gene)] = WeightModel(
            wgt_matrix=weights["weight"].to_numpy(dtype=float)[rows, None], models=[MODEL],
            snps=snps.iloc[rows].reset_index(drop=True), cv_performance=np.array([[r2], [pv]]))
    return out


def _perf(perf: pd.DataFrame, gene: str, col: str) -> float:
    import pandas as pd

    if col not in perf.columns or gene not in perf.index:
        return np.nan
    v = pd.to_numeric(pd.Series([perf.at[gene, col]]).explode(), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else np.nan


def member(path: str) -> WeightModel:
    """The model named 'DB:GENE' (post-process reads assoc-test's FILE column back)."""
    db, gene = split_member(path)  # type: ignore[misc]
    found = models(db).get(gene)
    if found is None:
        raise TwasError(f"{db}: no gene {gene} in the PredictDB database")
    return found


def weights_list(path: str, chrom: str | None) -> pd.DataFrame:
    """A FUSION weights list (WGT ID CHR P0 P1) of the database's genes; P0/P1 from the varIDs'
    positions (assoc-test replaces them by the span of the model's SNPs in the LD panel)."""
    import pandas as pd

    rows = []
    for gene, m in models(path).items():
        chroms = m.snps["chr"].dropna()
        c = chroms.mode().iat[0] if len(chroms) else chrom
        if c is None:
            raise TwasError(f"{path}: gene {gene} has no varID with a chromosome; give --chr")
        pos = m.snps["pos"].to_numpy()
        rows.append((f"{path}:{gene}", gene, str(c), int(pos.min()) if pos.size else 0, int(pos.max()) if pos.size else 0))
    return pd.DataFrame(rows, columns=["WGT", "ID", "CHR", "P0", "P1"])


def panel_scaled(weights: np.ndarray, dosage_sd: np.ndarray) -> np.ndarray:
    """Allele-count weights as weights of standardised genotypes: w * sd (0 where sd is 0 or NaN)."""
    return weights * np.nan_to_num(dosage_sd, nan=0.0)[:, None]


def panel_spans(wgtlist: pd.DataFrame, bims: dict[str, pd.DataFrame], same_chr) -> pd.DataFrame:
    """WGTLIST with P0/P1 set to the first/last LD-panel position of each model's SNPs (matched
    by id on the gene's chromosome); genes without panel SNPs keep their varID span."""
    import pandas as pd

    out = wgtlist.copy()
    lookup: dict[str, tuple[pd.Index, np.ndarray]] = {}  # per panel: SNP ids (first of each) -> position
    for i, row in out.iterrows():  # one row per gene
        key = next((c for c in bims if same_chr(c, row["CHR"])), None)
        if key is None:
            continue
        if key not in lookup:  # built once per chromosome, not once per gene
            bim = bims[key].drop_duplicates(subset="snp", keep="first")
            lookup[key] = (pd.Index(bim["snp"].to_numpy(dtype=object)), bim["pos"].to_numpy())
        index, positions = lookup[key]
        hit = index.get_indexer(member(row["WGT"]).snps["snp"].to_numpy(dtype=object))
        pos = positions[hit[hit >= 0]]
        if pos.size:
            out.at[i, "P0"], out.at[i, "P1"] = int(pos.min()), int(pos.max())
    return out
