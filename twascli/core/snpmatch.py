"""Match GWAS rows to LD-panel SNPs by id (FUSION: rsID) or by chromosome, position and alleles.

Position matching accepts either allele order and either strand (the flip itself is FUSION's
allele QC, applied afterwards). It also checks the genome build: positions from another build
still hit panel positions now and then, but with unrelated alleles and for few panel SNPs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from twascli.chrom import chr_key
from twascli.errors import TwasError

if TYPE_CHECKING:
    import pandas as pd

MODES = ("auto", "rsid", "position")
_MIN_CHECK = 50  # position hits needed before the allele-concordance build check speaks
_COMPLEMENT = str.maketrans("ACGT", "TGCA")


def allele_pair_key(a1: np.ndarray, a2: np.ndarray) -> np.ndarray:
    """The unordered allele pair, strand-free: the smaller of {a1,a2} and its complement, as text."""
    import pandas as pd

    s1 = pd.Series(a1, dtype=object).astype(str).str.upper()
    s2 = pd.Series(a2, dtype=object).astype(str).str.upper()
    lo, hi = s1.where(s1 <= s2, s2), s2.where(s1 <= s2, s1)
    c1, c2 = lo.str.translate(_COMPLEMENT), hi.str.translate(_COMPLEMENT)
    clo, chi = c1.where(c1 <= c2, c2), c2.where(c1 <= c2, c1)
    plain, comp = lo + "/" + hi, clo + "/" + chi
    return plain.where(plain <= comp, comp).to_numpy(dtype=object)


def site_key(chrom: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """chr:pos text keys (chromosome labels compared through chrom.chr_key)."""
    import pandas as pd

    keys = pd.Series(chrom, dtype=object).map(chr_key)
    return (keys + ":" + pd.Series(np.asarray(pos, dtype=np.int64)).astype(str)).to_numpy(dtype=object)


def by_position(chrom, pos, a1, a2, bim: pd.DataFrame) -> tuple[np.ndarray, int]:
    """(panel row of each GWAS row, -1 if none; number of rows whose site alone matched)."""
    import pandas as pd

    ok = np.isfinite(pos)
    out = np.full(len(pos), -1, dtype=np.int64)
    if not ok.any():
        return out, 0
    gsite = site_key(np.asarray(chrom, dtype=object)[ok], pos[ok])
    psite = site_key(bim["chr"].to_numpy(dtype=object), bim["pos"].to_numpy())
    panel_keys = psite + "|" + allele_pair_key(bim["a1"].to_numpy(), bim["a2"].to_numpy())
    hit = first_index(panel_keys, gsite + "|" + allele_pair_key(np.asarray(a1)[ok], np.asarray(a2)[ok]))
    out[np.flatnonzero(ok)] = hit
    site_hits = int(np.count_nonzero(pd.Index(psite).isin(gsite)))
    return out, site_hits


def first_occurrences(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct KEYS, index of each one's first occurrence): np.unique(KEYS, return_index=True)
    without its numpy.ma import (~30 ms at start-up)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first], order[first]


class FirstIndex:
    """R's match() against fixed KEYS: the keys sorted once (as fixed-width text when all are str),
    then each lookup a binary search; keys that cannot be ordered go through a pandas index."""

    def __init__(self, keys: np.ndarray):
        self._keys = np.asarray(keys, dtype=object)
        self._text = set(map(type, self._keys.tolist())) <= {str}
        try:
            self._uniq, self._first = first_occurrences(self._keys.astype(str) if self._text else self._keys)
        except TypeError:
            self._uniq = None

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Position of each of VALUES in the keys, the first occurrence; -1 if absent."""
        values = np.asarray(values, dtype=object)
        out = np.full(len(values), -1, dtype=np.int64)
        if not len(self._keys) or not len(values):
            return out
        if self._uniq is None:
            return _first_index_pandas(self._keys, values)
        probe = values
        if self._text:
            text = np.array([isinstance(v, str) for v in values.tolist()], dtype=bool)
            probe = np.where(text, values, "").astype(str)
        try:
            at = np.minimum(np.searchsorted(self._uniq, probe), len(self._uniq) - 1)
        except TypeError:
            return _first_index_pandas(self._keys, values)
        hit = np.asarray(self._uniq[at] == probe, dtype=bool)
        if self._text:
            hit &= text
        out[hit] = self._first[at[hit]]
        return out


def first_index(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each of VALUES in KEYS, the first occurrence (R's match()); -1 if absent."""
    return FirstIndex(keys)(values)


def _first_index_pandas(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    import pandas as pd

    first = pd.Series(np.arange(len(keys)), index=keys)
    first = first[~first.index.duplicated(keep="first")]
    h = pd.Index(first.index).get_indexer(values)
    return np.where(h >= 0, first.to_numpy()[h], -1).astype(np.int64)


def check_build(where: str, chrom, pos, bim: pd.DataFrame, matched: int, site_hits: int) -> None:
    """Stop when positions cannot be on the panel's build: alleles disagree at shared sites, or
    under 1% of the panel's SNPs inside the GWAS's span are found (a GWAS on the panel's build
    finds far more: 5% for a sparse 92-SNP subset of a real HapMap-era GWAS against 1000G SNPs;
    another build finds only chance hits with matching alleles, ~0.1%)."""
    import pandas as pd

    if site_hits >= _MIN_CHECK and matched < 0.5 * site_hits:
        raise TwasError(f"{where}: only {matched} of the {site_hits} GWAS positions shared with the LD panel "
                        "carry the same alleles: the GWAS is probably on another genome build than the panel "
                        "(lift it over, or match by rsID with --match_by rsid)")
    ok = np.isfinite(pos)
    if not ok.any():
        return
    gkeys = pd.Series(np.asarray(chrom, dtype=object)[ok]).map(chr_key).to_numpy()
    pkeys = bim["chr"].map(chr_key).to_numpy()
    ppos = bim["pos"].to_numpy()
    in_span = np.zeros(len(bim), dtype=bool)
    for c in np.unique(pkeys):
        on = gkeys == c
        if on.any():
            lo, hi = pos[ok][on].min(), pos[ok][on].max()
            in_span |= (pkeys == c) & (ppos >= lo) & (ppos <= hi)
    span = int(in_span.sum())
    if span >= 2 * _MIN_CHECK and matched < 0.01 * span:
        raise TwasError(f"{where}: only {matched} of the {span} LD-panel SNPs within the GWAS's positions "
                        "match by position and alleles (under 1%): is the GWAS on the panel's genome build?")


def match_mode(mode: str, ids_positional: bool) -> str:
    """'rsid' or 'position' for --match_by MODE: auto matches by position when ids are chr:pos."""
    if mode not in MODES:
        raise TwasError(f"--match_by: {mode!r} is not one of {', '.join(MODES)}")
    if mode != "auto":
        return mode
    return "position" if ids_positional else "rsid"
