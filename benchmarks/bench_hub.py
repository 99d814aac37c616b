"""Build `twascli hub` on a synthetic, hub-sized workload and time full and incremental builds.

Workload (defaults): 300 traits x 20,000 models (10,000 genes on 22 chromosomes, 5 panels),
FUSION-format assoc-test outputs per trait and chromosome, post-process outputs (report, loci
.genes/.cond.csv, joint files) for every trait with hits, weights list and per-panel profiles.
Traits come in pleiotropic clusters sharing causal genes. Reports: time of the full build, of a
no-change rebuild and of a rebuild after adding one trait; site size; largest page and data file;
with --browser, how long headless Chromium takes to render the biggest pages.

    python benchmarks/bench_hub.py [--traits 300] [--models 20000] [--workdir DIR] [--browser]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from twascli.hub.build import HubOptions, build_hub  # noqa: E402

CHR_LEN = [249, 243, 198, 191, 181, 171, 159, 146, 141, 136, 135, 133, 115, 107, 102, 90, 83, 80, 59, 64, 47, 51]
PANELS = ["Adipose", "Blood", "Brain", "Liver", "Muscle"]
MODELS = ["top1", "blup", "lasso", "enet"]
TAGS = ["anthropometric", "blood", "cardiometabolic", "immune", "psychiatric", "neurological", "lipids", "kidney"]
DAT_HEADER = ("PANEL\tFILE\tID\tCHR\tP0\tP1\tHSQ\tBEST.GWAS.ID\tBEST.GWAS.Z\tEQTL.ID\tEQTL.R2\tEQTL.Z\tEQTL.GWAS.Z\t"
              "NSNP\tNWGT\tMODEL\tMODELCV.R2\tMODELCV.PV\tTWAS.Z\tTWAS.P\tCOLOC.PP0\tCOLOC.PP1\tCOLOC.PP2\tCOLOC.PP3\tCOLOC.PP4")


def two_sided_p(z: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    return 2 * norm.sf(np.abs(z))


def make_catalog(work: str, n_models: int, rng: np.random.Generator) -> dict:
    """Genes across the genome, (gene, panel) models, weights list and FUSION profiles per panel."""
    n_genes = max(1, n_models // 2)
    w = np.array(CHR_LEN, float) / sum(CHR_LEN)
    chrom = np.sort(rng.choice(np.arange(1, 23), size=n_genes, p=w))
    p0 = np.empty(n_genes, dtype=np.int64)
    for c in range(1, 23):
        k = chrom == c
        p0[k] = np.sort(rng.integers(1_000_000, CHR_LEN[c - 1] * 1_000_000 - 1_000_000, k.sum()))
    p1 = p0 + rng.integers(5_000, 150_000, n_genes)
    genes = np.array([f"GENE{c}_{i:05d}" for i, c in enumerate(chrom)])
    combos = rng.choice(n_genes * len(PANELS), size=n_models, replace=False)
    combos.sort()
    gi, pi = combos // len(PANELS), combos % len(PANELS)
    os.makedirs(os.path.join(work, "WEIGHTS"), exist_ok=True)
    cat = {"gene": gi, "panel": pi, "genes": genes, "chr": chrom, "p0": p0, "p1": p1,
           "hsq": rng.uniform(0.02, 0.5, n_models), "r2": rng.uniform(0.01, 0.4, (n_models, 4)),
           "nsnp": rng.integers(150, 900, n_models), "nwgt": rng.integers(1, 60, n_models),
           "model": rng.integers(0, 4, n_models)}
    with open(os.path.join(work, "WEIGHTS", "all.pos"), "w") as fh:
        fh.write("WGT\tID\tCHR\tP0\tP1\tPANEL\n")
        for m in range(n_models):
            g = gi[m]
            fh.write(f"{PANELS[pi[m]]}/{genes[g]}.wgt.RDat\t{genes[g]}\t{chrom[g]}\t{p0[g]}\t{p1[g]}\t{PANELS[pi[m]]}\n")
    for k, panel in enumerate(PANELS):
        with open(os.path.join(work, "WEIGHTS", f"{panel}.profile"), "w") as fh:
            fh.write("id\tnsnps\thsq\thsq.se\thsq.pv\ttop1.r2\tblup.r2\tenet.r2\tbslmm.r2\tlasso.r2\ttop1.pv\tblup.pv\tenet.pv\tbslmm.pv\tlasso.pv\n")
            for m in np.flatnonzero(pi == k):
                r2 = cat["r2"][m]
                fh.write(f"{genes[gi[m]]}\t{cat['nsnp'][m]}\t{cat['hsq'][m]:.3f}\t0.05\t1e-05\t{r2[0]:.3f}\t{r2[1]:.3f}\t"
                         f"{r2[2]:.3f}\t    NA\t{r2[3]:.3f}\t1e-10\t1e-05\t1e-09\t     NA\t1e-08\n")
    # the text of each row before and after the per-trait columns
    cat["pre"] = [f"{PANELS[pi[m]]}\t/data/WEIGHTS/{PANELS[pi[m]]}/{genes[gi[m]]}.wgt.RDat\t{genes[gi[m]]}\t{chrom[gi[m]]}\t"
                  f"{p0[gi[m]]}\t{p1[gi[m]]}\t{cat['hsq'][m]:.4f}" for m in range(n_models)]
    cat["mid"] = [f"{cat['nsnp'][m]}\t{cat['nwgt'][m]:3d}\t{MODELS[cat['model'][m]]}\t{cat['r2'][m][cat['model'][m]]:.3f}\t1e-08"
                  for m in range(n_models)]
    return cat


def write_trait(work: str, tid: str, cat: dict, causal: np.ndarray, rng: np.random.Generator) -> bool:
    """One trait's assoc-test files per chromosome and, when it has hits, its post-process files."""
    n = len(cat["gene"])
    z = rng.normal(0, 1.1, n)
    gene_eff = dict(zip(causal, rng.choice([-1, 1], len(causal)) * rng.uniform(4, 9, len(causal))))
    for m in range(n):
        e = gene_eff.get(cat["gene"][m])
        if e is not None:
            z[m] = e * rng.uniform(0.6, 1.0) + rng.normal(0, 0.5)
    z[rng.random(n) < 0.002] = np.nan  # a few models fail QC: NA
    p = two_sided_p(z)
    chrom = cat["chr"][cat["gene"]]
    os.makedirs(os.path.join(work, "assoc"), exist_ok=True)
    gz = rng.normal(0, 2, n)
    for c in range(1, 23):
        idx = np.flatnonzero(chrom == c)
        lines = [DAT_HEADER]
        for m in idx:
            zs = "NA" if np.isnan(z[m]) else f"{z[m]:7.4f}"
            ps = "NA" if np.isnan(p[m]) else f"{p[m]:.2e}"
            lines.append(f"{cat['pre'][m]}\trs{m}\t{gz[m]:5.2f}\trs{m + 7}\t0.1\t 5.0\t{gz[m]:5.2f}\t{cat['mid'][m]}\t{zs}\t{ps}\tNA\tNA\tNA\tNA\tNA")
        with open(os.path.join(work, "assoc", f"{tid}.{c}.dat"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
    thr = 0.05 / np.isfinite(p).sum()
    hits = np.flatnonzero(p < thr)
    if not len(hits):
        return False
    write_post(work, tid, cat, z, p, hits, rng)
    return True


def write_post(work: str, tid: str, cat: dict, z: np.ndarray, p: np.ndarray, hits: np.ndarray, rng: np.random.Generator) -> None:
    """FUSION post-process outputs: loci of hits within 1 Mb, joint/dropped models, conditional GWAS."""
    os.makedirs(os.path.join(work, "post"), exist_ok=True)
    g = cat["gene"][hits]
    chrom, p0, p1 = cat["chr"][g], cat["p0"][g], cat["p1"][g]
    order = np.lexsort((p0, chrom))
    hits, chrom, p0, p1 = hits[order], chrom[order], p0[order], p1[order]
    header = DAT_HEADER + "\tJOINT\tTOP.SNP.COR"
    for c in np.unique(chrom):
        sel = np.flatnonzero(chrom == c)
        loci: list[list[int]] = []
        for k in sel:
            if loci and p0[k] - p1[loci[-1][-1]] < 1_000_000:
                loci[-1].append(k)
            else:
                loci.append([k])
        report = ["FILE\tCHR\tP0\tP1\tHIT.GENES\tJOINT.GENES\tBEST.TWAS.P\tBEST.SNP.P\tCOND.SNP.P\tVAR.EXP"]
        inc = ["FILE\tID\tTWAS.Z\tTWAS.P\tJOINT.BETA\tJOINT.BETA.SE\tJOINT.Z\tJOINT.P"]
        drop = ["FILE\tID\tTWAS.Z\tTWAS.P\tCOND.BETA\tCOND.BETA.SE\tCOND.Z\tCOND.P"]
        stem = os.path.join(work, "post", f"{tid}.{c}")
        for n, members in enumerate(loci, start=1):
            lo, hi = int(p0[members].min()) - 100_000, int(p1[members].max()) + 100_000
            best = members[int(np.argmin(p[hits[members]]))]
            joint = {best} | {k for k in members if rng.random() < 0.3}
            gl = [header]
            for k in members:
                m = hits[k]
                fil = f"/data/WEIGHTS/{PANELS[cat['panel'][m]]}/{cat['genes'][cat['gene'][m]]}.wgt.RDat"
                gl.append(f"{cat['pre'][m]}\trs{m}\t1\trs{m + 7}\t0.1\t5\t1\t{cat['mid'][m].replace(' ', '')}\t{z[m]:.4f}\t{p[m]:.2e}"
                          f"\tNA\tNA\tNA\tNA\tNA\t{'TRUE' if k in joint else 'FALSE'}\t{rng.uniform(-0.9, 0.9):.2f}")
                jz = z[m] * rng.uniform(0.5, 1.0) if k in joint else rng.normal(0, 1.5)
                (inc if k in joint else drop).append(
                    f"{fil}\t{cat['genes'][cat['gene'][m]]}\t{z[m]:4.1f}\t{p[m]:.1e}\t{jz:4.1f}\t1.0\t{jz:5.2f}\t{two_sided_p(np.array([jz]))[0]:.1e}")
            with open(f"{stem}.loc_{n}.genes", "w") as fh:
                fh.write("\n".join(gl) + "\n")
            pos = np.sort(rng.integers(lo, hi, 400))
            peak = pos[np.argmin(np.abs(pos - (lo + hi) // 2))]
            top = -np.log10(p[hits[best]]) * 1.2
            gw = np.maximum(top * np.exp(-np.abs(pos - peak) / 60_000) + rng.exponential(0.4, len(pos)), 0)
            cond = gw * rng.uniform(0.05, 0.3, len(pos))
            with open(f"{stem}.loc_{n}.cond.csv", "w") as fh:
                fh.write("SNP,POS,GWAS.LOGP,GWAS_cond.LOGP\n")
                fh.write("".join(f"rs{c}{q},{q},{a:.3g},{b:.2g}\n" for q, a, b in zip(pos, gw, cond)))
            ng = len({cat["gene"][hits[k]] for k in members})
            report.append(f"{stem}.loc_{n}\t{c}\t{lo}\t{hi}\t{ng}\t{len(joint)}\t{p[hits[best]]:.3g}\t{10 ** -top:.3g}\t{rng.uniform(1e-4, 0.5):.3g}\t{rng.uniform(0.2, 1):.3g}\t")
        for name, lines in (("report", report), ("joint_included.dat", inc), ("joint_dropped.dat", drop)):
            with open(f"{stem}.{name}", "w") as fh:
                fh.write("\n".join(lines) + "\n")


def make_workload(work: str, n_traits: int, n_models: int, seed: int = 11) -> dict:
    """Write the catalog, every trait's results and the trait table (plus one spare trait to add later)."""
    rng = np.random.default_rng(seed)
    cat = make_catalog(work, n_models, rng)
    n_genes = len(cat["genes"])
    clusters = [rng.choice(n_genes, size=min(120, n_genes), replace=False) for _ in range(max(1, n_traits // 10))]
    rows = ["id\tname\tN\tdescription\ttags\tassoc\tpost"]
    for t in range(n_traits + 1):
        tid = f"trait{t:04d}"
        pool = clusters[t % len(clusters)]
        k = int(rng.integers(0, 60))
        causal = np.concatenate([rng.choice(pool, size=min(k, len(pool)), replace=False),
                                 rng.choice(n_genes, size=int(rng.integers(0, 20)), replace=False)])
        has_post = write_trait(work, tid, cat, causal, rng)
        tags = ",".join(sorted(set(rng.choice(TAGS, size=int(rng.integers(1, 3)), replace=False))))
        rows.append(f"{tid}\tSynthetic trait {t}\t{int(rng.integers(5_000, 500_000))}\tCluster {t % len(clusters)}"
                    f"\t{tags}\tassoc/{tid}\t{'post/' + tid if has_post else ''}")
    with open(os.path.join(work, "traits_all.tsv"), "w") as fh:
        fh.write("\n".join(rows) + "\n")
    with open(os.path.join(work, "traits.tsv"), "w") as fh:
        fh.write("\n".join(rows[:-1]) + "\n")
    return {"table": os.path.join(work, "traits.tsv"), "table_plus": os.path.join(work, "traits_all.tsv")}


def site_stats(site: str) -> dict:
    """File count, size (pages and data; downloads apart), largest HTML page and largest data file of a site."""
    total, count, biggest, downloads = 0, 0, {"html": ("", 0), "js": ("", 0)}, 0
    for d, _, files in os.walk(site):
        if "/.hub" in d[len(site):]:
            continue
        if "/files" in d[len(site):]:
            downloads += sum(os.path.getsize(os.path.join(d, f)) for f in files)
            continue
        for f in files:
            p = os.path.join(d, f)
            s = os.path.getsize(p)
            total += s
            count += 1
            kind = "html" if f.endswith(".html") else "js" if f.endswith(".js") else None
            if kind and s > biggest[kind][1]:
                biggest[kind] = (os.path.relpath(p, site), s)
    return {"files": count, "bytes": total, "downloads": downloads, **biggest}


def browser_timings(site: str, pages: list[str]) -> list[tuple[str, float]]:
    """Seconds until each page has drawn its tables/plots in headless Chromium (file:// URLs)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync",
              "--window-size=1400,1000", "--user-data-dir=" + tempfile.mkdtemp()):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    out = []
    try:
        for rel in pages:
            t0 = time.time()
            driver.get("file://" + os.path.join(site, rel))
            while not driver.execute_script(
                    "return document.body.classList.contains('ready') && !document.querySelector('.loading')"
                    " && (!document.getElementById('manhattan') || document.querySelector('#manhattan canvas'))"):
                time.sleep(0.02)
            out.append((rel, time.time() - t0))
    finally:
        driver.quit()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--traits", type=int, default=300)
    ap.add_argument("--models", type=int, default=20000)
    ap.add_argument("--workdir", help="keep inputs and site here, and reuse inputs found there (default: a temporary directory)")
    ap.add_argument("--browser", action="store_true", help="time page rendering in headless Chromium")
    ap.add_argument("--downloads", default="archive", choices=["archive", "copy", "gzip", "link", "none"], help="as `twascli hub --downloads`")
    ap.add_argument("--jobs", type=int, default=0, help="as `twascli hub --jobs` (0: one per CPU)")
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="bench_hub-")
    os.makedirs(work, exist_ok=True)
    try:
        t0 = time.time()
        if os.path.exists(os.path.join(work, "traits_all.tsv")):
            paths = {"table": os.path.join(work, "traits.tsv"), "table_plus": os.path.join(work, "traits_all.tsv")}
            print(f"workload: reusing {work}")
        else:
            paths = make_workload(work, args.traits, args.models)
            print(f"workload: {args.traits} traits x {args.models} models written in {time.time() - t0:.1f} s ({work})")
        weights = os.path.join(work, "WEIGHTS", "all.pos")
        profiles = [os.path.join(work, "WEIGHTS", f"{p}.profile") for p in PANELS]
        site = os.path.join(work, "site")
        shutil.rmtree(site, ignore_errors=True)

        def build(table: str) -> object:
            return build_hub(HubOptions(traits=table, out=site, weights=[weights], profiles=profiles,
                                        downloads=args.downloads, jobs=args.jobs))

        r = build(paths["table"])
        st = site_stats(site)
        print(f"full build:        {r.seconds:6.1f} s  ({len(r.parsed)} traits, {r.written} files written)")
        r = build(paths["table"])
        print(f"no-change rebuild: {r.seconds:6.1f} s  ({len(r.reused)} traits reused, {r.written} files written)")
        r = build(paths["table_plus"])
        print(f"add one trait:     {r.seconds:6.1f} s  ({len(r.parsed)} trait read, {r.written} files written)")
        print(f"site (without downloads): {st['files']} files, {st['bytes'] / 1e6:.0f} MB; "
              f"downloads ({args.downloads}): {st['downloads'] / 1e6:.0f} MB")
        print(f"largest page:      {st['html'][0]} {st['html'][1] / 1e3:.0f} kB")
        print(f"largest data file: {st['js'][0]} {st['js'][1] / 1e3:.0f} kB")
        if args.browser:
            big_gene = max((os.path.join("genes", f) for f in os.listdir(os.path.join(site, "genes"))),
                           key=lambda f: os.path.getsize(os.path.join(site, "data", "genez", os.path.basename(f)[:-5] + ".js"))
                           if os.path.exists(os.path.join(site, "data", "genez", os.path.basename(f)[:-5] + ".js")) else 0)
            pages = ["index.html", "traits.html", "genes.html", st["html"][0], "traits/trait0000.html", big_gene]
            for rel, sec in browser_timings(site, pages):
                print(f"render {rel}: {sec:.2f} s")
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
