"""--out pointing at an input, at a directory or at an unusable place: every subcommand refuses with
one line and exit 1, writes nothing, and leaves its inputs byte-identical (issue 11)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from twascli.cli import run

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "data", "parity")
EQTL = os.path.join(HERE, "data", "cw", "eqtl", "TissueB")


@pytest.fixture()
def work(tmp_path):
    """A private copy of the fixtures a run needs (so a failing guard could only harm copies)."""
    shutil.copytree(os.path.join(PARITY, "fusion", "WEIGHTS"), tmp_path / "WEIGHTS")
    shutil.copytree(os.path.join(PARITY, "data", "ldref"), tmp_path / "ldref")
    shutil.copy(os.path.join(PARITY, "data", "gwas", "trait_med.sumstats.gz"), tmp_path / "trait.sumstats.gz")
    with open(os.path.join(PARITY, "fusion", "assoc", "trait_strong.22.dat")) as fh:  # FUSION's run paths
        (tmp_path / "assoc.dat").write_text(fh.read().replace("/tmp/ds1_fusion/WEIGHTS", str(tmp_path / "WEIGHTS")))
    for ext in (".bed", ".bim", ".fam"):
        shutil.copy(os.path.join(EQTL, "GENE22_007" + ext), tmp_path / ("gene" + ext))
    (tmp_path / "list.txt").write_text(str(tmp_path / "WEIGHTS" / "TissueA" / "GENE22_001.wgt.RDat") + "\n")
    (tmp_path / "batch.txt").write_text(f"ID\tBFILE\nGENE22_007\t{tmp_path / 'gene'}\n")
    return tmp_path


def snapshot(root) -> dict[str, bytes]:
    """Every file under ROOT with its bytes (symlinks as their target's)."""
    files = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            files[os.path.relpath(p, root)] = open(p, "rb").read()
    return files


def assert_refused(args: list[str], root, capsys, *words: str) -> str:
    """Exit 1, one ERROR line naming WORDS, nothing on stdout, no file changed/added/removed."""
    before = snapshot(root)
    code = run(args)
    cap = capsys.readouterr()
    assert code == 1, cap.err
    assert cap.err.count("\n") == 1 and cap.err.startswith("ERROR: "), cap.err
    for w in words:
        assert w in cap.err, cap.err
    assert snapshot(root) == before
    return cap.err


def assoc(w, out: str) -> list[str]:
    return ["assoc-test", "--sumstats", str(w / "trait.sumstats.gz"), "--weights", str(w / "WEIGHTS" / "all.pos"),
            "--weights_dir", str(w / "WEIGHTS"), "--ref_ld_chr", str(w / "ldref" / "REF."), "--chr", "22",
            "--out", out]


def post(w, out: str) -> list[str]:
    return ["post-process", "--sumstats", str(w / "trait.sumstats.gz"), "--input", str(w / "assoc.dat"),
            "--ref_ld_chr", str(w / "ldref" / "REF."), "--chr", "22", "--out", out]


ASSOC_INPUTS = ["trait.sumstats.gz", "WEIGHTS/all.pos", "ldref/REF.22.bim", "WEIGHTS/TissueA/GENE22_001.wgt.RDat"]


@pytest.mark.parametrize("target", ASSOC_INPUTS)
def test_assoc_out_is_an_input(work, capsys, target):
    assert_refused(assoc(work, str(work / target)), work, capsys, "--out", "would overwrite the input")


def test_assoc_out_links_to_an_input(work, capsys):
    os.symlink(work / "trait.sumstats.gz", work / "res.dat")
    assert_refused(assoc(work, str(work / "res.dat")), work, capsys, "trait.sumstats.gz")
    os.symlink(work / "ldref" / "REF.22.fam", work / "res2.dat.MHC")
    assert_refused(assoc(work, str(work / "res2.dat")), work, capsys, "REF.22.fam")


def test_assoc_out_is_a_directory_or_unusable(work, capsys):
    (work / "results").mkdir()
    assert_refused(assoc(work, str(work / "results")), work, capsys, "--out", "is a directory")
    assert_refused(assoc(work, str(work / "nowhere" / "x.dat")), work, capsys, "does not exist")
    assert_refused(assoc(work, str(work / "assoc.dat" / "x.dat")), work, capsys, "does not exist")


@pytest.mark.parametrize("prefix, target", [
    ("trait.sumstats", "trait.sumstats.gz"),  # not an output name: only the real outputs count
    ("assoc", "assoc.report"),
    ("assoc", "assoc.joint_included.dat"),
    ("assoc", "assoc.loc_1.cond.csv"),
])
def test_post_process_out_hits_an_input(work, capsys, prefix, target):
    if target != "trait.sumstats.gz":
        os.symlink(work / "assoc.dat", work / target)
        assert_refused(post(work, str(work / prefix)), work, capsys, "would overwrite the input")
    else:
        os.symlink(work / "trait.sumstats.gz", work / "trait.sumstats.report")
        assert_refused(post(work, str(work / prefix)), work, capsys, "trait.sumstats.gz")


def test_post_process_out_is_a_directory(work, capsys):
    (work / "post").mkdir()
    assert_refused(post(work, str(work / "post")), work, capsys, "is a directory")


def test_post_process_leaves_nothing_when_it_fails(work, capsys, monkeypatch):
    """A failure after the first outputs are finished removes them (the run's files are all or nothing)."""
    import twascli.post.run as pr

    def boom(*a, **k):
        raise pr.TwasError("simulated failure after the joint tables")

    monkeypatch.setattr(pr, "aligned_gwas_z", boom)
    out = str(work / "post_out")
    code = run(post(work, out) + ["--report"])
    assert code == 1
    assert not [n for n in os.listdir(work) if n.startswith("post_out") or n.startswith(".post_out")]
    monkeypatch.undo()
    assert run(post(work, out) + ["--report"]) == 0  # the same run without the failure writes them
    assert os.path.exists(out + ".joint_included.dat") and os.path.exists(out + ".report")


def test_compute_weights_out_is_an_input(work, capsys):
    base = ["compute-weights", "--bfile", str(work / "gene"), "--models", "top1", "--verbose", "0"]
    os.symlink(work / "gene.bed", work / "w.wgt.RDat")
    assert_refused(base + ["--out", str(work / "w")], work, capsys, "gene.bed")
    (work / "wdir").mkdir()
    assert_refused(base + ["--out", str(work / "wdir")], work, capsys, "is a directory")
    # batch: OUT.pos / OUT.log / OUT/<gene>.wgt.RDat must not be inputs either
    batch = ["compute-weights", "--batch", str(work / "batch.txt"), "--models", "top1", "--verbose", "0"]
    assert_refused(batch + ["--out", str(work / "batch.txt")], work, capsys, "not a directory")
    os.symlink(work / "batch.txt", work / "panel.log")
    assert_refused(batch + ["--out", str(work / "panel")], work, capsys, "batch.txt")


def test_hub_out_holds_an_input(work, capsys):
    hub = os.path.join(HERE, "data", "hub")
    site = work / "site"
    shutil.copytree(hub, site)
    traits = site / "traits.tsv"
    assert_refused(["hub", "--traits", str(traits), "--out", str(site)], work, capsys, "inside the output directory")
    assert_refused(["hub", "--traits", str(traits), "--out", str(traits)], work, capsys, "--out")


def test_stdout_into_an_input(work, tmp_path):
    """`make-score W > W` etc.: refused (the shell has already opened the file; nothing more is written)."""
    wgt = work / "WEIGHTS" / "TissueA" / "GENE22_001.wgt.RDat"
    lst = work / "list.txt"
    pos = work / "WEIGHTS" / "TissueA.pos"
    compare = ["compare-models", "--pos1", str(pos), "--pos2", str(pos), "--ref_ld_chr", str(work / "ldref" / "REF."),
               "--chr", "22"]
    for args, target in ((["make-score", str(wgt)], wgt), (["profile-weights", str(lst)], lst), (compare, pos)):
        before = open(target, "rb").read()
        with open(target, "ab") as fh:  # appending keeps the bytes: the refusal must add none
            res = subprocess.run([sys.executable, "-m", "twascli", *args], stdout=fh, stderr=subprocess.PIPE,
                                 text=True, cwd=HERE)
        assert res.returncode == 1
        assert res.stderr.count("\n") == 1 and "standard output" in res.stderr and "Traceback" not in res.stderr
        assert open(target, "rb").read() == before


def test_version_exits_zero():
    res = subprocess.run([sys.executable, "-m", "twascli", "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("twascli ")


def test_assoc_stdout_into_its_status_table(work):
    """`assoc-test --out X > X.log`: the status table would replace the user's log; refused."""
    out = str(work / "x.dat")
    with open(out + ".log", "wb") as fh:
        res = subprocess.run([sys.executable, "-m", "twascli", *assoc(work, out)], stdout=fh, stderr=subprocess.PIPE,
                             text=True)
    assert res.returncode == 1 and res.stderr.count("\n") == 1 and "standard output" in res.stderr
    assert not os.path.exists(out)
