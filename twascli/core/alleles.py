"""Allele matching between two SNP tables, as FUSION's allele.qc does it."""

from __future__ import annotations

import numpy as np

_ACGT = {"A": 0, "C": 1, "G": 2, "T": 3}
_COMPLEMENT_CODE = np.array([3, 2, 1, 0])  # A<->T, C<->G


_TABLE: dict[str, int] = {**_ACGT, **{k.lower(): v for k, v in _ACGT.items()}}


def allele_codes(alleles) -> np.ndarray:
    """Allele strings -> integers, case-insensitive: A,C,G,T = 0..3, any other string 4, 5, ...

    The table is shared by all calls, so codes from separate calls can be compared.
    """
    table = _TABLE
    known = list(map(table.get, alleles))
    if None not in known:  # the usual case: every allele seen before (A/C/G/T at least)
        return np.array(known, dtype=np.int64)
    out = np.empty(len(alleles), dtype=np.int64)
    for i, allele in enumerate(alleles):
        code = table.get(allele)
        if code is None:
            key = "" if allele is None else str(allele).upper()
            code = table.get(key)
            if code is None:
                code = len({v for v in table.values()})
                table[key] = code
            if allele is not None:
                table[allele] = code
        out[i] = code
    return out


def allele_qc(a1, a2, ref1, ref2) -> tuple[np.ndarray, np.ndarray]:
    """(keep, flip) for alleles (a1, a2) against reference (ref1, ref2), case-insensitive.

    keep: a1/a2 are single A/C/G/T letters and not a strand-ambiguous pair (A/T, C/G).
    flip: the alleles are swapped relative to the reference, on the same or opposite strand.
    Like FUSION, 'keep' looks only at (a1, a2), and a pair that matches neither way is kept
    unflipped.
    """
    return allele_qc_codes(*(v if isinstance(v, np.ndarray) and v.dtype == np.int64 else allele_codes(v)
                             for v in (a1, a2, ref1, ref2)))


def allele_qc_codes(c1: np.ndarray, c2: np.ndarray, r1: np.ndarray, r2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """allele_qc on allele codes from :func:`allele_codes`."""
    acgt1, acgt2 = c1 < 4, c2 < 4
    # A(0)+T(3) and C(1)+G(2) both sum to 3: the strand-ambiguous pairs among ACGT
    keep = acgt1 & acgt2 & (c1 + c2 != 3)
    comp1 = np.where(r1 < 4, _COMPLEMENT_CODE[np.minimum(r1, 3)], r1)
    comp2 = np.where(r2 < 4, _COMPLEMENT_CODE[np.minimum(r2, 3)], r2)
    flip = ((c1 == r2) & (c2 == r1)) | ((c1 == comp2) & (c2 == comp1))
    return keep, flip
