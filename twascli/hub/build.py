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
from twascli.hub.data import (
    Catalog,
    TraitSpec,
    chr_sort_key,
    clear_listings,
    load_trait,
    post_files,
    read_catalog,
    read_trait_table,
    to_num,
    trait_inputs,
)
from twascli.hub.pages import data_js, slug, table, to_json
from twascli.io.atomic import atomic_write_bytes

HUB_FORMAT = "1"  # bump whenever page layout or data files change, to force a full rebuild
STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
MANIFEST = ".hub/manifest.json"
N_SHARED = 10


@dataclass
class HubOptions:
    """What `twascli hub` was asked to build."""

    traits: str
    out: str
    weights: list[str] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    pthresh: float | None = None
    title: str = "TWAS hub"
    downloads: str = "copy"
    force: bool = False
    jobs: int = 0


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
                         list(opts.weights), list(opts.profiles)]).encode())
    for name, data in static.items():
        h.update(name.encode() + hashlib.sha1(data).digest())
    for path in list(opts.weights) + [p.split("=", 1)[-1] for p in opts.profiles]:
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
    """Site-relative copy and size of each input file of a trait (empty with --downloads none)."""
    if mode == "none":
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


def _shared(summaries: dict[str, dict]) -> dict[str, list[list]]:
    """For each trait, the traits sharing the most significant genes (count, Jaccard, examples)."""
    from scipy import sparse

    tids = list(summaries)
    genes = sorted({g for s in summaries.values() for g in s["hit_genes"]})
    gidx = {g: i for i, g in enumerate(genes)}
    out: dict[str, list[list]] = {t: [] for t in tids}
    if not genes:
        return out
    ri = [k for k, t in enumerate(tids) for _ in summaries[t]["hit_genes"]]
    ci = [gidx[g] for t in tids for g in summaries[t]["hit_genes"]]
    m = sparse.csr_matrix((np.ones(len(ri), dtype=np.float32), (ri, ci)), shape=(len(tids), len(genes)))
    overlap = (m @ m.T).toarray()
    sizes = np.diag(overlap).copy()
    np.fill_diagonal(overlap, 0)
    for k, t in enumerate(tids):
        row = overlap[k]
        cand = np.flatnonzero(row > 0)
        if not len(cand):
            continue
        union = sizes[k] + sizes[cand] - row[cand]
        jac = row[cand] / union
        order = np.lexsort((-jac, -row[cand]))[:N_SHARED]
        mine = set(summaries[t]["hit_genes"])
        for j in order:
            other = tids[cand[j]]
            common = sorted(mine.intersection(summaries[other]["hit_genes"]))
            out[t].append([other, str(int(row[cand[j]])), f"{jac[j]:.3f}", str(int(sizes[cand[j]])), common[:8]])
    return out


def _gene_assoc(summaries: dict[str, dict]) -> dict[str, list[list]]:
    """Per gene, its significant associations across traits (rows of the gene page's table)."""
    out: dict[str, list[list]] = {}
    for tid, s in summaries.items():
        col = {c: i for i, c in enumerate(s["hit_cols"])}
        labels = {loc["id"]: render.locus_label(loc) for loc in s["loci"]}
        for row, sig in zip(s["hits"], s["sig"]):
            if not sig:
                continue
            lid = row[col["LOCUS"]]
            out.setdefault(row[col["ID"]], []).append([
                tid, row[col["PANEL"]], row[col["MODEL"]], row[col["NWGT"]], row[col["MODELCV.R2"]],
                row[col["TWAS.Z"]], row[col["TWAS.P"]], row[col["COLOC.PP4"]], row[col["JOINT"]],
                [labels.get(lid, lid), render.locus_href(tid, lid)] if lid else None,
            ])
    for rows in out.values():
        rows.sort(key=lambda r: to_num(r[6]))
    return out


def _genes(catalog: Catalog, summaries: dict[str, dict]) -> dict[str, dict]:
    """Every gene of the catalog and of any trait's association table, with its models."""
    genes: dict[str, dict] = {}
    for i in range(len(catalog)):
        g = genes.setdefault(catalog.gene[i], {"id": catalog.gene[i], "models": []})
        g["models"].append({"panel": catalog.panel[i], "wgt": os.path.basename(catalog.wgt[i]), "chr": catalog.chr[i],
                            "p0": str(catalog.p0[i]), "p1": str(catalog.p1[i]), "profile": catalog.profile[i]})
    for s in summaries.values():
        col = {c: i for i, c in enumerate(s["hit_cols"])}
        for row in s["hits"]:
            gid = row[col["ID"]]
            if gid not in genes:
                genes[gid] = {"id": gid, "models": [], "chr": row[col["CHR"]], "p0": row[col["P0"]], "p1": row[col["P1"]]}
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


def _panel_rows(catalog: Catalog) -> list[list]:
    """Home page: models per panel, profile coverage, mean hsq and mean best CV R²."""
    rows = []
    for panel in sorted(set(catalog.panel)):
        idx = [i for i in range(len(catalog)) if catalog.panel[i] == panel]
        profs = [catalog.profile[i] for i in idx if catalog.profile[i]]
        hsq = [to_num(p.get("hsq")) for p in profs]
        best = [max([to_num(v) for k, v in p.items() if k.endswith(".r2") and v is not None] or [np.nan]) for p in profs]
        mean = lambda xs: f"{np.nanmean(xs):.3f}" if np.isfinite(xs).any() else None  # noqa: E731
        rows.append([panel, str(len(idx)), str(len(profs)), mean(np.array(hsq)) if profs else None,
                     mean(np.array(best)) if profs else None])
    return rows


def build_hub(opts: HubOptions, log: Callable[[str], None] = lambda msg: None) -> BuildResult:
    """Build or update the site at OPTS.out; returns what was parsed, reused, removed and written."""
    t0 = time.time()
    if opts.downloads not in ("copy", "gzip", "link", "none"):
        raise TwasError(f"--downloads must be copy, gzip, link or none (got {opts.downloads!r})")
    for path in list(opts.weights) + [p.split("=", 1)[-1] for p in opts.profiles]:
        if not os.path.exists(path):
            raise TwasError(f"{path}: file not found")
    clear_listings()
    specs = read_trait_table(opts.traits)
    _guard_outputs(opts, specs)
    catalog = read_catalog(list(opts.weights), list(opts.profiles))
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
        result = _build(opts, specs, catalog, static, site, old, gsig, full, log)
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


_WORKER: dict[str, _TraitContext] = {}


def _init_worker(ctx: _TraitContext) -> None:
    """Keep the build context in a worker process (sent once, not with every trait)."""
    _WORKER["ctx"] = ctx


def _trait_in_worker(item: tuple) -> tuple[dict, list[str], int]:
    """_process_trait in a worker process."""
    return _process_trait(_WORKER["ctx"], *item)


def _process_trait(ctx: _TraitContext, spec: TraitSpec, inputs: list[str], prev_outputs: list[str]) -> tuple[dict, list[str], int]:
    """Read one trait and write its own files (downloads, Manhattan data, locus pages, cached summary).

    Returns the summary, the site-relative files the trait owns, and how many files were written.
    """
    site = Site(ctx.root, ctx.atomic)
    downloads = _downloads(spec, inputs, ctx.opts.downloads)
    td = load_trait(spec, ctx.catalog, ctx.opts.pthresh, downloads)
    s = td.summary
    s["files"] = [list(v) for v in downloads.values()]
    outputs = []
    for src, (rel, _) in downloads.items():
        site.copy(src, rel, ctx.opts.downloads)
        outputs.append(rel)
    rel = f"data/manhattan/{spec.id}.js"
    site.write(rel, data_js(f"manhattan/{spec.id}", td.manhattan))
    outputs.append(rel)
    for loc in td.loci:
        rel = render.locus_href(spec.id, loc["id"])
        site.write(rel, render.render_locus(ctx.opts.title, s, loc))
        outputs.append(rel)
    for stale in set(prev_outputs) - set(outputs):
        site.remove(stale)
    site.write(f".hub/cache/{spec.id}.json", to_json(s))
    return s, outputs, site.written


def _build(opts: HubOptions, specs: list[TraitSpec], catalog: Catalog, static: dict[str, bytes], site: Site,
           old: dict, gsig: str, full: bool, log: Callable[[str], None]) -> BuildResult:
    """The build proper, writing into SITE; OLD is the previous manifest ({} parts for a full build)."""
    site_title = opts.title
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

    ctx = _TraitContext(site.root, site.atomic, catalog, opts)
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
    for (spec, _, _), (s, outputs, written) in zip(todo, done):
        site.written += written
        manifest["traits"][spec.id]["outputs"] = outputs
        summaries[spec.id] = s
        parsed.append(spec.id)
        log(f"hub: parsed {spec.id} ({s['n_tested']} models, {s['n_hits']} significant, {s['n_loci']} loci)")
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

    shared = _shared(summaries)
    for tid, s in summaries.items():
        rows = shared[tid]
        put_page(f"traits/{tid}.html", _sha(manifest["traits"][tid]["sig"], rows, [names[r[0]] for r in rows]),
                 lambda s=s, rows=rows: render.render_trait(site_title, s, rows, {r[0]: names[r[0]] for r in rows}))

    assoc = _gene_assoc(summaries)
    genes = _genes(catalog, summaries)
    for gid, g in genes.items():
        rows = assoc.get(gid, [])
        tnames = {r[0]: names[r[0]] for r in rows}
        put_page(f"genes/{slug(gid)}.html", _sha(g, rows, tnames),
                 lambda g=g, rows=rows, tnames=tnames: render.render_gene(site_title, g, catalog.profile_cols, rows, tnames))

    for rel in set(old["pages"]) - set(pages):
        site.remove(rel)
    manifest["pages"] = pages

    _write_indices(site, site_title, specs, summaries, genes, assoc, catalog, static, names, full)
    site.write(MANIFEST, json.dumps(manifest, separators=(",", ":")))
    return BuildResult(full=full, parsed=parsed, reused=reused, removed=removed, written=site.written, seconds=0.0,
                       warnings=warnings)


def _write_indices(site: Site, title: str, specs: list[TraitSpec], summaries: dict[str, dict], genes: dict[str, dict],
                   assoc: dict[str, list[list]], catalog: Catalog, static: dict[str, bytes], names: dict[str, str],
                   full: bool) -> None:
    """Home page, traits and genes indices, their data files, the models file and the static assets."""
    for name, data in static.items():
        if full or not site.exists(f"static/{name}"):
            site.write(f"static/{name}", data)
    if full or not site.exists("data/models.js"):
        site.write("data/models.js", data_js("models", _models_js(catalog)))

    trows = [[s["id"], s["id"], s["N"], s["tags"], str(s["n_tested"]), str(s["n_hits"]), str(s["n_hit_genes"]),
              str(s["n_loci"]), str(s["n_joint"])] for s in (summaries[sp.id] for sp in specs)]
    site.write("data/traits-index.js", data_js("traits-index", table(
        render.TRAITS_INDEX, trows, keep=tuple(c[0] for c in render.TRAITS_INDEX), id="traits", names=names,
        sort=["Genes", -1], tsv="traits.tsv", tagfilter=True, search=True)))
    grows = []
    for gid in sorted(genes, key=lambda g: (chr_sort_key(genes[g].get("chr") or ""), int(to_num(genes[g].get("p0")) if genes[g].get("p0") else 0), g)):
        g, rows = genes[gid], assoc.get(gid, [])
        best = rows[0] if rows else None
        grows.append([gid, g.get("chr"), g.get("p0"), g.get("p1"), str(len(g["models"])),
                      ", ".join(sorted({m["panel"] for m in g["models"]})), str(len({r[0] for r in rows})),
                      best[6] if best else None, best[0] if best else None])
    gnames = {r[8]: names[r[8]] for r in grows if r[8]}
    slugs = {g: slug(g) for g in genes if slug(g) != g}
    site.write("data/genes-index.js", data_js("genes-index", table(
        render.GENES_INDEX, grows, keep=tuple(c[0] for c in render.GENES_INDEX), id="genes", names=gnames,
        slugs=slugs, tsv="genes.tsv", page=50, sort=["Best TWAS P", 1], search=True)))
    site.write("data/search.js", data_js("search", {
        "traits": [[s["id"], s["name"], " ".join(s["tags"])] for s in summaries.values()],
        "genes": sorted(genes), "slugs": slugs}))

    n_hits = sum(s["n_hits"] for s in summaries.values())
    counts = [
        ("traits", len(summaries), "c-traits"), ("panels", len(set(catalog.panel)), "c-panels"),
        ("models", len(catalog), "c-models"), ("genes", len(genes), "c-genes"),
        ("significant associations", n_hits, "c-hits"), ("associated genes", len(assoc), "c-agenes"),
        ("loci", sum(s["n_loci"] for s in summaries.values()), "c-loci"),
    ]
    top = sorted(summaries.values(), key=lambda s: (-s["n_hit_genes"], s["id"]))[:50]
    top_rows = [[s["id"], str(s["n_hits"]), str(s["n_hit_genes"]), str(s["n_loci"])] for s in top]
    site.write("index.html", render.render_home(title, counts, top_rows, _panel_rows(catalog), {s["id"]: s["name"] for s in top}))
    site.write("traits.html", render.render_index(title, "traits"))
    site.write("genes.html", render.render_index(title, "genes"))
