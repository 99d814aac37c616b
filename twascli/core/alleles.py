"""Allele matching between two SNP tables, as FUSION's allele.qc does it."""

from __future__ import annotations

import numpy as np
import pandas as pd

_COMPLEMENT = {"A": "T", "T": "A", "C": "G", "G": "C"}
_ACGT = ("A", "C", "G", "T")


def _upper(a) -> np.ndarray:
    s = pd.Series(a, dtype=object).fillna("")
    return s.astype(str).str.upper().to_numpy(dtype=object)


def _complement(a: np.ndarray) -> np.ndarray:
    s = pd.Series(a, dtype=object)
    return s.map(_COMPLEMENT).fillna(s).to_numpy(dtype=object)


def allele_qc(a1, a2, ref1, ref2) -> tuple[np.ndarray, np.ndarray]:
    """(keep, flip) for alleles (a1, a2) against reference (ref1, ref2), case-insensitive.

    keep: a1/a2 are single A/C/G/T letters and not a strand-ambiguous pair (A/T, C/G).
    flip: the alleles are swapped relative to the reference, on the same or opposite strand.
    Like FUSION, 'keep' looks only at (a1, a2), and a pair that matches neither way is kept
    unflipped.
    """
    a1, a2, ref1, ref2 = (_upper(v) for v in (a1, a2, ref1, ref2))
    ambiguous = ((a1 == "A") & (a2 == "T")) | ((a1 == "T") & (a2 == "A")) | (
        (a1 == "C") & (a2 == "G")
    ) | ((a1 == "G") & (a2 == "C"))
    valid = np.isin(a1, _ACGT) & np.isin(a2, _ACGT)
    keep = ~ambiguous & valid
    flip1, flip2 = _complement(ref1), _complement(ref2)
    flip = ((a1 == ref2) & (a2 == ref1)) | ((a1 == flip2) & (a2 == flip1))
    return keep.astype(bool), flip.astype(bool)
