"""The per-gene status table written next to each assoc-test output (OUT.log) and the one-line
harmonisation summary: why each gene was tested or skipped, and what happened to its SNPs."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from twascli.assoc.gene import row_label

COLUMNS = ["ID", "PANEL", "FILE", "STATUS", "REASON", "NSNP_WEIGHTS", "NSNP_LDREF", "NSNP_GWAS", "NSNP_IMPUTED",
           "N_FLIPPED", "N_AMBIGUOUS", "N_NON_ACGT"]


def gene_counts(prep, trait) -> dict[str, int]:
    """SNP counts of one gene for one trait: weights, in the LD reference, with a GWAS Z after allele
    QC, GWAS alleles flipped, and dropped by allele QC as strand-ambiguous or non-ACGT."""
    cols = prep.cols
    keep = trait.keep[cols]
    ambiguous = trait.ambiguous[cols] & ~keep
    with_z = keep & np.isfinite(trait.z[cols])
    return {
        "NSNP_WEIGHTS": prep.model.n_snps, "NSNP_LDREF": int(cols.size), "NSNP_GWAS": int(with_z.sum()),
        "NSNP_QC": int(keep.sum()), "N_FLIPPED": int(trait.flip[cols].sum()), "N_AMBIGUOUS": int(ambiguous.sum()),
        "N_NON_ACGT": int((~keep & ~trait.ambiguous[cols]).sum()),
    }


def _reason(lines: list[str], label: str) -> str:
    """FUSION's last warning about a gene, without the 'WARNING :' prefix and the gene's label."""
    if not lines:
        return ""
    text = re.sub(r"^WARNING\s*:\s*", "", lines[-1].strip())
    text = text.replace(label, "").strip() if label else text
    return re.sub(r"\s+", " ", text).replace("\t", " ")


def status_table(wgtlist: pd.DataFrame, files: list[str], counts: dict[int, dict[str, int]], result) -> str:
    """OUT.log: one tab-separated row per weights-list entry (list order), with a header."""
    has_panel = "PANEL" in wgtlist.columns
    out = ["\t".join(COLUMNS)]
    for i, row in enumerate(result.rows):
        entry = wgtlist.iloc[i]
        z = row.get("TWAS.Z")
        tested = isinstance(z, float) and np.isfinite(z)
        label = row_label(entry)
        reason = "" if tested else (_reason(result.gene_logs[i], label) or "TWAS.Z is NA")
        c = counts.get(i, {})
        imputed = c["NSNP_QC"] - c["NSNP_GWAS"] if tested and c else "NA"
        cells = [str(entry["ID"]), str(entry["PANEL"]) if has_panel else "NA", files[i],
                 "tested" if tested else "skipped", reason or "NA",
                 *(str(c.get(k, "NA")) for k in ("NSNP_WEIGHTS", "NSNP_LDREF", "NSNP_GWAS")), str(imputed),
                 *(str(c.get(k, "NA")) for k in ("N_FLIPPED", "N_AMBIGUOUS", "N_NON_ACGT"))]
        out.append("\t".join(cells))
    return "\n".join(out) + "\n"


def harmonisation_line(trait_name: str, chrom: str, trait, n_tested: int, n_total: int, log_path: str) -> str:
    """One stderr line: how the GWAS matched the LD reference and how many genes were tested."""
    found = trait.found
    non_acgt = found & ~trait.keep & ~trait.ambiguous
    return (f"{trait_name} chr{chrom}: {int(found.sum())} of {found.size} LD-reference SNPs in the GWAS, "
            f"{int(trait.flip.sum())} flipped, {int((found & trait.ambiguous).sum())} dropped as strand-ambiguous, "
            f"{int(non_acgt.sum())} dropped as non-ACGT; {n_tested} of {n_total} genes tested (per gene: {log_path})")
