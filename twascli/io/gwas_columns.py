"""Column-name synonyms of GWAS summary statistics, mapped to twascli's canonical names.

Written after the header spellings LDSC's munge_sumstats.py recognises, plus GWAS-SSF (GWAS
Catalog's standard: chromosome, base_pair_location, effect_allele, ..., and the older harmonised
``hm_`` columns), METAL, PLINK, BOLT-LMM, SAIGE and regenie spellings. Headers are compared
upper-cased with '-', '.' and ' ' read as '_'. Where several columns map to one name, the
earlier spelling in its list wins.
"""

from __future__ import annotations

SYNONYMS: dict[str, list[str]] = {
    "SNP": ["SNP", "RSID", "HM_RSID", "MARKERNAME", "SNPID", "SNP_ID", "RS", "RS_NUMBER", "RS_NUMBERS",
            "MARKER", "ID", "VARIANT_ID", "HM_VARIANT_ID", "RS_ID", "VARIANT"],
    "A1": ["A1", "EFFECT_ALLELE", "HM_EFFECT_ALLELE", "ALLELE1", "ALLELE_1", "EA", "INC_ALLELE",
           "CODED_ALLELE", "TESTED_ALLELE", "ALT", "RISK_ALLELE", "REFERENCE_ALLELE"],
    "A2": ["A2", "OTHER_ALLELE", "HM_OTHER_ALLELE", "NON_EFFECT_ALLELE", "ALLELE2", "ALLELE_2", "NEA",
           "DEC_ALLELE", "NONCODED_ALLELE", "REF", "AX"],
    "CHR": ["CHR", "CHROMOSOME", "HM_CHROM", "CHROM", "#CHROM", "#CHR", "CHR_ID", "CHR_NAME"],
    "POS": ["POS", "BP", "BASE_PAIR_LOCATION", "HM_POS", "POSITION", "GENPOS", "BP_HG19", "BP_HG38", "CHR_POS"],
    "Z": ["Z", "ZSCORE", "Z_SCORE", "GC_ZSCORE", "Z_STAT", "ZSTAT"],
    "BETA": ["BETA", "HM_BETA", "B", "EFFECT", "EFFECTS", "EFFECT_SIZE", "LOG_ODDS", "LOGOR", "LOG_OR", "ES"],
    "OR": ["OR", "ODDS_RATIO", "HM_ODDS_RATIO", "HAZARD_RATIO", "HR"],
    "SE": ["SE", "STANDARD_ERROR", "STDERR", "STD_ERR", "SEBETA", "SE_BETA", "LOG_OR_SE", "LOGOR_SE"],
    "P": ["P", "P_VALUE", "PVALUE", "PVAL", "P_VAL", "GC_PVALUE", "P_BOLT_LMM", "P_BOLT_LMM_INF", "PVALUE_NOMINAL"],
    "LOG10P": ["NEG_LOG_10_P_VALUE", "LOG10P", "LOG10_P", "MLOG10P", "LP", "NEGLOG10P", "NEG_LOG10_P"],
    "SIGN": ["SIGN", "DIRECTION_OF_EFFECT"],
    "N": ["N", "NMISS", "OBS_CT", "N_TOTAL", "NEFF", "N_EFF", "SAMPLE_SIZE", "TOTALSAMPLESIZE", "WEIGHT", "SS"],
    "N_CAS": ["N_CAS", "NCASE", "N_CASE", "N_CASES", "CASES_N", "NCAS", "N_CASES_TOTAL"],
    "N_CON": ["N_CON", "NCONTROL", "N_CONTROL", "N_CONTROLS", "CONTROLS_N", "NCON"],
}

_LOOKUP = {alias: (canon, rank) for canon, names in SYNONYMS.items() for rank, alias in enumerate(names)}


def clean(name: str) -> str:
    """A header as synonyms are compared: upper case, '-', '.' and ' ' as '_'."""
    return str(name).strip().upper().replace("-", "_").replace(".", "_").replace(" ", "_")


def canonical_columns(header: list[str]) -> dict[str, str]:
    """Canonical name -> the file's column, for every header that is a known synonym."""
    best: dict[str, tuple[int, str]] = {}
    for col in header:
        hit = _LOOKUP.get(clean(col))
        if hit is not None:
            canon, rank = hit
            if canon not in best or rank < best[canon][0]:
                best[canon] = (rank, col)
    return {canon: col for canon, (_, col) in best.items()}
