"""The Snakemake workflow (workflows/Snakefile) end to end on the demo fixtures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from twascli.cli import run
from twascli.io.rdat import read_wgt_rdat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "ldref_fixtures")


def test_workflow_runs_end_to_end(tmp_path):
    snakemake = shutil.which("snakemake") or os.path.join(os.path.dirname(sys.executable), "snakemake")
    if not os.path.exists(snakemake):
        pytest.fail("snakemake is not installed: it is part of the 'test' extra (pip install -e '.[test]')")
    out = tmp_path / "results"
    cmd = [
        snakemake, "-s", os.path.join(ROOT, "workflows", "Snakefile"),
        "--configfile", os.path.join(ROOT, "workflows", "config.yaml"),
        "--directory", ROOT, "-j", "2", "--quiet",
        "--config", f"outdir={out}", f"twascli={sys.executable} -m twascli",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    shutil.rmtree(os.path.join(ROOT, ".snakemake"), ignore_errors=True)

    # the association table equals a direct assoc-test run on the weights the workflow trained
    direct = str(tmp_path / "direct.dat")
    assert run(["assoc-test", "--sumstats", os.path.join(FIX, "gwas", "trait.sumstats"),
                "--weights", str(out / "WEIGHTS" / "all.pos"), "--weights_dir", str(out / "WEIGHTS"),
                "--ref_ld_chr", os.path.join(FIX, "LDREF", "1000G.EUR."), "--chr", "22", "--out", direct]) == 0
    assert open(out / "assoc" / "trait.22.dat").read() == open(direct).read()
    # the trained weights equal the committed demo weights byte for byte (same data, same seed)
    assert open(out / "WEIGHTS" / "Fixture.pos").read() == open(os.path.join(FIX, "WEIGHTS", "Fixture.pos")).read()
    trained = sorted(os.listdir(out / "WEIGHTS" / "Fixture"))
    assert trained == sorted(os.listdir(os.path.join(FIX, "WEIGHTS", "Fixture"))) and len(trained) == 9
    for name in trained:  # to floating-point precision: BLAS and numba kernels follow the CPU
        mine = read_wgt_rdat(str(out / "WEIGHTS" / "Fixture" / name))
        ref = read_wgt_rdat(os.path.join(FIX, "WEIGHTS", "Fixture", name))
        assert mine.models == ref.models and mine.snps.equals(ref.snps), name
        np.testing.assert_allclose(mine.wgt_matrix, ref.wgt_matrix, rtol=1e-9, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(mine.cv_performance, ref.cv_performance, rtol=1e-9, atol=0, err_msg=name)
        np.testing.assert_allclose(mine.hsq, ref.hsq, rtol=1e-9, err_msg=name)
    # the two simulated causal genes are the transcriptome-wide hits and form the report's loci
    top = open(out / "assoc" / "trait.22.top").read().splitlines()
    hits = {line.split("\t")[2] for line in top[1:]}
    assert {"GENE03", "GENE08"} <= hits
    report = open(out / "post" / "trait.22.report").read().splitlines()
    assert report[0].split("\t")[:3] == ["FILE", "CHR", "P0"]
    assert len(report) >= 2
    assert (out / "post" / "trait.22.loc_1.pdf").stat().st_size > 1000
    # the hub site built from the fixture results lists the trait and its hit genes
    site = out / "hub"
    assert (site / "index.html").exists()
    pages = " ".join(p.read_text() for p in site.rglob("*") if p.is_file() and p.suffix in (".html", ".js", ".json"))
    assert "GENE03" in pages and "GENE08" in pages


def _snakemake() -> str:
    exe = shutil.which("snakemake") or os.path.join(os.path.dirname(sys.executable), "snakemake")
    if not os.path.exists(exe):
        pytest.fail("snakemake is not installed: it is part of the 'test' extra (pip install -e '.[test]')")
    return exe


def test_workflow_rat_study_pantry_inputs_mhc_none(tmp_path):
    """Pantry-style panels (one genotype file, expression table, covariates), chrN names, --mhc none,
    a phenotype map and one Bonferroni threshold over every model of every chromosome."""
    import importlib.util

    import pandas as pd

    spec = importlib.util.spec_from_file_location("make_rat_study", os.path.join(FIX, "make_rat_study.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    d = tmp_path / "study"
    info = mod.make_study(str(d))
    panels = {}
    for panel in info["panels"]:
        tissue, modality = panel.split(".")
        panels[panel] = {"bfile": str(d / "geno"), "genes": str(d / f"genes.{modality}.tsv"),
                         "pheno": str(d / f"expr.{panel}.txt"), "covar": str(d / f"covar.{tissue}.txt"),
                         "cis_window": "5e5"}
    out = tmp_path / "results"
    import json

    config = {"outdir": str(out), "ref_ld_chr": str(d / "ldref" / "rat."), "chromosomes": info["chromosomes"],
              "panels": panels, "traits": {t: str(d / f"{t}.sumstats") for t in info["traits"]}, "mhc": "none",
              "pheno_map": str(d / "pheno_map.tsv"), "weights_args": "--models top1",
              "post_args": "--report --locus_win 200e3", "twascli": f"{sys.executable} -m twascli"}
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    proc = subprocess.run([_snakemake(), "-s", os.path.join(ROOT, "workflows", "Snakefile"), "--configfile", str(cfg),
                           "--directory", str(tmp_path), "-j", "2", "--quiet"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    models = pd.concat([pd.read_csv(out / "WEIGHTS" / f"{p}.pos", sep="\t", dtype=str) for p in info["panels"]])
    assert len(models) == 36 and set(models["CHR"]) == set(info["chromosomes"])
    for trait in info["traits"]:
        tables = [pd.read_csv(out / "assoc" / f"{trait}.{c}.dat", sep="\t", dtype=str) for c in info["chromosomes"]]
        assert not any((out / "assoc").glob(f"{trait}.*.MHC"))
        allrows = pd.concat(tables)
        assert sorted(allrows["PANEL"] + "/" + allrows["ID"]) == sorted(models["PANEL"] + "/" + models["ID"])
        # one threshold: 0.05 / every model tested on every chromosome
        pv = pd.to_numeric(allrows["TWAS.P"], errors="coerce")
        thresh = 0.05 / pv.notna().sum()
        tops = pd.concat([pd.read_csv(out / "assoc" / f"{trait}.{c}.top", sep="\t", dtype=str) for c in info["chromosomes"]])
        assert len(tops) == int((pv < thresh).sum()) >= 1
    report = open(out / "post" / "bmi.chr6.report").read().splitlines()
    head = report[0].split("\t")
    assert head[-2:] == ["HIT.PHENOS", "GENE.PHENOS"] and len(report) >= 2
    row = dict(zip(head, report[1].rstrip("\t").split("\t")))
    assert int(row["HIT.GENES"]) == len(row["GENE.PHENOS"].split(";"))
    assert (out / "hub" / "index.html").exists()
