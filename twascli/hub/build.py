"""Build (or incrementally update) the hub site: parse changed traits, write affected pages, indices.

A manifest (SITE/.hub/manifest.json) records a signature of every trait's inputs (paths, sizes,
mtimes and table row) and a key per trait/gene page; a cached summary per trait
(SITE/.hub/cache/<id>.json) lets unchanged traits be reused without reading their files. A first
build, --force, or a change of weights/profiles/options builds a fresh site in a temporary
directory beside SITE and swaps it in; otherwise changed files are replaced one by one, atomically.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from twascli import __version__
from twascli.cores import available_cores
from twascli.errors import TwasError
from twascli.io.outguard import check_out_location, check_tree_free_of
from twascli.hub import render
from twascli.genome import parse_mhc
from twascli.hub.data import (
    Catalog,
    TraitSpec,
    chr_sort_key,
    clean,
    clear_listings,
    load_trait,
    post_files,
    read_catalog,
    read_trait_table,
    to_num,
    trait_inputs,
)
from twascli.hub.pages import data_js, fmt_g, slug, table, to_json
from twascli.io.atomic import atomic_write_bytes
from twascli.io.tables import read_table
from twascli.phenos import check_mapped, load_pheno_map

HUB_FORMAT = "2"  # bump whenever page layout or data files change, to force a full rebuild
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
MANIFEST = ".hub/manifest.json"
DOWNLOAD_MODES = ("archive", "copy", "gzip", "link", "none")


@dataclass
class HubOptions:
    """What `twascli hub` was asked to build."""

    traits: str
    out: str
    weights: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    pthresh: float | None = None
    title: str = "TWAS hub"
    downloads: str = "archive"
    force: bool = False
    jobs: int = 0
    mhc: str = "hg19"
    pheno_map: str | None = None
    gene_regex: str | None = None
    pages: str | None = None
    panels: str | None = None
    orthologs: str | None = None

    def extra_files(self) -> list[str]:
        """User files whose content shapes every page (hashed into the global signature)."""
        files = [f for f in (self.pheno_map, self.panels, self.orthologs) if f]
        if self.pages and os.path.isdir(self.pages):
            files += [os.path.join(self.pages, n) for n in sorted(os.listdir(self.pages)) if n.endswith(".md")]
        return files


@dataclass
class BuildResult:
    """What a build did (for the log line, tests and the benchmark)."""

    full: bool
    parsed: list[str]
    reused: list[str]
    removed: list[str]
    written: int
    seconds: float
    warnings: list[str] = field(default_factory=list)


class Site:
    """Writes files under ROOT (atomically when updating a live site) and remembers what it wrote."""

    def __init__(self, root: str, atomic: bool) -> None:
        self.root, self.atomic, self.written = root, atomic, 0

    def path(self, rel: str) -> str:
        """Absolute path of the site-relative REL ('/'-separated)."""
        return os.path.join(self.root, *rel.split("/"))

    def exists(self, rel: str) -> bool:
        """Whether REL exists in the site."""
        return os.path.exists(self.path(rel))

    def write(self, rel: str, content: str | bytes) -> None:
        """Write CONTENT to REL (text is UTF-8)."""
        path = self.path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        if self.atomic:
            atomic_write_bytes(path, data)
        else:
            with open(path, "wb") as fh:
                fh.write(data)
        self.written += 1

    def copy(self, src: str, rel: str, mode: str) -> None:
        """Put input SRC at REL: a copy, a gzip-compressed copy, or a hard link (copy if linking fails)."""
        if mode == "gzip":
            with open(src, "rb") as fh:
                self.write(rel, gzip.compress(fh.read(), compresslevel=6, mtime=0))
            return
        path = self.path(rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + ".tmp-hub"
        if os.path.lexists(tmp):
            os.remove(tmp)
        try:
            if mode != "link":
                raise OSError
            os.link(src, tmp)
        except OSError:
            shutil.copyfile(src, tmp)
        os.replace(tmp, path)
        self.written += 1

    def remove(self, rel: str) -> None:
        """Delete REL and any directories it leaves empty."""
        path = self.path(rel)
        if os.path.exists(path):
            os.remove(path)
        d = os.path.dirname(path)
        while d != self.root and os.path.isdir(d) and not os.listdir(d):
            os.rmdir(d)
            d = os.path.dirname(d)


def _sha(*parts: object) -> str:
    """A short stable hash of JSON-serialisable PARTS."""
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _file_sig(path: str) -> list:
    """Path, size and mtime of an input file: its identity for incremental builds."""
    st = os.stat(path)
    return [path, st.st_size, st.st_mtime_ns]


def _static_files() -> dict[str, bytes]:
    """The site's CSS/JS assets shipped in twascli/hub/static."""
    out = {}
    for name in sorted(os.listdir(STATIC_DIR)):
        if not name.startswith("."):
            with open(os.path.join(STATIC_DIR, name), "rb") as fh:
                out[name] = fh.read()
    return out


def _global_sig(opts: HubOptions, static: dict[str, bytes]) -> str:
    """Everything that, when changed, invalidates every page: format, assets, weights, profiles, options."""
    h = hashlib.sha1()
    h.update(json.dumps([HUB_FORMAT, __version__, opts.pthresh, opts.title, opts.downloads,
                         list(opts.weights), list(opts.profiles), opts.mhc, opts.pheno_map, opts.gene_regex,
                         opts.pages, opts.panels, opts.orthologs]).encode())
    for name, data in static.items():
        h.update(name.encode() + hashlib.sha1(data).digest())
    for path in list(opts.weights) + [p.split("=", 1)[-1] for p in opts.profiles] + opts.extra_files():
        with open(path, "rb") as fh:
            h.update(hashlib.sha1(fh.read()).digest())
    return h.hexdigest()[:20]


def _load_manifest(out: str) -> dict | None:
    """The manifest of an existing site; an error if OUT holds something that is not a hub site."""
    if not os.path.exists(out):
        return None
    if not os.path.isdir(out):
        raise TwasError(f"{out}: --out exists and is not a directory")
    path = os.path.join(out, *MANIFEST.split("/"))
    if not os.path.exists(path):
        if os.listdir(out):
            raise TwasError(f"{out}: directory is not empty and is not a twascli hub site (no {MANIFEST}); choose another --out")
        return None
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None  # unreadable manifest: rebuild everything


def _downloads(spec: TraitSpec, inputs: list[str], mode: str) -> dict[str, tuple[str, int]]:
    """Site-relative copy and size of each input file of a trait (empty with --downloads none or archive)."""
    if mode in ("none", "archive"):
        return {}
    out: dict[str, tuple[str, int]] = {}
    seen: dict[str, str] = {}
    for path in inputs:
        name = os.path.basename(path) + (".gz" if mode == "gzip" else "")
        if name in seen:
            raise TwasError(f"{path}: same file name as {seen[name]} among the results of trait {spec.id}")
        seen[name] = path
        out[path] = (f"files/{spec.id}/{name}", os.path.getsize(path))
    return out


def _archive(spec: TraitSpec, inputs: list[str]) -> bytes:
    """A trait's result files as one reproducible .tar.gz (fixed times and owners, as TWAS_HUB's per-trait archive)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=6, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        seen = set()
        for path in inputs:
            name = os.path.basename(path)
            if name in seen:
                raise TwasError(f"{path}: same file name as another result file of trait {spec.id}")
            seen.add(name)
            info = tarfile.TarInfo(f"{spec.id}/{name}")
            info.size, info.mtime, info.mode = os.path.getsize(path), 0, 0o644
            with open(path, "rb") as fh:
                tar.addfile(info, fh)
    return buf.getvalue()


def pleiotropy(summaries: dict[str, dict], zmat: np.ndarray, pmat: np.ndarray, gene_of: list[str]) -> dict[str, list[list]]:
    """Per trait, every other trait sharing its associations, with TWAS_HUB's statistics.

    Following REPORT_SINGLE.R ("Pleiotropic Associations"): S = the trait's jointly significant
    models (its significant models when it has no post-process loci); for another trait, over S:
    chi-square ratio = mean(Z^2) / that trait's mean chi-square over all its models; genes+ = genes of
    S with P < 0.05 / |significant models| (a relaxed threshold); genes++ = genes of S significant
    in the other trait (its own threshold), also as % of this trait's genes of S; and the Pearson
    correlation of the two traits' Z over the genes+ models (NA below 4 models). Listed when genes+ > 0.
    ZMAT/PMAT: traits x catalog models (NaN where untested); rows in SUMMARIES order.
    """
    from scipy.stats import pearsonr

    tids = list(summaries)
    out: dict[str, list[list]] = {t: [] for t in tids}
    for k, t in enumerate(tids):
        s = summaries[t]
        S = np.array(s["joint_idx"] or s["top_idx"], dtype=np.int64)
        if not len(S) or not s["top_idx"]:
            continue
        relaxed = 0.05 / len(s["top_idx"])
        mine = zmat[k, S]
        own_genes = {gene_of[i] for i in S}
        with np.errstate(invalid="ignore"):
            keep_all = pmat[:, S] < relaxed
        for j in np.flatnonzero(keep_all.any(axis=1)):
            if j == k:
                continue
            o = summaries[tids[j]]
            keep = keep_all[j]
            zo = zmat[j, S]
            fin = np.isfinite(zo)
            ratio = float(np.mean(zo[fin] ** 2)) / o["mean_chisq"] if fin.any() and o.get("mean_chisq") else None
            g_plus = sorted({gene_of[i] for i in S[keep]})
            with np.errstate(invalid="ignore"):
                g_pp = {gene_of[i] for i in S[pmat[j, S] < o["threshold"]]}
            corr = cp = None
            if keep.sum() >= 4:
                r = pearsonr(mine[keep].astype(float), zo[keep].astype(float))
                corr, cp = fmt_g(float(r[0])), fmt_g(float(r[1]))
            out[t].append([tids[j], fmt_g(ratio) if ratio is not None else None, str(len(g_plus)), str(len(g_pp)),
                           fmt_g(100.0 * len(g_pp) / len(own_genes)), corr, cp, g_plus])
        out[t].sort(key=lambda r: (-int(r[2]), r[0]))
    return out


def gene_heat(labels: list[str], sub: np.ndarray) -> dict:
    """A gene's TWAS Z in every trait (rows in data/traits-list.js order) x each of its models (LABELS);
    weak results included, null where untested. hub.js adds TWAS_HUB's per-trait chi-square summary
    (APPEND_GENE.sh): mean and max Z^2 over the gene's models, and that mean over the trait's mean chi-square."""
    rows = []
    for z in sub.tolist():
        fin = [None if math.isnan(v) else v for v in z]
        rows.append(fin if any(v is not None for v in fin) else None)
    return {"models": labels, "z": rows}


def _gene_assoc(summaries: dict[str, dict]) -> dict[str, list[list]]:
    """Per gene, its significant associations across traits (rows of the gene page's table)."""
    out: dict[str, list[list]] = {}
    for tid, s in summaries.items():
        col = {c: i for i, c in enumerate(s["hit_cols"])}
        labels = {loc["id"]: render.locus_label(loc) for loc in s["loci"]}
        for row, sig, msig, gene in zip(s["hits"], s["sig"], s["mhc_sig"], s["hit_gene_of"]):
            if not (sig or msig):  # MHC associations are listed on their gene's page (with the MHC note in the trait's)
                continue
            lid = row[col["LOCUS"]]
            out.setdefault(gene, []).append([
                tid, row[col["PANEL"]], row[col["ID"]] if row[col["ID"]] != gene else None, row[col["MODEL"]], row[col["NWGT"]], row[col["MODELCV.R2"]],
                row[col["TWAS.Z"]], row[col["TWAS.P"]], row[col["COLOC.PP4"]], row[col["JOINT"]],
                [labels.get(lid, lid), render.locus_href(tid, lid)] if lid else None,
            ])
    for rows in out.values():
        rows.sort(key=lambda r: to_num(r[render.ASSOC_P]))
    return out


def _genes(catalog: Catalog, summaries: dict[str, dict], pmap, info: dict) -> dict[str, dict]:
    """Every gene of the catalog (phenotypes grouped under their gene) and of any trait's association table."""
    genes: dict[str, dict] = {}
    for i in range(len(catalog)):
        pi = pmap.info(catalog.gene[i])
        g = genes.setdefault(pi.gene, {"id": pi.gene, "symbol": "", "models": []})
        g["symbol"] = g["symbol"] or pi.symbol
        g["models"].append({"idx": i, "panel": catalog.panel[i], "pheno": catalog.gene[i], "tissue": pi.tissue,
                            "modality": pi.modality, "wgt": os.path.basename(catalog.wgt[i]), "chr": catalog.chr[i],
                            "p0": str(catalog.p0[i]), "p1": str(catalog.p1[i]), "profile": catalog.profile[i],
                            "info": info.get(str(i))})
    for s in summaries.values():
        col = {c: i for i, c in enumerate(s["hit_cols"])}
        for row, gid in zip(s["hits"], s["hit_gene_of"]):
            if gid not in genes:
                genes[gid] = {"id": gid, "symbol": "", "models": [], "chr": row[col["CHR"]], "p0": row[col["P0"]], "p1": row[col["P1"]]}
    for g in genes.values():
        if g["models"]:
            g["chr"] = g["models"][0]["chr"]
            same = [m for m in g["models"] if m["chr"] == g["chr"]]
            g["p0"] = str(min(int(m["p0"]) for m in same))
            g["p1"] = str(max(int(m["p1"]) for m in same))
    return genes


def _models_js(catalog: Catalog) -> dict:
    """The models' genome positions for the Manhattan plots (shared by every trait page)."""
    chrs = sorted(set(catalog.chr), key=chr_sort_key)
    cidx = {c: i for i, c in enumerate(chrs)}
    mid = ((catalog.p0 + catalog.p1) // 2).tolist()
    panels = sorted(set(catalog.panel))
    pidx = {p: i for i, p in enumerate(panels)}
    return {
        "chrs": chrs, "chr": [cidx[c] for c in catalog.chr], "pos": mid, "id": catalog.gene,
        "panels": panels, "panel": [pidx[p] for p in catalog.panel],
        "slugs": {g: slug(g) for g in set(catalog.gene) if slug(g) != g},
    }


def _panel_rows(catalog: Catalog, info: dict[str, dict], summaries: dict[str, dict]) -> list[list]:
    """Panels page: tissue, modality and N (--panels), models, profile coverage, mean hsq and mean best
    CV R², and significant associations over all traits (as TWAS_HUB's models page and panel counts)."""
    hits: dict[str, int] = {}
    for s in summaries.values():
        for r in s["panels"]:
            hits[r[0]] = hits.get(r[0], 0) + int(r[2])
    rows = []
    for panel in sorted(set(catalog.panel)):
        meta = info.get(panel, {})
        idx = [i for i in range(len(catalog)) if catalog.panel[i] == panel]
        profs = [catalog.profile[i] for i in idx if catalog.profile[i]]
        hsq = [to_num(p.get("hsq")) for p in profs]
        best = [max([to_num(v) for k, v in p.items() if k.endswith(".r2") and v is not None] or [np.nan]) for p in profs]
        mean = lambda xs: f"{np.nanmean(xs):.3f}" if np.isfinite(xs).any() else None  # noqa: E731
        rows.append([panel, meta.get("TISSUE"), meta.get("MODALITY"), meta.get("N"), str(len(idx)), str(len(profs)),
                     mean(np.array(hsq)) if profs else None, mean(np.array(best)) if profs else None, str(hits.get(panel, 0))])
    return rows


def build_hub(opts: HubOptions, log: Callable[[str], None] = lambda msg: None) -> BuildResult:
    """Build or update the site at OPTS.out; returns what was parsed, reused, removed and written."""
    t0 = time.time()
    if opts.downloads not in DOWNLOAD_MODES:
        raise TwasError(f"--downloads must be archive, copy, gzip, link or none (got {opts.downloads!r})")
    parse_mhc(opts.mhc)
    for path in list(opts.weights) + [p.split("=", 1)[-1] for p in opts.profiles] + \
            [f for f in (opts.pheno_map, opts.panels, opts.orthologs) if f]:
        if not os.path.exists(path):
            raise TwasError(f"{path}: file not found")
    if opts.pages and not os.path.isdir(opts.pages):
        raise TwasError(f"{opts.pages}: --pages must be a directory of Markdown (.md) files")
    clear_listings()
    specs = read_trait_table(opts.traits)
    _guard_outputs(opts, specs)
    catalog = read_catalog(list(opts.weights), list(opts.profiles))
    pmap = load_pheno_map(opts.pheno_map, opts.gene_regex, None)
    check_mapped(pmap, sorted(set(catalog.gene)))
    content = read_content(opts)
    static = _static_files()
    out = os.path.abspath(opts.out)
    manifest = _load_manifest(out)
    gsig = _global_sig(opts, static)
    full = opts.force or manifest is None or manifest.get("global") != gsig or manifest.get("format") != HUB_FORMAT
    old = {"traits": {}, "pages": {}} if full else manifest
    if full:
        parent = os.path.dirname(out)
        os.makedirs(parent, exist_ok=True)
        site = Site(tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.building-", dir=parent), atomic=False)
    else:
        site = Site(out, atomic=True)
    try:
        result = _build(opts, specs, catalog, static, site, old, gsig, full, log, pmap, content)
        if full:
            _swap(site.root, out)
    except BaseException:
        if full:
            shutil.rmtree(site.root, ignore_errors=True)
        raise
    result.seconds = time.time() - t0
    return result


def _guard_outputs(opts: HubOptions, specs: list) -> None:
    """Before any work: OUT's parent is writable and no input lies inside OUT (a rebuild replaces OUT)."""
    if os.path.isdir(os.path.dirname(os.path.abspath(opts.out.rstrip("/") or opts.out))):
        check_out_location(opts.out, prefix=False)  # a missing parent is created, as before
    inputs = [opts.traits, *opts.weights, *(p.split("=", 1)[-1] for p in opts.profiles)]
    inputs += [p for s in specs for p in (s.assoc, s.post)]
    check_tree_free_of(opts.out, inputs)


def _swap(tmp: str, out: str) -> None:
    """Replace OUT by the freshly built TMP (two renames; the old site is deleted afterwards)."""
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=os.path.dirname(out))
        os.rename(out, os.path.join(old, "site"))
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
    os.chmod(out, 0o755)


@dataclass
class _TraitContext:
    """What reading and writing one trait needs (sent once to each worker process)."""

    root: str
    atomic: bool
    catalog: Catalog
    opts: HubOptions
    pmap: object = None
    nav_pages: list = field(default_factory=list)


_WORKER: dict[str, _TraitContext] = {}


def _init_worker(ctx: _TraitContext) -> None:
    """Keep the build context in a worker process (sent once, not with every trait)."""
    _WORKER["ctx"] = ctx


def _trait_in_worker(item: tuple) -> tuple[dict, list[str], int, dict]:
    """_process_trait in a worker process."""
    return _process_trait(_WORKER["ctx"], *item)


def _process_trait(ctx: _TraitContext, spec: TraitSpec, inputs: list[str], prev_outputs: list[str]) -> tuple[dict, list[str], int, dict]:
    """Read one trait and write its own files (downloads, Manhattan data, locus pages, cached summary).

    Returns the summary, the site-relative files the trait owns, how many files were written, and
    the per-model facts (MODEL, NWGT, CV R2/P, HSQ) its assoc-test table gives.
    """
    import io

    site = Site(ctx.root, ctx.atomic)
    downloads = _downloads(spec, inputs, ctx.opts.downloads)
    td = load_trait(spec, ctx.catalog, ctx.opts.pthresh, downloads, ctx.opts.mhc, ctx.pmap)
    s = td.summary
    s["files"] = [list(v) for v in downloads.values()]
    outputs = []
    for src, (rel, _) in downloads.items():
        site.copy(src, rel, ctx.opts.downloads)
        outputs.append(rel)
    if ctx.opts.downloads == "archive":
        rel = f"files/{spec.id}.tar.gz"
        data = _archive(spec, inputs)
        site.write(rel, data)
        outputs.append(rel)
        s["files"] = [[rel, len(data)]]
    s["archive"] = s["files"][0] if ctx.opts.downloads == "archive" else None
    for kind, arr in (("z", td.z), ("p", td.p)):
        buf = io.BytesIO()
        np.save(buf, arr)
        rel = f".hub/cache/{spec.id}.{kind}.npy"
        site.write(rel, buf.getvalue())
        outputs.append(rel)
    rel = f"data/manhattan/{spec.id}.js"
    site.write(rel, data_js(f"manhattan/{spec.id}", td.manhattan))
    outputs.append(rel)
    for k, loc in enumerate(td.loci):
        rel = render.locus_href(spec.id, loc["id"])
        nav = (td.loci[k - 1] if k else None, td.loci[k + 1] if k + 1 < len(td.loci) else None)
        site.write(rel, render.render_locus(ctx.opts.title, s, loc, nav, ctx.nav_pages))
        outputs.append(rel)
    for stale in set(prev_outputs) - set(outputs):
        site.remove(stale)
    site.write(f".hub/cache/{spec.id}.json", to_json(s))
    return s, outputs, site.written, {str(k): v for k, v in td.model_info.items()}


def _build(opts: HubOptions, specs: list[TraitSpec], catalog: Catalog, static: dict[str, bytes], site: Site,
           old: dict, gsig: str, full: bool, log: Callable[[str], None], pmap, content: dict) -> BuildResult:
    """The build proper, writing into SITE; OLD is the previous manifest ({} parts for a full build)."""
    site_title = opts.title
    nav_pages = [[k, c["title"]] for k, c in content["pages"].items()]
    manifest: dict = {"format": HUB_FORMAT, "global": gsig, "version": __version__, "traits": {}, "pages": {}}
    summaries: dict[str, dict] = {}
    parsed, reused, warnings = [], [], []

    todo = []
    for spec in specs:
        inputs = trait_inputs(spec)
        sig = _sha(spec.meta(), spec.assoc, spec.post, [_file_sig(p) for p in inputs])
        prev = old["traits"].get(spec.id)
        cache = f".hub/cache/{spec.id}.json"
        if prev and prev["sig"] == sig and site.exists(cache) and all(site.exists(r) for r in prev["outputs"]):
            with open(site.path(cache), encoding="utf-8") as fh:
                summaries[spec.id] = json.load(fh)
            manifest["traits"][spec.id] = prev
            reused.append(spec.id)
            continue
        if spec.post and not post_files(spec.post):
            warnings.append(f"{spec.post}.<chr>.report: no post-process report for trait {spec.id} (loci not shown)")
        todo.append((spec, inputs, prev["outputs"] if prev else []))
        manifest["traits"][spec.id] = {"sig": sig, "outputs": []}

    ctx = _TraitContext(site.root, site.atomic, catalog, opts, pmap, nav_pages)
    jobs = min(opts.jobs or available_cores(), len(todo))
    if jobs > 1 and len(todo) >= 8:  # below that, starting processes costs more than it saves
        import concurrent.futures
        import multiprocessing

        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method),
                                                    initializer=_init_worker, initargs=(ctx,)) as pool:
            done = list(pool.map(_trait_in_worker, todo))
    else:
        done = [_process_trait(ctx, *item) for item in todo]
    info_rel = ".hub/cache/model-info.json"
    model_info: dict = {}
    if not full and site.exists(info_rel):
        with open(site.path(info_rel), encoding="utf-8") as fh:
            model_info = json.load(fh)
    for (spec, _, _), (s, outputs, written, minfo) in zip(todo, done):
        site.written += written
        manifest["traits"][spec.id]["outputs"] = outputs
        summaries[spec.id] = s
        parsed.append(spec.id)
        for k, v in minfo.items():
            model_info.setdefault(k, v)
        warnings += [f"trait {spec.id}: {n}" for n in s["notes"]]
        log(f"hub: parsed {spec.id} ({s['n_tested']} models, {s['n_hits']} significant, {s['n_loci']} loci)")
    if todo:
        site.write(info_rel, json.dumps(model_info, separators=(",", ":"), sort_keys=True))
    summaries = {spec.id: summaries[spec.id] for spec in specs}

    removed = [t for t in old["traits"] if t not in summaries]
    for tid in removed:
        for rel in old["traits"][tid]["outputs"] + [f".hub/cache/{tid}.json"]:
            site.remove(rel)

    names = {t: s["name"] for t, s in summaries.items()}
    pages: dict[str, str] = {}

    def put_page(rel: str, key: str, make: Callable[[], str]) -> None:
        pages[rel] = key
        if old["pages"].get(rel) != key or not site.exists(rel):
            site.write(rel, make())

    tids = list(summaries)
    zmat = np.full((len(tids), len(catalog)), np.nan)
    pmat = np.full((len(tids), len(catalog)), np.nan, dtype=np.float32)
    for k, tid in enumerate(tids):
        zmat[k] = np.load(site.path(f".hub/cache/{tid}.z.npy"))
        pmat[k] = np.load(site.path(f".hub/cache/{tid}.p.npy"))
    gene_of = [pmap.gene(g) for g in catalog.gene]
    pleio = pleiotropy(summaries, zmat, pmat, gene_of)
    for tid, s in summaries.items():
        rows = pleio[tid]
        put_page(f"traits/{tid}.html", _sha(manifest["traits"][tid]["sig"], rows, [names[r[0]] for r in rows], nav_pages),
                 lambda s=s, rows=rows: render.render_trait(site_title, s, rows, {r[0]: names[r[0]] for r in rows}, nav_pages))

    assoc = _gene_assoc(summaries)
    genes = _genes(catalog, summaries, pmap, model_info)
    for gid, g in genes.items():
        rows = assoc.get(gid, [])
        tnames = {r[0]: names[r[0]] for r in rows}
        heat_rel = f"data/genez/{slug(gid)}.js" if g["models"] else None
        put_page(f"genes/{slug(gid)}.html", _sha(g, rows, tnames, nav_pages),
                 lambda g=g, rows=rows, tnames=tnames, heat_rel=heat_rel: render.render_gene(
                     site_title, g, catalog.profile_cols, rows, tnames, heat_rel, nav_pages))
        if heat_rel:
            idx = [m["idx"] for m in g["models"]]
            labels = [render.model_label(m, gid) for m in g["models"]]
            sub = zmat[:, idx]
            key = hashlib.sha1(sub.tobytes() + json.dumps([labels, tids]).encode()).hexdigest()[:20]
            put_page(heat_rel, key, lambda gid=gid, labels=labels, sub=sub: data_js(f"genez/{slug(gid)}", gene_heat(labels, sub)))
    site.write("data/traits-list.js", data_js("traits-list", {
        "ids": tids, "names": [names[t] for t in tids],
        "chisq": [None if summaries[t].get("mean_chisq") is None else round(summaries[t]["mean_chisq"], 6)
                  for t in tids]}))

    for rel in set(old["pages"]) - set(pages):
        site.remove(rel)
    manifest["pages"] = pages

    _write_indices(site, site_title, specs, summaries, genes, assoc, catalog, static, names, full, content, nav_pages)
    site.write(MANIFEST, json.dumps(manifest, separators=(",", ":")))
    return BuildResult(full=full, parsed=parsed, reused=reused, removed=removed, written=site.written, seconds=0.0,
                       warnings=warnings)


def read_content(opts: HubOptions) -> dict:
    """The site's own pages from --pages (Markdown: home.md feeds the home page, each other NAME.md a
    page in the top bar), the --panels table and the --orthologs table."""
    from twascli.hub.markdown import render_markdown

    pages: dict[str, dict] = {}
    home = None
    if opts.pages:
        order = ["about", "usage", "faq", "citation", "projects", "publications"]
        names = sorted((n[:-3] for n in os.listdir(opts.pages) if n.endswith(".md")),
                       key=lambda n: (order.index(n.lower()) if n.lower() in order else len(order), n))
        for name in names:
            if not render.SAFE_PAGE.match(name):
                raise TwasError(f"{os.path.join(opts.pages, name)}.md: page names must be letters, digits, '_' or '-'")
            with open(os.path.join(opts.pages, name + ".md"), encoding="utf-8") as fh:
                html_text, title = render_markdown(fh.read())
            if name.lower() == "home":
                home = html_text
            elif name.lower() in ("traits", "genes", "index", "panels"):
                raise TwasError(f"{os.path.join(opts.pages, name)}.md: '{name}' is a built-in page name; rename the file")
            else:
                pages[name] = {"title": title or name.replace("_", " ").capitalize(), "html": html_text}
    panels: dict[str, dict] = {}
    if opts.panels:
        df = read_table(opts.panels, ["PANEL"], "--panels", sep="\t")
        for rec in df.astype(str).to_dict("records"):
            panels[rec["PANEL"].strip()] = {k.upper(): clean(v) for k, v in rec.items()}
    orthologs: dict[str, list[str]] = {}
    if opts.orthologs:
        df = read_table(opts.orthologs, ["GENE"], "--orthologs", sep="\t")
        for rec in df.astype(str).to_dict("records"):
            names_ = [clean(v) for k, v in rec.items() if k != "GENE" and clean(v)]
            orthologs.setdefault(rec["GENE"].strip(), []).extend(names_)
    return {"home": home, "pages": pages, "panels": panels, "orthologs": orthologs}


def _write_indices(site: Site, title: str, specs: list[TraitSpec], summaries: dict[str, dict], genes: dict[str, dict],
                   assoc: dict[str, list[list]], catalog: Catalog, static: dict[str, bytes], names: dict[str, str],
                   full: bool, content: dict, nav_pages: list) -> None:
    """Home page, traits/genes/panels indices, the user's pages, data files, the models file and static assets."""
    for name, data in static.items():
        if full or not site.exists(f"static/{name}"):
            site.write(f"static/{name}", data)
    if full or not site.exists("data/models.js"):
        site.write("data/models.js", data_js("models", _models_js(catalog)))

    trows = [[s["id"], s["id"], s["N"], s["tags"], str(s["n_tested"]), str(s["n_hits"]), str(s["n_hit_genes"]),
              str(s["n_loci"]), str(s["n_joint_genes"]), s["archive"]] for s in (summaries[sp.id] for sp in specs)]
    site.write("data/traits-index.js", data_js("traits-index", table(
        render.TRAITS_INDEX, trows, keep=tuple(c[0] for c in render.TRAITS_INDEX[:-1]), id="traits", names=names,
        sort=["Genes", -1], tsv="traits.tsv", tagfilter=True, search=True)))
    grows = []
    for gid in sorted(genes, key=lambda g: (chr_sort_key(genes[g].get("chr") or ""), int(to_num(genes[g].get("p0")) if genes[g].get("p0") else 0), g)):
        g, rows = genes[gid], assoc.get(gid, [])
        best = rows[0] if rows else None
        grows.append([gid, g.get("symbol") or None, g.get("chr"), g.get("p0"), g.get("p1"), str(len(g["models"])),
                      ", ".join(sorted({m["panel"] for m in g["models"]})), str(len({r[0] for r in rows})),
                      best[render.ASSOC_P] if best else None, best[0] if best else None])
    gnames = {r[9]: names[r[9]] for r in grows if r[9]}
    slugs = {g: slug(g) for g in genes if slug(g) != g}
    site.write("data/genes-index.js", data_js("genes-index", table(
        render.GENES_INDEX, grows, keep=tuple(c[0] for c in render.GENES_INDEX if c[0] != "Symbol"), id="genes",
        names=gnames, slugs=slugs, tsv="genes.tsv", page=50, sort=["Best TWAS P", 1], search=True)))
    alias = {}
    for gid, g in genes.items():
        extra = [x for x in [g.get("symbol")] + sorted({m["pheno"] for m in g["models"] if m["pheno"] != gid})
                 + content["orthologs"].get(gid, []) + content["orthologs"].get(g.get("symbol") or "", []) if x]
        if extra:
            alias[gid] = " ".join(dict.fromkeys(extra))
    site.write("data/search.js", data_js("search", {
        "traits": [[s["id"], s["name"], " ".join(s["tags"])] for s in summaries.values()],
        "genes": sorted(genes), "alias": alias, "slugs": slugs}))

    n_hits = sum(s["n_hits"] for s in summaries.values())
    counts = [
        ("traits", len(summaries), "c-traits"), ("panels", len(set(catalog.panel)), "c-panels"),
        ("models", len(catalog), "c-models"), ("genes", len(genes), "c-genes"),
        ("significant associations", n_hits, "c-hits"), ("associated genes", len(assoc), "c-agenes"),
        ("loci", sum(s["n_loci"] for s in summaries.values()), "c-loci"),
    ]
    top = sorted(summaries.values(), key=lambda s: (-s["n_hit_genes"], s["id"]))[:50]
    top_rows = [[s["id"], str(s["n_hits"]), str(s["n_hit_genes"]), str(s["n_loci"])] for s in top]
    panel_rows = _panel_rows(catalog, content["panels"], summaries)
    site.write("index.html", render.render_home(title, counts, top_rows, panel_rows, {s["id"]: s["name"] for s in top},
                                                content["home"], nav_pages))
    site.write("traits.html", render.render_index(title, "traits", nav_pages))
    site.write("genes.html", render.render_index(title, "genes", nav_pages))
    site.write("panels.html", render.render_panels(title, panel_rows, nav_pages))
    for name, c in content["pages"].items():
        site.write(f"{name}.html", render.render_content(title, c["title"], c["html"], name, nav_pages))
