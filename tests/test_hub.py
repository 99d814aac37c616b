"""`twascli hub`: the site's data against the FUSION result files, incremental rebuilds, and a
headless-Chromium click-through (trait -> locus -> gene) that must log no console error.

The browser test needs Debian's chromium + chromium-driver and the selenium package; it skips
when they are missing. HUB_SCREENSHOTS=DIR makes it save the trait and locus pages as PNGs.
"""

from __future__ import annotations

import functools
import http.server
import json
import math
import os
import re
import shutil
import tempfile
import threading
import time

import pandas as pd
import pytest

from twascli.cli import run

HERE = os.path.dirname(os.path.abspath(__file__))
HUBDATA = os.path.join(HERE, "data", "hub")
PARITY = os.path.join(HERE, "data", "parity", "fusion")
ASSOC = os.path.join(PARITY, "assoc")
POST = os.path.join(HUBDATA, "post")
WEIGHTS = os.path.join(PARITY, "WEIGHTS", "all.pos")
PROFILES = [os.path.join(HUBDATA, "WEIGHTS", f"Tissue{p}.profile") for p in "AB"]
TRAITS = ["trait_strong", "trait_med", "trait_direct", "trait_null"]


def hub(args: list[str], capsys) -> tuple[int, str]:
    """Run `twascli hub ARGS`; return the exit code and stderr."""
    code = run(["hub", *args])
    return code, capsys.readouterr().err


def build_args(traits: str, out: str, *extra: str) -> list[str]:
    args = ["--traits", traits, "--out", out, "--weights", WEIGHTS]
    for p in PROFILES:
        args += ["--profile", p]
    return args + list(extra)


def page_data(path: str) -> dict:
    """The JSON a page hands to hub.js."""
    with open(path, encoding="utf-8") as fh:
        m = re.search(r'<script id="page-data" type="application/json">(.*?)</script>', fh.read(), re.S)
    assert m, f"{path}: no page data"
    return json.loads(m.group(1))


def data_file(path: str) -> dict:
    """The object a data/*.js file hands to HUB.put."""
    with open(path, encoding="utf-8") as fh:
        m = re.match(r'HUB\.put\("[^"]+",(.*)\);\s*$', fh.read(), re.S)
    return json.loads(m.group(1))


def as_dicts(tbl: dict) -> list[dict]:
    """A hub table's rows keyed by column label."""
    labels = [c[0] for c in tbl["cols"]]
    return [dict(zip(labels, r)) for r in tbl["rows"]]


def read_dat(trait: str) -> pd.DataFrame:
    """All assoc-test rows of a trait, trimmed text, as FUSION wrote them."""
    frames = []
    for name in sorted(os.listdir(ASSOC)):
        if re.fullmatch(re.escape(trait) + r"\.[^.]+\.dat(\.MHC)?", name):
            frames.append(pd.read_csv(os.path.join(ASSOC, name), sep="\t", dtype=str, keep_default_na=False))
    return pd.concat(frames, ignore_index=True).apply(lambda c: c.str.strip())


def fmt3(text: str) -> str:
    """How the site shows a number of a result file, computed independently of the hub's code:
    integers as written, else 3 significant digits, scientific (2-digit exponent) below 1e-3."""
    if re.fullmatch(r"-?\d+", text):
        return text
    x = float(text)
    if x == 0:
        return "0"
    if abs(x) < 1e-3:
        mant, ex = f"{x:.2e}".split("e")
        return mant.rstrip("0").rstrip(".") + "e" + ex[0] + ex[1:].rjust(2, "0")
    digits = max(0, 2 - math.floor(math.log10(abs(x))))
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"


def na(v: str) -> str | None:
    return None if v == "NA" else v


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> str:
    out = str(tmp_path_factory.mktemp("hub") / "site")
    assert run(["hub", *build_args(os.path.join(HUBDATA, "traits.tsv"), out), "--verbose", "0"]) == 0
    return out


# ------------------------------------------------------------------------------ data on the pages


def test_trait_associations_match_dat(site):
    """Every model with TWAS P < 0.05/#tested (and no other, outside loci) is listed with the file's text."""
    for trait in TRAITS:
        dat = read_dat(trait)
        p = pd.to_numeric(dat["TWAS.P"], errors="coerce")
        thr = 0.05 / p.notna().sum()
        expect = dat[p < thr]
        pd_ = page_data(os.path.join(site, "traits", f"{trait}.html"))
        rows = as_dicts(pd_["tables"]["hits"])
        sig = [r for r in rows if r.get("Note") is None or "not significant" not in r["Note"]]
        assert len(sig) == len(expect)
        by_key = {(r["Panel"], r["Gene"]): r for r in rows}
        for _, e in expect.iterrows():
            r = by_key[(e["PANEL"], e["ID"])]
            assert r["TWAS Z"] == e["TWAS.Z"] and r["TWAS P"] == e["TWAS.P"]
            assert r["Model"] == e["MODEL"] and r["CV R²"] == e["MODELCV.R2"] and r["HSQ"] == e["HSQ"]
            assert r["P0"] == e["P0"] and r["Chr"] == e["CHR"]
            assert r.get("PP4") == na(e["COLOC.PP4"])
            assert r["Note"] == ("MHC" if 26e6 < float(e["P0"]) and float(e["P1"]) < 34e6 and e["CHR"] == "6" else None)
        with open(os.path.join(site, "traits", f"{trait}.html"), encoding="utf-8") as fh:
            text = fh.read()
        mhc = (expect["CHR"] == "6") & (expect["P0"].astype(float) > 26e6) & (expect["P1"].astype(float) < 34e6)
        assert f'<div class="stat" id="nhits"><b>{int((~mhc).sum())}</b>' in text  # MHC rows shown, not counted
        assert f'<div class="stat" id="tested"><b>{p.notna().sum()}</b>' in text
        assert f"{thr:.3g}" in text


def test_joint_status_from_post_process(site):
    """Joint/conditional Z and P come from .joint_included.dat / .joint_dropped.dat."""
    rows = as_dicts(page_data(os.path.join(site, "traits", "trait_strong.html"))["tables"]["hits"])
    for kind, status, zc, pc in (("included", "joint", "JOINT.Z", "JOINT.P"), ("dropped", "cond", "COND.Z", "COND.P")):
        for chrom in ("22", "6"):
            jt = pd.read_csv(os.path.join(POST, f"trait_strong.{chrom}.joint_{kind}.dat"), sep="\t", dtype=str).apply(lambda c: c.str.strip())
            for _, j in jt.iterrows():
                panel = j["FILE"].split("/")[-2]
                r = next(r for r in rows if r["Gene"] == j["ID"] and r["Panel"] == panel)
                assert (r["Joint"], r["Joint Z"], r["Joint P"]) == (status, j[zc], j[pc])


def test_loci_match_report_genes_and_cond(site):
    """Loci (report), their models (.genes + joint files) and plot data (.cond.csv) are the files' numbers."""
    loci = as_dicts(page_data(os.path.join(site, "traits", "trait_strong.html"))["tables"]["loci"])
    n = 0
    for chrom in ("22", "6"):
        with open(os.path.join(POST, f"trait_strong.{chrom}.report")) as fh:
            lines = [ln.rstrip("\n").split("\t") for ln in fh]
        header = lines[0]
        for cells in lines[1:]:
            rep = dict(zip(header, [c.strip() for c in cells]))
            k = int(rep["FILE"].rsplit("_", 1)[1])
            row = next(r for r in loci if r["Locus"][1] == f"loci/trait_strong/{chrom}_{k}.html")
            assert [row["P0"], row["P1"], row["Hit genes"], row["Joint models"], row["Best TWAS P"], row["Best SNP P"],
                    row["Cond. SNP P"], row["Var. explained"]] == [rep[c] for c in ("P0", "P1", "HIT.GENES", "JOINT.GENES",
                                                                                    "BEST.TWAS.P", "BEST.SNP.P", "COND.SNP.P", "VAR.EXP")]
            lp = page_data(os.path.join(site, "loci", "trait_strong", f"{chrom}_{k}.html"))
            genes = pd.read_csv(os.path.join(POST, f"trait_strong.{chrom}.loc_{k}.genes"), sep="\t", dtype=str)
            models = as_dicts(lp["tables"]["models"])
            assert len(models) == len(genes)
            # "joint genes" counts genes, not models (FUSION's JOINT.GENES counts models)
            assert row["Joint genes"] == str(genes.loc[genes["JOINT"] == "TRUE", "ID"].nunique())
            for _, g in genes.iterrows():
                m = next(m for m in models if m["Gene"] == g["ID"] and m["Panel"] == g["PANEL"])
                assert (m["TWAS Z"], m["TWAS P"], m["Top SNP cor."]) == (g["TWAS.Z"], g["TWAS.P"], g["TOP.SNP.COR"])
                assert m["Joint"] == ("joint" if g["JOINT"] == "TRUE" else "cond")
            cond = pd.read_csv(os.path.join(POST, f"trait_strong.{chrom}.loc_{k}.cond.csv"))
            plot = lp["locus"]
            assert plot["snp"] == cond["SNP"].tolist() and plot["pos"] == cond["POS"].tolist()
            for col, key in (("GWAS.LOGP", "gwas"), ("GWAS_cond.LOGP", "cond")):
                want = [None if math.isnan(v) else v for v in cond[col]]
                assert plot[key] == want
            n += 1
    assert n == len(loci) == 5


def test_gene_page_models_and_associations(site):
    """Gene pages: the profile row per panel and every significant trait association, with locus links."""
    prof = {p: pd.read_csv(f, sep="\t", dtype=str).apply(lambda c: c.str.strip()).set_index("id")
            for p, f in zip(("TissueA", "TissueB"), PROFILES)}
    gp = page_data(os.path.join(site, "genes", "GENE22_005.html"))
    models = as_dicts(gp["tables"]["models"])
    assert {m["Panel"] for m in models} == {"TissueA", "TissueB"}
    for m in models:
        row = prof[m["Panel"]].loc["GENE22_005"]
        assert (m["#SNPs"], m["HSQ"], m["top1 R²"], m["lasso R²"]) == (row["nsnps"], row["hsq"], row["top1.r2"], row["lasso.r2"])
        assert "bslmm R²" not in m  # all NA in the profiles: column dropped
    assoc = as_dicts(gp["tables"]["assoc"])
    dat = read_dat("trait_strong").set_index(["PANEL", "ID"])
    assert {a["Trait"] for a in assoc} == {"trait_strong"}
    for a in assoc:
        e = dat.loc[(a["Panel"], "GENE22_005")]
        assert (a["TWAS Z"], a["TWAS P"]) == (e["TWAS.Z"], e["TWAS.P"])
        assert a["Locus"] == ["chr22 #1", "loci/trait_strong/22_1.html"]
    # a gene without any association still has its page, with an empty association list
    assert page_data(os.path.join(site, "genes", "GENE22_001.html"))["tables"]["assoc"]["rows"] == []


def test_manhattan_and_indices(site):
    """Manhattan values are signed -log10 TWAS.P of every tested model; indices count what the files hold."""
    models = data_file(os.path.join(site, "data", "models.js"))
    man = data_file(os.path.join(site, "data", "manhattan", "trait_strong.js"))
    dat = read_dat("trait_strong")
    panels = models["panels"]
    idx = {(panels[p], g): i for i, (p, g) in enumerate(zip(models["panel"], models["id"]))}
    for _, e in dat.iterrows():
        v = man["v"][idx[(e["PANEL"], e["ID"])]]
        if e["TWAS.P"] == "NA":
            assert v is None
            continue
        want = -math.log10(float(e["TWAS.P"])) * (1 if float(e["TWAS.Z"]) >= 0 else -1)
        assert v == pytest.approx(want, abs=0.006)
    assert man["extra"] == []
    traits = as_dicts(data_file(os.path.join(site, "data", "traits-index.js")))
    strong = next(t for t in traits if t["Trait"] == "trait_strong")
    joint_ids = set()
    for chrom in ("22", "6"):
        joint_ids |= set(pd.read_csv(os.path.join(POST, f"trait_strong.{chrom}.joint_included.dat"), sep="\t", dtype=str)["ID"].str.strip())
    # 17 significant models of which 6 in the MHC (shown, not counted); 7 joint models of len(joint_ids) genes
    assert (strong["Significant models"], strong["Loci"], strong["Joint genes"]) == ("11", "5", str(len(joint_ids)))
    assert strong["Tags"] == ["simulated", "mediated"]
    genes = as_dicts(data_file(os.path.join(site, "data", "genes-index.js")))
    assert len(genes) == len(set(pd.read_csv(WEIGHTS, sep="\t")["ID"]))
    with open(os.path.join(site, "index.html"), encoding="utf-8") as fh:
        home = fh.read()
    assert '<div class="stat" id="c-traits"><b>4</b>' in home and '<div class="stat" id="c-loci"><b>5</b>' in home


def test_downloads_are_the_result_files(tmp_path, capsys):
    """--downloads copy: the result files themselves, linked from the trait page."""
    site = str(tmp_path / "site")
    assert hub(build_args(os.path.join(HUBDATA, "traits.tsv"), site, "--downloads", "copy"), capsys)[0] == 0
    files = os.listdir(os.path.join(site, "files", "trait_strong"))
    assert "trait_strong.22.dat" in files and "trait_strong.6.dat.MHC" in files and "trait_strong.22.loc_1.cond.csv" in files
    with open(os.path.join(site, "files", "trait_strong", "trait_strong.22.report"), "rb") as a, \
            open(os.path.join(POST, "trait_strong.22.report"), "rb") as b:
        assert a.read() == b.read()
    with open(os.path.join(site, "traits", "trait_strong.html"), encoding="utf-8") as fh:
        assert 'href="../files/trait_strong/trait_strong.22.dat" download' in fh.read()


# ------------------------------------------------------------------------------ incremental builds


def _table(path: str, traits: list[str]) -> str:
    lines = ["id\tname\tN\tdescription\ttags\tassoc\tpost"]
    for t in traits:
        post = "post/trait_strong" if t == "trait_strong" else ""
        lines.append(f"{t}\t{t.replace('_', ' ')}\t4700\t\tsim\tassoc/{t}\t{post}")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def _mtimes(root: str) -> dict[str, int]:
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, root)] = os.stat(p).st_mtime_ns
    return out


def test_incremental_rebuild(tmp_path, capsys):
    """Adding a trait re-reads only it and rewrites only its pages, affected genes and the indices."""
    shutil.copytree(ASSOC, tmp_path / "assoc")
    shutil.copytree(POST, tmp_path / "post")
    table = _table(str(tmp_path / "traits.tsv"), ["trait_strong", "trait_null"])
    out = str(tmp_path / "site")
    code, err = hub(build_args(table, out), capsys)
    assert code == 0 and "built" in err and "2 trait(s) read" in err
    before = _mtimes(out)
    time.sleep(0.01)

    code, err = hub(build_args(table, out), capsys)  # nothing changed
    assert code == 0 and "0 trait(s) read, 2 unchanged" in err
    after = _mtimes(out)
    changed = {k for k in after if after[k] != before.get(k)}
    assert all(not k.startswith(("traits/", "genes/", "loci/", "files/", "data/manhattan/")) for k in changed), changed

    _table(table, ["trait_strong", "trait_null", "trait_med"])
    code, err = hub(build_args(table, out), capsys)
    assert code == 0 and "updated" in err and "1 trait(s) read, 2 unchanged" in err
    after2 = _mtimes(out)
    changed = {k for k in after2 if after2[k] != after.get(k)}
    assert "traits/trait_med.html" in changed and "data/manhattan/trait_med.js" in changed
    assert "genes/GENE6_017.html" in changed  # trait_med's only significant gene
    assert not any(k.startswith("loci/trait_strong/") for k in changed)
    assert "genes/GENE22_005.html" not in changed and "traits/trait_null.html" not in changed
    assert len([k for k in changed if k.startswith("genes/")]) == 1
    traits = as_dicts(data_file(os.path.join(out, "data", "traits-index.js")))
    assert {t["Trait"] for t in traits} == {"trait_strong", "trait_null", "trait_med"}

    # changing one input file re-reads that trait only; removing a trait removes its pages and files
    with open(tmp_path / "post" / "trait_strong.22.report", "a") as fh:
        fh.write("")
    os.utime(tmp_path / "post" / "trait_strong.22.report", ns=(1, 1))
    _table(table, ["trait_strong", "trait_null"])
    code, err = hub(build_args(table, out), capsys)
    assert code == 0 and "1 trait(s) read, 1 unchanged, 1 removed" in err
    assert not os.path.exists(os.path.join(out, "traits", "trait_med.html"))
    assert not os.path.exists(os.path.join(out, "files", "trait_med"))
    assert not page_data(os.path.join(out, "genes", "GENE6_017.html"))["tables"]["assoc"]["rows"]

    # a site rebuilt from scratch is identical to the incrementally updated one
    fresh = str(tmp_path / "fresh")
    assert hub(build_args(table, fresh), capsys)[0] == 0
    for rel in _mtimes(fresh):
        if rel.startswith(".hub/") or rel.startswith("files/"):
            continue
        with open(os.path.join(fresh, rel), "rb") as a, open(os.path.join(out, rel), "rb") as b:
            assert a.read() == b.read(), rel


def test_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "t.tsv"
    bad.write_text("id\tassoc\nbad id\tx\n")
    code, err = hub(["--traits", str(bad), "--out", str(tmp_path / "s")], capsys)
    assert code == 1 and "trait id 'bad id'" in err and len(err.strip().splitlines()) == 1
    bad.write_text("id\tassoc\nt1\tnowhere/t1\n")
    code, err = hub(["--traits", str(bad), "--out", str(tmp_path / "s")], capsys)
    assert code == 1 and "no assoc-test results found for trait t1" in err
    assert not os.path.exists(tmp_path / "s") and not [p for p in os.listdir(tmp_path) if p.startswith(".s.")]
    bad.write_text("name\tassoc\nx\ty\n")
    code, err = hub(["--traits", str(bad), "--out", str(tmp_path / "s")], capsys)
    assert code == 1 and "lacks required column 'id'" in err
    (tmp_path / "notasite").mkdir()
    (tmp_path / "notasite" / "keep.txt").write_text("x")
    code, err = hub(build_args(os.path.join(HUBDATA, "traits.tsv"), str(tmp_path / "notasite")), capsys)
    assert code == 1 and "not a twascli hub site" in err
    code, err = hub(["--traits", os.path.join(HUBDATA, "traits.tsv"), "--out", str(tmp_path / "s"), "--weights", WEIGHTS,
                     "--profile", "TissueC=" + PROFILES[0]], capsys)
    assert code == 1 and "profile panel 'TissueC'" in err


def test_download_modes_and_threshold(tmp_path, capsys):
    """--downloads gzip/link/none and a fixed --pthresh."""
    import gzip

    table = tmp_path / "traits.tsv"
    table.write_text(f"id\tassoc\tpost\ntrait_strong\t{ASSOC}/trait_strong\t{POST}/trait_strong\n")
    out = str(tmp_path / "gz")
    assert hub(build_args(str(table), out, "--downloads", "gzip", "--pthresh", "1e-3"), capsys)[0] == 0
    with gzip.open(os.path.join(out, "files", "trait_strong", "trait_strong.22.dat.gz"), "rb") as a, \
            open(os.path.join(ASSOC, "trait_strong.22.dat"), "rb") as b:
        assert a.read() == b.read()
    p = pd.to_numeric(read_dat("trait_strong")["TWAS.P"], errors="coerce")
    rows = as_dicts(page_data(os.path.join(out, "traits", "trait_strong.html"))["tables"]["hits"])
    assert len([r for r in rows if "not significant" not in (r.get("Note") or "")]) == int((p < 1e-3).sum())
    out = str(tmp_path / "ln")
    assert hub(build_args(str(table), out, "--downloads", "link"), capsys)[0] == 0
    assert os.path.samefile(os.path.join(out, "files", "trait_strong", "trait_strong.6.report"), os.path.join(POST, "trait_strong.6.report"))
    out = str(tmp_path / "none")
    assert hub(build_args(str(table), out, "--downloads", "none"), capsys)[0] == 0
    assert not os.path.exists(os.path.join(out, "files"))
    code, err = hub(build_args(str(table), str(tmp_path / "bad"), "--downloads", "zip"), capsys)
    assert code == 1 and "--downloads must be" in err


def test_synthetic_benchmark_workload_builds(tmp_path):
    """benchmarks/bench_hub.py's generator writes inputs the hub reads (tiny scale), in parallel too."""
    import importlib.util

    from twascli.hub.build import HubOptions, build_hub

    spec = importlib.util.spec_from_file_location("bench_hub", os.path.join(HERE, "..", "benchmarks", "bench_hub.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    paths = bench.make_workload(str(tmp_path), 8, 400)
    opts = HubOptions(traits=paths["table_plus"], out=str(tmp_path / "site"), weights=[str(tmp_path / "WEIGHTS" / "all.pos")],
                      profiles=[str(tmp_path / "WEIGHTS" / f"{p}.profile") for p in bench.PANELS], jobs=2)
    res = build_hub(opts)
    assert len(res.parsed) == 9 and not res.warnings
    st = bench.site_stats(str(tmp_path / "site"))
    assert st["files"] > 200 and st["html"][1] < 3_000_000


# ------------------------------------------------------------------------------ headless browser


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _driver(javascript: bool = True):
    """A headless Chromium driven by selenium (JavaScript off when asked), or a skip saying what is missing."""
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("headless browser test needs chromium and chromedriver (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("headless browser test needs the selenium package (pip install selenium)")
    opts = Options()
    opts.binary_location = CHROMIUM
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000",
              "--user-data-dir=" + tempfile.mkdtemp(prefix="hub-chromium-")):
        opts.add_argument(a)
    if not javascript:
        opts.add_argument("--blink-settings=scriptEnabled=false")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


def _errors(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def _wait(driver, script: str, timeout: float = 10.0):
    end = time.time() + timeout
    while time.time() < end:
        v = driver.execute_script(script)
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {script}")


def _table_rows(driver, table_id: str) -> list[dict]:
    return driver.execute_script(
        "var t = document.querySelector('table[data-table-id=\"' + arguments[0] + '\"]');"
        "var hs = Array.from(t.querySelectorAll('thead th')).map(th => th.getAttribute('data-col'));"
        "return Array.from(t.querySelectorAll('tbody tr')).map(tr => {var o = {};"
        " Array.from(tr.children).forEach((td, i) => o[hs[i]] = td.textContent); return o;});", table_id)


def _shot(driver, name: str) -> None:
    target = os.environ.get("HUB_SCREENSHOTS")
    if not target:
        return
    os.makedirs(target, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(height + 40, 2400))
    time.sleep(0.3)
    driver.save_screenshot(os.path.join(target, name))
    driver.set_window_size(1400, 1000)


def test_browser_click_through(site):
    """Traits index -> trait -> locus -> gene in headless Chromium: numbers shown = files, no console error."""
    driver = _driver()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=site))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        from selenium.webdriver.common.by import By

        driver.get(base + "index.html")
        _wait(driver, "return document.body.classList.contains('ready')")
        assert driver.find_element(By.CSS_SELECTOR, "#c-traits b").text == "4"
        # search box finds the trait, then the traits index lists and filters it by tag
        box = driver.find_element(By.ID, "hsearch")
        box.send_keys("strong")
        _wait(driver, "return document.querySelectorAll('#hresults a').length > 0")
        assert "Strong mediated trait" in driver.find_element(By.CSS_SELECTOR, "#hresults a").text
        assert not _errors(driver)

        driver.get(base + "traits.html")
        _wait(driver, "return document.querySelector('table[data-table-id=traits] tbody tr a')")
        driver.find_element(By.XPATH, "//div[@id='tagbar']/button[starts-with(normalize-space(.), 'null')]").click()
        assert [r["Trait"] for r in _table_rows(driver, "traits")] == ["Null trait"]
        driver.find_element(By.XPATH, "//div[@id='tagbar']/button[starts-with(normalize-space(.), 'null')]").click()
        driver.find_element(By.LINK_TEXT, "Strong mediated trait").click()

        # trait page: hits table shows the .dat's text, Manhattan drawn from lazily loaded data
        _wait(driver, "return document.querySelector('#manhattan canvas')")
        assert driver.current_url.endswith("traits/trait_strong.html")
        dat = read_dat("trait_strong").set_index(["PANEL", "ID"])
        shown = _table_rows(driver, "hits")
        assert len(shown) == 17
        for r in shown:
            e = dat.loc[(r["Panel"], r["Gene"])]
            # shown with 3 significant digits (scientific below 1e-3) of the file's numbers
            assert (r["TWAS Z"], r["TWAS P"], r["Model"]) == (fmt3(e["TWAS.Z"]), fmt3(e["TWAS.P"]), e["MODEL"])
        assert shown[0]["TWAS P"] == "7.12e-14"  # sorted by P
        assert driver.execute_script("return document.querySelector('.legend .count').textContent") == "84 models"
        assert not _errors(driver)
        _shot(driver, "hub_trait.png")

        # locus page: report numbers in the header cards, models with joint/conditional statistics
        driver.find_element(By.CSS_SELECTOR, "table[data-table-id=loci] a[href$='loci/trait_strong/22_1.html']").click()
        _wait(driver, "return document.querySelector('#locusplot canvas')")
        assert driver.find_element(By.CSS_SELECTOR, "#btp b").text == "1.99e-11"
        assert driver.find_element(By.CSS_SELECTOR, "#vexp b").text == "0.946"
        models = {(r["Gene"], r["Panel"]): r for r in _table_rows(driver, "models")}
        assert models[("GENE22_004", "TissueA")]["Joint"] == "cond"
        assert models[("GENE22_004", "TissueA")]["Joint Z"] == "-2.03"
        assert models[("GENE22_005", "TissueB")]["Joint P"] == "5.1e-05"
        # hovering a point shows the .cond.csv values
        hover = driver.execute_script(
            "var c = document.querySelector('#locusplot canvas'); var r = c.getBoundingClientRect();"
            "for (var x = 60; x < r.width - 20; x += 2) { for (var y = 20; y < 290; y += 2) {"
            " c.dispatchEvent(new MouseEvent('mousemove', {clientX: r.left + x, clientY: r.top + y, bubbles: true}));"
            " var t = document.querySelector('#locusplot .tip'); if (t.style.display === 'block' && /^rs/.test(t.textContent)) return t.textContent; } }"
            "return null;")
        assert hover and "GWAS" in hover
        snp = re.match(r"(rs\d+)", hover).group(1)
        cond = pd.read_csv(os.path.join(POST, "trait_strong.22.loc_1.cond.csv"), dtype=str).set_index("SNP")
        assert f"{float(cond.loc[snp, 'GWAS.LOGP']):g}" in hover.replace("GWAS \u2212log10 P: ", " ")
        assert not _errors(driver)
        _shot(driver, "hub_locus.png")

        # gene page from the locus table: profile numbers and the association back to the locus
        driver.find_element(By.CSS_SELECTOR, "table[data-table-id=models] a[href$='genes/GENE22_005.html']").click()
        _wait(driver, "return document.querySelector('table[data-table-id=assoc] tbody tr a')")
        prof = pd.read_csv(PROFILES[1], sep="\t", dtype=str).apply(lambda c: c.str.strip()).set_index("id").loc["GENE22_005"]
        rows = {r["Panel"]: r for r in _table_rows(driver, "models")}
        assert (rows["TissueB"]["HSQ"], rows["TissueB"]["top1 R²"], rows["TissueB"]["#SNPs"]) == (fmt3(prof["hsq"]), fmt3(prof["top1.r2"]), prof["nsnps"])
        assoc = _table_rows(driver, "assoc")
        assert {r["Trait"] for r in assoc} == {"Strong mediated trait"} and {r["Locus"] for r in assoc} == {"chr22 #1"}
        assert not _errors(driver)

        # genes index: paginated, filterable; works from file:// as well
        driver.get("file://" + os.path.join(site, "genes.html"))
        _wait(driver, "return document.querySelector('table[data-table-id=genes] tbody tr a')")
        assert len(_table_rows(driver, "genes")) == 50
        driver.find_element(By.CSS_SELECTOR, "input.filter").send_keys("GENE6_011")
        _wait(driver, "return document.querySelectorAll('table[data-table-id=genes] tbody tr').length === 1")
        assert not _errors(driver)
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------ issue 15: hub views


def _zp_all() -> dict[str, pd.DataFrame]:
    """Every trait's assoc-test rows keyed by (PANEL, ID), numbers as floats."""
    out = {}
    for t in TRAITS:
        d = read_dat(t)
        d["z"] = pd.to_numeric(d["TWAS.Z"], errors="coerce")
        d["p"] = pd.to_numeric(d["TWAS.P"], errors="coerce")
        out[t] = d.set_index(["PANEL", "ID"])
    return out


def test_gene_heatmap_every_trait_and_model(site):
    """One Z per trait x model, the assoc file's own value, and each trait's mean chi-square (the ratio's denominator)."""
    dats = _zp_all()
    heat = data_file(os.path.join(site, "data", "genez", "GENE22_005.js"))
    tl = data_file(os.path.join(site, "data", "traits-list.js"))
    assert tl["ids"] == TRAITS and heat["models"] == ["TissueA", "TissueB"]
    assert len(heat["z"]) == len(TRAITS)
    for t, zs, mc in zip(tl["ids"], heat["z"], tl["chisq"]):
        d = dats[t]
        assert zs == [float(d.loc[(panel, "GENE22_005"), "TWAS.Z"]) for panel in ("TissueA", "TissueB")]  # the file's Z
        assert mc == pytest.approx(float((d["z"].dropna() ** 2).mean()), rel=1e-6)
    # the model FUSION tested is the MODEL column of the .dat, not a recomputed best
    models = {m["Panel"]: m for m in as_dicts(page_data(os.path.join(site, "genes", "GENE22_001.html"))["tables"]["models"])}
    assert models["TissueA"]["Model tested"] == dats["trait_strong"].loc[("TissueA", "GENE22_001"), "MODEL"] == "lasso"
    assert models["TissueA"]["CV P"] == dats["trait_strong"].loc[("TissueA", "GENE22_001"), "MODELCV.PV"]


def test_pleiotropy_matches_independent_computation(tmp_path, capsys):
    """Pleiotropy rows: S = a trait's jointly significant models (its significant models without loci);
    statistics per TWAS_HUB's REPORT_SINGLE.R, recomputed here from the result files. trait_twin is a
    copy of trait_strong's assoc files with Z sign-flipped on TissueB (so the correlation is not 1)."""
    from scipy.stats import pearsonr

    (tmp_path / "assoc").mkdir()
    for name in os.listdir(ASSOC):
        if name.startswith("trait_strong.") and ".dat" in name:
            d = pd.read_csv(os.path.join(ASSOC, name), sep="\t", dtype=str, keep_default_na=False)
            flip = d["PANEL"].str.strip() == "TissueB"
            d.loc[flip, "TWAS.Z"] = [str(-float(z)) if z.strip() != "NA" else z for z in d.loc[flip, "TWAS.Z"]]
            d.to_csv(tmp_path / "assoc" / name.replace("trait_strong", "trait_twin"), sep="\t", index=False)
    table = tmp_path / "traits.tsv"
    rows_ = [f"{t}\t{ASSOC}/{t}\t{POST + '/trait_strong' if t == 'trait_strong' else ''}" for t in TRAITS]
    table.write_text("id\tassoc\tpost\n" + "\n".join(rows_) + f"\ntrait_twin\t{tmp_path}/assoc/trait_twin\t\n")
    site = str(tmp_path / "site")
    assert hub(build_args(str(table), site), capsys)[0] == 0

    dats = _zp_all()
    twin = pd.concat([pd.read_csv(tmp_path / "assoc" / n, sep="\t", dtype=str, keep_default_na=False)
                      for n in sorted(os.listdir(tmp_path / "assoc"))]).apply(lambda c: c.str.strip())
    twin["z"], twin["p"] = pd.to_numeric(twin["TWAS.Z"], errors="coerce"), pd.to_numeric(twin["TWAS.P"], errors="coerce")
    dats["trait_twin"] = twin.set_index(["PANEL", "ID"])
    joint = set()
    for chrom in ("22", "6"):
        jt = pd.read_csv(os.path.join(POST, f"trait_strong.{chrom}.joint_included.dat"), sep="\t", dtype=str)
        joint |= {(f.split("/")[-2], g.strip()) for f, g in zip(jt["FILE"], jt["ID"])}
    n_rows = 0
    for me in ("trait_strong", "trait_twin"):
        d = dats[me]
        thr = 0.05 / d["p"].notna().sum()
        mhc = (d["CHR"] == "6") & (d["P0"].astype(float) > 26e6) & (d["P1"].astype(float) < 34e6)
        top = list(d[(d["p"] < thr) & ~mhc].index)
        S = [k for k in top if k in joint] if me == "trait_strong" else top
        relaxed = 0.05 / len(top)
        got = {r["Trait"]: r for r in as_dicts(page_data(os.path.join(site, "traits", f"{me}.html"))["tables"]["pleio"])}
        expect = set()
        for t, o in dats.items():
            if t == me:
                continue
            keep = [k for k in S if o.loc[k, "p"] < relaxed]
            if not keep:
                continue
            expect.add(t)
            r = got[t]
            assert r["Genes+"] == str(len({k[1] for k in keep}))
            othr = 0.05 / o["p"].notna().sum()
            gpp = {k[1] for k in S if o.loc[k, "p"] < othr}
            assert r["Genes++"] == str(len(gpp))
            ratio = float((o.loc[S, "z"] ** 2).mean()) / float((o["z"].dropna() ** 2).mean())
            assert float(r["χ² ratio"]) == pytest.approx(ratio, rel=5e-3)
            assert float(r["% genes++"]) == pytest.approx(100 * len(gpp) / len({k[1] for k in S}), rel=5e-3)
            if len(keep) >= 4:
                c = pearsonr(d.loc[keep, "z"], o.loc[keep, "z"])[0]
                assert float(r["Corr."]) == pytest.approx(c, abs=5e-3)
            else:
                assert r.get("Corr.") is None
            n_rows += 1
        assert set(got) == expect
    assert n_rows >= 2  # the twins see each other

    # per-panel counts
    d = dats["trait_strong"]
    thr = 0.05 / d["p"].notna().sum()
    mhc = (d["CHR"] == "6") & (d["P0"].astype(float) > 26e6) & (d["P1"].astype(float) < 34e6)
    panels = {r["Panel"]: r for r in as_dicts(page_data(os.path.join(site, "traits", "trait_strong.html"))["tables"]["panels"])}
    for panel in ("TissueA", "TissueB"):
        sub = d.xs(panel, level="PANEL")
        smhc = mhc.xs(panel, level="PANEL")
        assert panels[panel]["Models tested"] == str(sub["p"].notna().sum())
        assert panels[panel]["Significant"] == str(int(((sub["p"] < thr) & ~smhc).sum()))
        assert float(panels[panel]["Mean χ²"]) == pytest.approx(float((sub["z"].dropna() ** 2).mean()), rel=5e-3)


def test_locus_page_columns_pips_and_navigation(site):
    """Locus models carry NWGT, EQTL.R2, EQTL.GWAS.Z, PP3 and the .focus PIPs; loci link to their neighbours."""
    path = os.path.join(site, "loci", "trait_strong", "22_1.html")
    models = as_dicts(page_data(path)["tables"]["models"])
    genes = pd.read_csv(os.path.join(POST, "trait_strong.22.loc_1.genes"), sep="\t", dtype=str)
    focus = pd.read_csv(os.path.join(POST, "trait_strong.22.loc_1.focus"), sep="\t", dtype=str)
    for _, g in genes.iterrows():
        m = next(m for m in models if m["Gene"] == g["ID"] and m["Panel"] == g["PANEL"])
        assert (m["#Wgt"], m["eQTL R²"], m["eQTL GWAS Z"]) == (g["NWGT"], g["EQTL.R2"], g["EQTL.GWAS.Z"])
        f = focus[(focus["ID"] == g["ID"]) & (focus["PANEL"] == g["PANEL"])].iloc[0]
        assert m["PIP"] == f["pips_pop1"]
        assert m.get("Cred. set") == ("yes" if f["in_cred_set_pop1"] == "TRUE" else None)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert '<div class="stat" id="nullpip"><b>0.0137</b>' in text
    assert 'href="22_2.html" rel="next"' in text and 'href="6_1.html" rel="prev"' in text  # chr6 sorts first
    with open(os.path.join(site, "loci", "trait_strong", "22_2.html"), encoding="utf-8") as fh:
        assert 'href="22_1.html" rel="prev"' in fh.read()


def test_trait_page_without_javascript(site):
    """The associations table is in the HTML itself (server-rendered), with the site's number format."""
    with open(os.path.join(site, "traits", "trait_strong.html"), encoding="utf-8") as fh:
        text = fh.read()
    m = re.search(r'<div data-table="hits"><div class="scroll"><table class="data" data-table-id="hits">(.*?)</table>', text, re.DOTALL)
    assert m
    rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.DOTALL)
    assert len(rows) == 1 + 17  # header + every listed model
    assert ">7.12e-14<" in rows[1] and 'href="../genes/GENE22_005.html"' in text


def _special_site(tmp_path, capsys, *extra: str) -> tuple[str, str]:
    """A hub with an empty post-process report (trait_direct), a trait with no hits (trait_null) and an
    MHC-only trait (trait_med: its only significant model is in chr6 26-34 Mb)."""
    post = tmp_path / "post"
    post.mkdir()
    (post / "trait_direct.22.report").write_bytes(b"")
    table = tmp_path / "traits.tsv"
    table.write_text("id\tassoc\tpost\n"
                     f"trait_direct\t{ASSOC}/trait_direct\t{post}/trait_direct\n"
                     f"trait_null\t{ASSOC}/trait_null\t\n"
                     f"trait_med\t{ASSOC}/trait_med\t\n")
    out = str(tmp_path / "site")
    code, err = hub(build_args(str(table), out, *extra), capsys)
    assert code == 0, err
    return out, err


def test_empty_report_no_hits_and_mhc_only_traits(tmp_path, capsys):
    out, err = _special_site(tmp_path, capsys)
    assert "trait_direct.22.report is empty" in err
    pages = {}
    for t in ("trait_direct", "trait_null", "trait_med"):
        with open(os.path.join(out, "traits", f"{t}.html"), encoding="utf-8") as fh:
            pages[t] = fh.read()
    assert "trait_direct.22.report is empty (no locus on chromosome 22): skipped" in pages["trait_direct"]
    assert "No post-process outputs" not in pages["trait_direct"]
    assert "No model reaches TWAS P &lt; 5.95e-04 for this trait: no significant association." in pages["trait_null"]
    assert '<p class="note">No significant association.</p>' in pages["trait_null"]
    assert "No association outside the MHC" in pages["trait_med"]
    med = read_dat("trait_med")
    n_mhc = int((pd.to_numeric(med["TWAS.P"], errors="coerce") < 0.05 / pd.to_numeric(med["TWAS.P"], errors="coerce").notna().sum()).sum())
    assert '<div class="stat" id="nhits"><b>0</b>' in pages["trait_med"] and f'<div class="stat" id="nmhc"><b>{n_mhc}</b>' in pages["trait_med"]
    # --mhc none: the MHC file's rows count like any other
    out2 = str(tmp_path / "none")
    assert hub(build_args(str(tmp_path / "traits.tsv"), out2, "--mhc", "none"), capsys)[0] == 0
    with open(os.path.join(out2, "traits", "trait_med.html"), encoding="utf-8") as fh:
        assert f'<div class="stat" id="nhits"><b>{n_mhc}</b>' in fh.read()
    code, err = hub(build_args(str(tmp_path / "traits.tsv"), str(tmp_path / "bad"), "--mhc", "chr6:34-26"), capsys)
    assert code == 1 and "--mhc" in err and len(err.strip().splitlines()) == 1


def test_default_downloads_archive_pages_pheno_map_and_search(tmp_path, capsys):
    """Default downloads: one reproducible .tar.gz per trait (no copies); Markdown pages; phenotypes
    grouped under genes by --gene_regex; symbols and orthologs in the search index."""
    import tarfile

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "home.md").write_text("Welcome to **our** hub.\n")
    (pages / "about.md").write_text("# About this hub\n\nCite us. <script>alert(1)</script>\n\n[bad](javascript:alert(1))\n")
    pm = tmp_path / "map.tsv"
    ids = sorted(set(pd.read_csv(WEIGHTS, sep="\t")["ID"]))
    pm.write_text("ID\tGENE\tSYMBOL\tTISSUE\tMODALITY\n" + "".join(
        f"{g}\t{'GENE22_00X' if g in ('GENE22_004', 'GENE22_005') else g}\t{'Abc1' if g == 'GENE22_005' else ''}\tLiver\texpression\n"
        for g in ids))
    orth = tmp_path / "orth.tsv"
    orth.write_text("GENE\tHUMAN\nGENE22_00X\tHUMANX1\n")
    table = tmp_path / "traits.tsv"
    table.write_text(f"id\tassoc\tpost\ntrait_strong\t{ASSOC}/trait_strong\t{POST}/trait_strong\n")
    out = str(tmp_path / "site")
    code, err = hub(build_args(str(table), out, "--pages", str(pages), "--pheno_map", str(pm), "--orthologs", str(orth)), capsys)
    assert code == 0, err
    assert os.listdir(os.path.join(out, "files")) == ["trait_strong.tar.gz"]
    with tarfile.open(os.path.join(out, "files", "trait_strong.tar.gz")) as tar:
        names = tar.getnames()
        assert "trait_strong/trait_strong.22.dat" in names and "trait_strong/trait_strong.22.loc_1.cond.csv" in names
        with open(os.path.join(ASSOC, "trait_strong.22.dat"), "rb") as fh:
            assert tar.extractfile("trait_strong/trait_strong.22.dat").read() == fh.read()
    with open(os.path.join(out, "about.html"), encoding="utf-8") as fh:
        about = fh.read()
    assert "<h1>About this hub</h1>" in about and "<script>alert" not in about and 'href="javascript' not in about
    with open(os.path.join(out, "index.html"), encoding="utf-8") as fh:
        home = fh.read()
    assert "Welcome to <strong>our</strong> hub." in home and 'href="about.html"' in home
    # two phenotypes, one gene: one gene page listing both, with tissue and modality
    assert not os.path.exists(os.path.join(out, "genes", "GENE22_004.html"))
    models = as_dicts(page_data(os.path.join(out, "genes", "GENE22_00X.html"))["tables"]["models"])
    assert sorted(m["Phenotype"] for m in models) == ["GENE22_004", "GENE22_004", "GENE22_005", "GENE22_005"]
    assert {m["Tissue"] for m in models} == {"Liver"} and {m["Modality"] for m in models} == {"expression"}
    genes = as_dicts(data_file(os.path.join(out, "data", "genes-index.js")))
    assert len(genes) == len(ids) - 1
    search = data_file(os.path.join(out, "data", "search.js"))
    assert "Abc1" in search["alias"]["GENE22_00X"] and "HUMANX1" in search["alias"]["GENE22_00X"]
    heat = data_file(os.path.join(out, "data", "genez", "GENE22_00X.js"))
    assert heat["models"] == ["TissueA · GENE22_004", "TissueA · GENE22_005", "TissueB · GENE22_004", "TissueB · GENE22_005"]
    assert len(heat["z"]) == 1 and len(heat["z"][0]) == 4


def test_browser_phone_width_keyboard_sorting_and_heatmap(tmp_path, capsys):
    """390 px wide: no horizontal overflow on any page type; every sortable header is focusable and sorts
    with Enter (aria-sort updated); the gene heatmap has one cell per trait x model; a tap shows a tooltip."""
    driver = _driver()
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "about.md").write_text("# About\n\nA very long word: " + "x" * 120 + "\n")
    out = str(tmp_path / "site")
    assert hub(build_args(os.path.join(HUBDATA, "traits.tsv"), out, "--pages", str(pages)), capsys)[0] == 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=out))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        driver.set_window_size(390, 844)
        for rel in ("index.html", "traits.html", "genes.html", "panels.html", "about.html", "traits/trait_strong.html",
                    "loci/trait_strong/22_1.html", "genes/GENE22_005.html"):
            driver.get(base + rel)
            _wait(driver, "return document.body.classList.contains('ready')")
            time.sleep(0.3)
            over = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert over <= 0, (rel, over)
            assert driver.execute_script("var r = document.getElementById('gsearch').getBoundingClientRect(); return r.width > 100 && r.height > 10"), rel
            assert not _errors(driver), rel
            if os.environ.get("HUB_SCREENSHOTS") and rel in ("index.html", "traits/trait_strong.html", "genes/GENE22_005.html"):
                os.makedirs(os.environ["HUB_SCREENSHOTS"], exist_ok=True)
                driver.save_screenshot(os.path.join(os.environ["HUB_SCREENSHOTS"], "phone_" + rel.replace("/", "_") + ".png"))
        driver.set_window_size(1400, 1000)

        # keyboard sorting on every sortable header of the trait page
        driver.get(base + "traits/trait_strong.html")
        _wait(driver, "return document.querySelector('#manhattan canvas')")
        ths = driver.find_elements(By.CSS_SELECTOR, "table.data th")
        assert ths and all(th.get_attribute("tabindex") == "0" for th in ths)
        th = driver.find_element(By.CSS_SELECTOR, "table[data-table-id=hits] th[data-col='TWAS Z']")
        th.send_keys(Keys.ENTER)
        th = driver.find_element(By.CSS_SELECTOR, "table[data-table-id=hits] th[data-col='TWAS Z']")
        assert th.get_attribute("aria-sort") == "ascending"
        zs = [float(r["TWAS Z"]) for r in _table_rows(driver, "hits")]
        assert zs == sorted(zs)
        assert driver.switch_to.active_element.get_attribute("data-col") == "TWAS Z"
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        assert driver.find_element(By.CSS_SELECTOR, "table[data-table-id=hits] th[data-col='TWAS Z']").get_attribute("aria-sort") == "descending"
        assert "Sorted by TWAS Z" in driver.execute_script("return document.querySelector('#sec-hits .sr-only').textContent")

        # a tap on the Manhattan plot shows a tooltip
        tip = driver.execute_script(
            "var c = document.querySelector('#manhattan canvas'); var r = c.getBoundingClientRect();"
            "for (var x = 60; x < r.width - 20; x += 3) { for (var y = 10; y < r.height - 40; y += 3) {"
            " var t = new Touch({identifier: 1, target: c, clientX: r.left + x, clientY: r.top + y});"
            " c.dispatchEvent(new TouchEvent('touchstart', {touches: [t], changedTouches: [t], bubbles: true}));"
            " var tp = document.querySelector('#manhattan .tip'); if (tp.style.display === 'block') return tp.textContent; } }"
            "return null;")
        assert tip and "TissueA" in tip or "TissueB" in tip

        # gene heatmap: one cell per trait x model, with the assoc file's Z
        driver.get(base + "genes/GENE22_005.html")
        _wait(driver, "return document.querySelector('table[data-table-id=heat] tbody tr a')")
        cells = driver.execute_script(
            "return Array.from(document.querySelectorAll('table[data-table-id=heat] tbody tr')).map(tr =>"
            " [tr.children[0].textContent, Array.from(tr.querySelectorAll('td.heat')).map(td => td.title || td.textContent)]);")
        assert len(cells) == 4 and all(len(c[1]) == 2 for c in cells)
        names = dict(zip(pd.read_csv(os.path.join(HUBDATA, "traits.tsv"), sep="\t")["name"], pd.read_csv(os.path.join(HUBDATA, "traits.tsv"), sep="\t")["id"]))
        stats = {r["Trait"]: r for r in _table_rows(driver, "heat")}
        for name, zs in cells:
            d = read_dat(names[name]).set_index(["PANEL", "ID"])
            want = [float(d.loc[(panel, "GENE22_005"), "TWAS.Z"]) for panel in ("TissueA", "TissueB")]
            assert [float(z) for z in zs] == want  # cell titles hold the file's Z
            chi = [z * z for z in want]
            allz = pd.to_numeric(d["TWAS.Z"], errors="coerce").dropna()
            r = stats[name]  # shown with 3 significant digits
            assert float(r["Mean χ²"]) == pytest.approx(sum(chi) / 2, rel=6e-3)
            assert float(r["Max χ²"]) == pytest.approx(max(chi), rel=6e-3)
            assert float(r["χ² ratio"]) == pytest.approx(sum(chi) / 2 / float((allz ** 2).mean()), rel=6e-3)
        assert not _errors(driver)
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def test_browser_trait_page_without_javascript(site):
    """With JavaScript off, a trait page still shows its associations (and other) tables."""
    from selenium.webdriver.common.by import By

    driver = _driver(javascript=False)
    try:
        driver.get("file://" + os.path.join(site, "traits", "trait_strong.html"))
        time.sleep(0.3)
        assert "ready" not in (driver.find_element(By.TAG_NAME, "body").get_attribute("class") or "")  # hub.js did not run
        rows = driver.find_elements(By.CSS_SELECTOR, "table[data-table-id=hits] tbody tr")
        assert len(rows) == 17
        first = [td.text for td in rows[0].find_elements(By.TAG_NAME, "td")]
        assert first[0] == "GENE6_011" and "7.12e-14" in first
        assert len(driver.find_elements(By.CSS_SELECTOR, "table[data-table-id=loci] tbody tr")) == 5
    finally:
        driver.quit()
