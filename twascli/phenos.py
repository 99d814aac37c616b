"""Phenotype -> gene model: which gene each tested phenotype (weight ID) belongs to.

FUSION treats every weight ID as a gene. Pantry-style panels (the Rat TWAS Hub) have several RNA
phenotypes per gene (isoforms, junctions, ...) with IDs such as `ENSRNOG00000012345:ENSRNOT...`,
so loci, reports and the hub must count genes, not phenotypes. The map comes from, in order:
a `--pheno_map` table, a `--gene_regex`, or the weights list's own GENE/SYMBOL/TISSUE/MODALITY
columns; without any of them each ID is its own gene (FUSION's behaviour).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from twascli.errors import TwasError

#: Optional annotation columns of a --pheno_map table or of a weights list.
ANNOTATION_COLUMNS = ("GENE", "SYMBOL", "TISSUE", "MODALITY")


@dataclass(frozen=True)
class PhenoInfo:
    """One phenotype's annotation; empty strings where unknown."""

    pheno: str
    gene: str
    symbol: str = ""
    tissue: str = ""
    modality: str = ""


class PhenoMap:
    """Looks up the gene (and annotation) of a phenotype ID; unmapped IDs are their own gene."""

    def __init__(self, table: dict[str, PhenoInfo] | None = None, regex: str | None = None, source: str = ""):
        self.table = table or {}
        self.source = source
        self._regex = None
        if regex is not None:
            try:
                self._regex = re.compile(regex)
            except re.error as exc:
                raise TwasError(f"--gene_regex: {regex!r} is not a valid regular expression ({exc})") from None

    @property
    def is_identity(self) -> bool:
        """True when every phenotype is its own gene (FUSION's model)."""
        return not self.table and self._regex is None

    def info(self, pheno: str) -> PhenoInfo:
        """The annotation of PHENO: from the table, else the regex, else PHENO itself."""
        hit = self.table.get(pheno)
        if hit is not None:
            return hit
        return PhenoInfo(pheno, self._gene_by_regex(pheno))

    def gene(self, pheno: str) -> str:
        return self.info(pheno).gene

    def _gene_by_regex(self, pheno: str) -> str:
        if self._regex is None:
            return pheno
        m = self._regex.search(pheno)
        if m is None:
            return pheno
        return m.group(1) if m.groups() and m.group(1) is not None else m.group(0)

    def unmapped(self, phenos: list[str]) -> list[str]:
        """PHENOS a --pheno_map table does not list (always empty without a table)."""
        if not self.table:
            return []
        return [p for p in phenos if p not in self.table]


def _infos(rows: list[dict[str, str]], id_col: str) -> dict[str, PhenoInfo]:
    out: dict[str, PhenoInfo] = {}
    for r in rows:
        pheno = r[id_col]
        out[pheno] = PhenoInfo(
            pheno=pheno,
            gene=r.get("GENE") or pheno,
            symbol=r.get("SYMBOL", ""),
            tissue=r.get("TISSUE", ""),
            modality=r.get("MODALITY", ""),
        )
    return out


def read_pheno_map(path: str) -> PhenoMap:
    """A --pheno_map table: tab-separated, header with ID and GENE (SYMBOL, TISSUE, MODALITY optional)."""
    from twascli.io.tables import read_table

    df = read_table(path, ["ID", "GENE"], "--pheno_map", sep="\t")
    dup = df["ID"][df["ID"].duplicated()]
    if len(dup):
        raise TwasError(f"{path}: --pheno_map lists {len(dup)} phenotype ID(s) twice (first: {dup.iloc[0]})")
    empty = df["GENE"] == ""
    if empty.any():
        raise TwasError(f"{path}: --pheno_map has {int(empty.sum())} row(s) with an empty GENE")
    cols = ["ID"] + [c for c in ANNOTATION_COLUMNS if c in df.columns]
    return PhenoMap(_infos(df[cols].to_dict("records"), "ID"), source=path)


def pheno_map_from_weights(wgtlist, source: str = "weights list") -> PhenoMap:
    """The map a weights list carries in its own GENE (SYMBOL, TISSUE, MODALITY) columns, if any."""
    if "GENE" not in wgtlist.columns:
        return PhenoMap(source=source)
    cols = ["ID"] + [c for c in ANNOTATION_COLUMNS if c in wgtlist.columns]
    return PhenoMap(_infos(wgtlist[cols].astype(str).to_dict("records"), "ID"), source=source)


def load_pheno_map(path: str | None = None, regex: str | None = None, wgtlist=None) -> PhenoMap:
    """The map a run uses: --pheno_map, else --gene_regex, else the weights list's columns."""
    if path is not None and regex is not None:
        raise TwasError("--pheno_map and --gene_regex: give one or the other")
    if path is not None:
        return read_pheno_map(path)
    if regex is not None:
        return PhenoMap(regex=regex, source="--gene_regex")
    if wgtlist is not None:
        return pheno_map_from_weights(wgtlist)
    return PhenoMap()


def check_mapped(pmap: PhenoMap, phenos: list[str]) -> None:
    """Stop when a --pheno_map table leaves phenotypes of the run unmapped (naming the first few)."""
    missing = pmap.unmapped(phenos)
    if missing:
        shown = ", ".join(missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise TwasError(f"{pmap.source}: --pheno_map does not list {len(missing)} of the {len(phenos)} phenotype IDs ({shown})")
