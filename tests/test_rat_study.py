"""A rat-like study (ldref_fixtures/make_rat_study.py) end to end with --mhc none, and with FUSION's
defaults; bad inputs of the genome and phenotype models."""

from __future__ import annotations

import importlib.util
import os

import pandas as pd
import pytest

from twascli.chrom import norm_chr
from twascli.cli import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _make_study():
    spec = importlib.util.spec_from_file_location("make_rat_study", os.path.join(ROOT, "ldref_fixtures", "make_rat_study.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study with weights trained per tissue x modality (batch --genes, covariates) and all.pos."""
    d = tmp_path_factory.mktemp("rat")
    info = _make_study().make_study(str(d))
    (d / "W").mkdir()
    pos = []
    for panel in info["panels"]:
        tissue, modality = panel.split(".")
        assert run(["compute-weights", "--bfile", str(d / "geno"), "--genes", str(d / f"genes.{modality}.tsv"),
                    "--pheno", str(d / f"expr.{panel}.txt"), "--covar", str(d / f"covar.{tissue}.txt"),
                    "--out", str(d / "W" / panel), "--models", "top1", "--cis_window", "5e5",
                    "--verbose", "0", "--jobs", "1"]) == 0
        rows = open(d / "W" / f"{panel}.pos").read().splitlines()
        pos += rows if not pos else rows[1:]
    (d / "all.pos").write_text("\n".join(pos) + "\n")
    return d, info


def _models(d) -> pd.DataFrame:
    return pd.read_csv(d / "all.pos", sep="\t", dtype=str)


def test_weights_keep_chromosome_names_and_cis_window(study):
    d, info = study
    models = _models(d)
    assert set(models["CHR"]) == set(info["chromosomes"])  # chr1 stays chr1 in the weights list
    assert len(models) == 36  # 6 genes x (1 expression + 2 isoforms) x 2 tissues: none lost
    from twascli.io.rdat import read_wgt_rdat

    for _, m in models.iterrows():  # trained on the cis window only
        snps = read_wgt_rdat(str(d / "W" / m["WGT"])).snps
        pos = snps.iloc[:, 3].astype(int)
        # the RDat's own SNP table holds the code PLINK writes ('1'), as FUSION's weights do
        assert (snps.iloc[:, 0].astype(str).map(norm_chr) == norm_chr(m["CHR"])).all()
        assert pos.min() >= int(m["P0"]) - 500_000 and pos.max() <= int(m["P1"]) + 500_000


def test_mhc_none_keeps_every_model_and_default_is_fusion(study, tmp_path):
    d, info = study
    models = _models(d)
    common = ["assoc-test", "--sumstats_list", str(d / "traits.tsv"), "--weights", str(d / "all.pos"),
              "--weights_dir", str(d / "W"), "--ref_ld_chr", str(d / "ldref" / "rat.")]
    assert run(common + ["--out", str(tmp_path / "none"), "--mhc", "none"]) == 0
    assert run(common + ["--out", str(tmp_path / "fusion")]) == 0
    for trait in info["traits"]:
        seen = []
        for c in ("1", "2", "6"):
            t = pd.read_csv(tmp_path / f"none.{trait}.{c}.dat", sep="\t", dtype=str)
            assert set(t["CHR"]) == {f"chr{c}"}
            seen += list(t["PANEL"] + "/" + t["ID"])
            assert not os.path.exists(tmp_path / f"none.{trait}.{c}.dat.MHC")
        assert sorted(seen) == sorted(models["PANEL"] + "/" + models["ID"])
        # FUSION's rule: the chr6 26-34 Mb models go to OUT.MHC, the others stay
        mhc = pd.read_csv(tmp_path / f"fusion.{trait}.6.dat.MHC", sep="\t", dtype=str)
        assert len(mhc) == (models["CHR"] == "chr6").sum()
        assert len(pd.read_csv(tmp_path / f"fusion.{trait}.6.dat", sep="\t")) == 0
        assert open(tmp_path / f"fusion.{trait}.1.dat").read() == open(tmp_path / f"none.{trait}.1.dat").read()


def test_post_process_counts_genes_and_lists_phenotypes(study, tmp_path):
    d, info = study
    assert run(["assoc-test", "--sumstats", str(d / "bmi.sumstats"), "--weights", str(d / "all.pos"),
                "--weights_dir", str(d / "W"), "--ref_ld_chr", str(d / "ldref" / "rat."), "--chr", "chr6",
                "--out", str(tmp_path / "bmi.6.dat"), "--mhc", "none"]) == 0
    base = ["post-process", "--input", str(tmp_path / "bmi.6.dat"), "--sumstats", str(d / "bmi.sumstats"),
            "--ref_ld_chr", str(d / "ldref" / "rat."), "--chr", "chr6", "--report", "--locus_win", "200e3"]
    assert run(base + ["--out", str(tmp_path / "ident")]) == 0
    assert run(base + ["--out", str(tmp_path / "mapped"), "--pheno_map", str(d / "pheno_map.tsv"), "--plot",
                       "--mhc", "none"]) == 0
    ident = open(tmp_path / "ident.report").read().splitlines()
    mapped = open(tmp_path / "mapped.report").read().splitlines()
    assert ident[0].split("\t")[-1] == "VAR.EXP"  # FUSION's layout without a map
    head = mapped[0].split("\t")
    assert head[-2:] == ["HIT.PHENOS", "GENE.PHENOS"] and len(mapped) == len(ident) >= 2
    pmap = pd.read_csv(d / "pheno_map.tsv", sep="\t", dtype=str).set_index("ID")["GENE"]
    for line_i, line_m in zip(ident[1:], mapped[1:]):
        row = dict(zip(head, line_m.rstrip("\t").split("\t")))
        groups = dict(g.split("=") for g in row["GENE.PHENOS"].split(";"))
        phenos = [p for v in groups.values() for p in v.split(",")]
        assert int(row["HIT.GENES"]) == len(groups) and int(row["HIT.PHENOS"]) == len(phenos)
        assert all(pmap[p] == g for g, v in groups.items() for p in v.split(","))
        assert int(line_i.split("\t")[4]) == len(phenos)  # FUSION counts each phenotype ID as a gene
        assert int(row["HIT.GENES"]) < len(phenos)
    genes = pd.read_csv(tmp_path / "mapped.loc_1.genes", sep="\t", dtype=str)
    assert (genes["GENE"] == genes["ID"].map(pmap)).all()
    assert (tmp_path / "mapped.loc_1.pdf").stat().st_size > 1000
    # omnibus over a gene's phenotypes across tissues and modalities
    assert run(["post-process", "--input", str(tmp_path / "bmi.6.dat"), "--ref_ld_chr", str(d / "ldref" / "rat."),
                "--chr", "chr6", "--omnibus", "--out", str(tmp_path / "omni"), "--gene_regex", "^([^:]+)"]) == 0
    omni = pd.read_csv(tmp_path / "omni.omnibus.pv", sep="\t", dtype=str, index_col=False)
    assert len(omni) >= 1 and set(omni["GENE"]) <= set(pmap.values)
    assert (omni["NUM.REF"].astype(int) == 6).all()


def test_profile_weights_reads_every_model(study, tmp_path, capsys):
    d, _ = study
    models = _models(d)
    lst = tmp_path / "list"
    lst.write_text("".join(f"{d / 'W' / w}\n" for w in models["WGT"]))
    assert run(["profile-weights", str(lst)]) == 0
    out = capsys.readouterr().out.splitlines()
    ids = [ln.split("\t")[0] for ln in out if ln.startswith("ENSRNOG")]
    assert sorted(ids) == sorted(models["ID"])


def _one_line_error(capsys, argv, *needles):
    assert run(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and all(n in err[0] for n in needles), err


def test_bad_inputs(study, tmp_path, capsys):
    d, _ = study
    out = tmp_path / "bad"
    _one_line_error(capsys, ["assoc-test", "--sumstats", str(d / "bmi.sumstats"), "--weights", str(d / "all.pos"),
                             "--weights_dir", str(d / "W"), "--ref_ld_chr", str(d / "ldref" / "rat."),
                             "--out", str(out), "--mhc", "chr6:34e6-26e6"], "--mhc")
    assert run(["assoc-test", "--sumstats", str(d / "bmi.sumstats"), "--weights", str(d / "all.pos"), "--weights_dir",
                str(d / "W"), "--ref_ld_chr", str(d / "ldref" / "rat."), "--chr", "chr6", "--out", str(tmp_path / "ok.dat"),
                "--mhc", "none"]) == 0
    capsys.readouterr()
    partial = tmp_path / "partial_map.tsv"
    partial.write_text("ID\tGENE\nENSRNOG00000000600\tENSRNOG00000000600\n")
    _one_line_error(capsys, ["post-process", "--input", str(tmp_path / "ok.dat"), "--ref_ld_chr", str(d / "ldref" / "rat."),
                             "--chr", "chr6", "--omnibus", "--out", str(out), "--pheno_map", str(partial)],
                    str(partial), "--pheno_map")
    _one_line_error(capsys, ["post-process", "--input", str(tmp_path / "ok.dat"), "--ref_ld_chr", str(d / "ldref" / "rat."),
                             "--chr", "chr6", "--out", str(out), "--locus_win", "1.5"], "--locus_win")
    # two panels under one name (the modality without the tissue)
    models = _models(d)
    models["PANEL"] = models["PANEL"].str.split(".").str[1]
    dup = tmp_path / "dup_panels.pos"
    models.to_csv(dup, sep="\t", index=False)
    _one_line_error(capsys, ["assoc-test", "--sumstats", str(d / "bmi.sumstats"), "--weights", str(dup),
                             "--weights_dir", str(d / "W"), "--ref_ld_chr", str(d / "ldref" / "rat."),
                             "--out", str(out)], str(dup), "'expression'", "Brain.expression", "Liver.expression")
    assert not any(p.name.startswith("bad") for p in tmp_path.iterdir())


def test_panel_labels_unique_when_folders_share_a_name():
    from twascli.panels import panel_labels

    files = ["W/Brain/expression/a.wgt.RDat", "W/Liver/expression/b.wgt.RDat", "W/TissueA/c.wgt.RDat", "x.wgt.RDat"]
    assert panel_labels(files) == {files[0]: "Brain/expression", files[1]: "Liver/expression",
                                   files[2]: "TissueA", files[3]: ""}
