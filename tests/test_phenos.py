"""The phenotype -> gene model (twascli/phenos.py)."""

import pandas as pd
import pytest

from twascli.errors import TwasError
from twascli.phenos import check_mapped, load_pheno_map


def test_identity_by_default():
    pm = load_pheno_map()
    assert pm.is_identity and pm.gene("ENSG1:tx2") == "ENSG1:tx2"


def test_regex_text_before_first_colon():
    pm = load_pheno_map(regex=r"^[^:]+")
    assert pm.gene("ENSRNOG00000012345:ENSRNOT00000067890") == "ENSRNOG00000012345"
    assert pm.gene("ENSRNOG1:chr12:1234:5678:clu_8426_-") == "ENSRNOG1"
    assert load_pheno_map(regex=r"^(\w+)\.\d+$").gene("ENSG7.3") == "ENSG7"


def test_table_and_unmapped(tmp_path):
    f = tmp_path / "map.tsv"
    f.write_text("ID\tGENE\tSYMBOL\tTISSUE\tMODALITY\nA:1\tA\tGa\tBrain\tisoform\nA:2\tA\tGa\tBrain\tisoform\n")
    pm = load_pheno_map(str(f))
    assert pm.info("A:2").symbol == "Ga" and pm.gene("A:1") == "A"
    check_mapped(pm, ["A:1", "A:2"])
    with pytest.raises(TwasError, match="does not list 1 of the 3"):
        check_mapped(pm, ["A:1", "A:2", "B:1"])


def test_weights_list_columns():
    wl = pd.DataFrame({"ID": ["x.1", "x.2"], "GENE": ["x", "x"], "TISSUE": ["Liver", "Liver"]})
    pm = load_pheno_map(wgtlist=wl)
    assert pm.gene("x.2") == "x" and pm.info("x.1").tissue == "Liver"


@pytest.mark.parametrize("text,msg", [
    ("ID\tGENE\na\tg\na\tg\n", "twice"),
    ("ID\tGENE\na\t\n", "empty GENE"),
    ("ID\tSYMBOL\na\tg\n", "GENE"),
])
def test_bad_maps(tmp_path, text, msg):
    f = tmp_path / "m.tsv"
    f.write_text(text)
    with pytest.raises(TwasError, match=msg):
        load_pheno_map(str(f))


def test_bad_regex_and_both():
    with pytest.raises(TwasError, match="--gene_regex"):
        load_pheno_map(regex="(")
    with pytest.raises(TwasError, match="one or the other"):
        load_pheno_map("x", "y")
