"""One function per page kind: home, traits/genes indices, trait, locus and gene pages."""

from __future__ import annotations

from twascli.hub.data import LOCUS_MODEL_COLS
from twascli.hub.pages import (
    TAGS,
    G,
    J,
    L,
    N,
    S,
    T,
    downloads_html,
    esc,
    fmt_mb,
    page,
    section,
    slug,
    stat_cards,
    table,
    tags_html,
)

GL = "G"  # column type: list of gene ids

HIT_TABLE = [
    ("Gene", G, "Gene (weights ID); opens its page"),
    ("Panel", S, "Expression reference panel"),
    ("Chr", S, ""),
    ("P0", N, "Gene start (bp)"),
    ("HSQ", N, "cis-heritability of expression"),
    ("Model", S, "Best cross-validated model, used for the test"),
    ("#Wgt", N, "SNPs with a non-zero weight"),
    ("CV R²", N, "Cross-validation R² of the model"),
    ("TWAS Z", N, ""),
    ("TWAS P", N, ""),
    ("PP3", N, "COLOC PP3: distinct causal variants"),
    ("PP4", N, "COLOC PP4: one shared causal variant"),
    ("Joint", J, "joint: kept in its locus' joint model; cond: dropped (not significant given the joint model)"),
    ("Joint Z", N, "Z in the joint model (joint) or conditioned on it (cond)"),
    ("Joint P", N, "P in the joint model (joint) or conditioned on it (cond)"),
    ("Locus", L, "Post-process locus"),
    ("Note", S, "MHC: in chr6 26-34 Mb (FUSION's .dat.MHC); not significant: shown as a model of a locus"),
]
HIT_SRC = ["ID", "PANEL", "CHR", "P0", "HSQ", "MODEL", "NWGT", "MODELCV.R2",
           "TWAS.Z", "TWAS.P", "COLOC.PP3", "COLOC.PP4", "JOINT", "JOINT.Z", "JOINT.P"]

LOCI_TABLE = [
    ("Locus", L, "Opens the locus page"),
    ("Chr", S, ""),
    ("P0", N, "Locus start (bp)"),
    ("P1", N, "Locus end (bp)"),
    ("Hit genes", N, "Genes with a significant model in the locus"),
    ("Joint genes", N, "Models kept in the joint model"),
    ("Best TWAS P", N, ""),
    ("Best SNP P", N, "Best GWAS SNP P in the locus"),
    ("Cond. SNP P", N, "That SNP's P after conditioning on the joint model"),
    ("Var. explained", N, "Share of the top SNP's chi² explained by the joint model"),
    ("Joint model genes", GL, ""),
]

LOCUS_TABLE = [
    ("Gene", G, ""), ("Panel", S, ""), ("P0", N, ""), ("P1", N, ""), ("HSQ", N, "cis-heritability of expression"),
    ("Model", S, ""), ("CV R²", N, "Cross-validation R² of the model"), ("TWAS Z", N, "Marginal TWAS Z"),
    ("TWAS P", N, "Marginal TWAS P"), ("PP4", N, "COLOC PP4"),
    ("Joint", J, "joint: in the joint model; cond: dropped"),
    ("Joint Z", N, "Joint Z (joint) or conditional Z (cond)"), ("Joint P", N, "Joint P (joint) or conditional P (cond)"),
    ("Top SNP cor.", N, "Correlation of predicted expression with the locus' top GWAS SNP"),
]

SHARED_TABLE = [
    ("Trait", T, ""), ("Shared genes", N, "Genes significant for both traits"),
    ("Jaccard", N, "Shared / union of the two traits' significant genes"),
    ("Its genes", N, "Significant genes of the other trait"), ("Shared gene examples", GL, ""),
]

ASSOC_TABLE = [
    ("Trait", T, ""), ("Panel", S, ""), ("Model", S, ""), ("#Wgt", N, "SNPs with a non-zero weight"),
    ("CV R²", N, ""), ("TWAS Z", N, ""), ("TWAS P", N, ""), ("PP4", N, "COLOC PP4"),
    ("Joint", J, "Status in the trait's joint model"), ("Locus", L, ""),
]

TRAITS_INDEX = [
    ("Trait", T, ""), ("ID", S, ""), ("N", N, "GWAS sample size"), ("Tags", TAGS, ""),
    ("Models tested", N, ""), ("Significant models", N, ""), ("Genes", N, "Genes with a significant model"),
    ("Loci", N, "Post-process loci"), ("Joint models", N, "Models in the loci's joint models"),
]

GENES_INDEX = [
    ("Gene", G, ""), ("Chr", S, ""), ("P0", N, ""), ("P1", N, ""), ("Models", N, "Models in the weights lists"),
    ("Panels", S, ""), ("Traits", N, "Traits with a significant association"), ("Best TWAS P", N, ""),
    ("Best trait", T, ""),
]


def locus_label(loc: dict) -> str:
    """Short label of a locus: chromosome and number."""
    return f"chr{loc['chr']} #{loc['n']}"


def locus_href(tid: str, lid: str) -> str:
    """Site-relative path of a locus page."""
    return f"loci/{tid}/{lid}.html"


def hits_table(s: dict) -> dict:
    """The trait page's associations table from its summary."""
    col = {c: i for i, c in enumerate(s["hit_cols"])}
    labels = {loc["id"]: locus_label(loc) for loc in s["loci"]}
    rows = []
    for row, sig in zip(s["hits"], s["sig"]):
        cells = [row[col[c]] for c in HIT_SRC]
        lid = row[col["LOCUS"]]
        cells.append([labels.get(lid, lid), locus_href(s["id"], lid)] if lid else None)
        notes = [x for x in (row[col["MHC"]], None if sig else "not significant") if x]
        cells.append(", ".join(notes) or None)
        rows.append(cells)
    return table(HIT_TABLE, rows, keep=("Gene", "Panel", "TWAS Z", "TWAS P"), sort=["TWAS P", 1], id="hits",
                 tsv=f"{s['id']}.associations.tsv")


def render_trait(site: str, s: dict, shared: list[list], names: dict[str, str]) -> str:
    """A trait's page: facts, Manhattan plot, associations, loci, shared traits, downloads."""
    root = "../"
    tid = s["id"]
    loci_rows = [
        [[locus_label(loc), locus_href(tid, loc["id"])], loc["chr"], loc["P0"], loc["P1"], loc["HIT.GENES"],
         loc["JOINT.GENES"], loc["BEST.TWAS.P"], loc["BEST.SNP.P"], loc["COND.SNP.P"], loc["VAR.EXP"], loc["joint_genes"]]
        for loc in s["loci"]
    ]
    data = {
        "tables": {
            "hits": hits_table(s),
            "loci": table(LOCI_TABLE, loci_rows, keep=("Locus",), id="loci", tsv=f"{tid}.loci.tsv"),
            "shared": table(SHARED_TABLE, shared, id="shared", sort=["Shared genes", -1], names=names,
                            empty="No other trait shares a significant gene."),
        },
        "manhattan": {"src": f"data/manhattan/{tid}.js", "name": f"manhattan/{tid}", "thr": s["threshold"]},
    }
    extra = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in s.get("extra", {}).items())
    body = (
        f'<nav class="crumbs"><a href="{root}traits.html">Traits</a> › <span>{esc(s["name"])}</span></nav>\n'
        f'<h1>{esc(s["name"])} <small>{esc(tid)}</small></h1>\n'
        + (f'<p class="lead">{esc(s["description"])}</p>' if s.get("description") else "")
        + f'<div class="tags">{tags_html(s["tags"], root)}</div>'
        + (f'<dl class="meta">{extra}</dl>' if extra else "")
        + stat_cards([
            ("GWAS N", s["N"] or "–", "n"), ("models tested", s["n_tested"], "tested"),
            ("P threshold", f"{s['threshold']:.3g}", "thr"), ("significant models", s["n_hits"], "nhits"),
            ("genes", s["n_hit_genes"], "ngenes"), ("loci", s["n_loci"], "nloci"), ("joint models", s["n_joint"], "njoint"),
        ])
        + section("TWAS associations across the genome", '<div class="plot" id="manhattan"></div>', "sec-manhattan",
                  "Each dot is a model (gene × panel): −log10 TWAS P, coloured by the sign of Z when significant. "
                  "Hover for details, click to open the gene; drag to zoom, double-click to reset.")
        + section(f'Associations <span class="count">{s["n_hits"]}</span>', '<div data-table="hits"></div>', "sec-hits",
                  "Models with TWAS P below the threshold, and any other model of a post-process locus.")
        + section(f'Loci <span class="count">{s["n_loci"]}</span>',
                  '<div data-table="loci"></div>' if s["loci"] else '<p class="note">No post-process outputs for this trait.</p>',
                  "sec-loci")
        + section("Traits sharing associated genes", '<div data-table="shared"></div>', "sec-shared")
        + section("Downloads", downloads_html([tuple(f) for f in s["files"]], root), "sec-files")
    )
    return page(site, s["name"], "trait", root, body, data, active="traits")


def render_locus(site: str, s: dict, loc: dict) -> str:
    """A locus page: report facts, GWAS before/after conditioning plot, models with joint statistics."""
    root = "../../"
    tid = s["id"]
    rows = [[m[c] for c in LOCUS_MODEL_COLS] for m in loc["models"]]
    plot = None
    if loc["cond"]:
        plot = {
            **loc["cond"], "chr": loc["chr"], "p0": int(float(loc["P0"])), "p1": int(float(loc["P1"])),
            "models": [[m["ID"], m["PANEL"], int(float(m["P0"])), int(float(m["P1"])), m["JOINT"]]
                       for m in loc["models"] if m["P0"] and m["P1"]],
        }
    data = {"tables": {"models": table(LOCUS_TABLE, rows, keep=("Gene", "Panel", "TWAS Z", "TWAS P", "Joint"),
                                       id="models", sort=["TWAS P", 1], tsv=f"{tid}.{loc['id']}.models.tsv")},
            "locus": plot}
    region = f"chr{loc['chr']}:{loc['P0']}-{loc['P1']}"
    body = (
        f'<nav class="crumbs"><a href="{root}traits.html">Traits</a> › <a href="{root}traits/{tid}.html">{esc(s["name"])}</a>'
        f' › <span>{esc(locus_label(loc))}</span></nav>\n'
        f'<h1>{esc(s["name"])}: locus {esc(locus_label(loc))} <small>{esc(region)} · {esc(fmt_mb(loc["P0"], loc["P1"]))}</small></h1>\n'
        + stat_cards([
            ("hit genes", loc["HIT.GENES"], "hit"), ("joint genes", loc["JOINT.GENES"], "joint"),
            ("best TWAS P", loc["BEST.TWAS.P"], "btp"), ("best SNP P", loc["BEST.SNP.P"], "bsp"),
            ("cond. SNP P", loc["COND.SNP.P"], "csp"), ("variance explained", loc["VAR.EXP"], "vexp"),
        ])
        + section("GWAS before and after conditioning on the joint model",
                  '<div class="plot" id="locusplot"></div>' if plot else '<p class="note">No .cond.csv for this locus.</p>',
                  "sec-plot",
                  "−log10 GWAS P of each SNP (grey) and after conditioning on the jointly significant models "
                  "(colour); models of the locus below (green: joint, grey: conditionally dropped). Drag to zoom.")
        + section(f'Models in the locus <span class="count">{len(rows)}</span>', '<div data-table="models"></div>', "sec-models",
                  "Marginal TWAS statistics and the joint (kept) or conditional (dropped) statistics of post-process.")
        + section("Downloads", downloads_html([(f, size) for f, size in loc["files"]], root), "sec-files")
    )
    return page(site, f"{s['name']} {locus_label(loc)}", "locus", root, body, data, active="traits")


def render_gene(site: str, gene: dict, profile_cols: list[str], assoc: list[list], names: dict[str, str]) -> str:
    """A gene page: its models per panel with the profile, and its significant trait associations."""
    root = "../"
    pcols = [c for c in profile_cols if c in ("nsnps", "hsq", "hsq.se", "hsq.pv") or c.endswith(".r2")]
    labels = {"nsnps": ("#SNPs", "SNPs in the cis window"), "hsq": ("HSQ", "cis-heritability"),
              "hsq.se": ("HSQ SE", ""), "hsq.pv": ("HSQ P", "")}
    cols = [("Panel", S, ""), ("Weights", S, "Weights file"), ("Chr", S, ""), ("P0", N, ""), ("P1", N, "")]
    cols += [(labels[c][0], N, labels[c][1]) if c in labels else (c.replace(".r2", " R²"), N, f"Cross-validation R² of {c[:-3]}")
             for c in pcols]
    cols.append(("Best model", S, "Model with the highest CV R²"))
    rows = []
    for m in gene["models"]:
        prof = m.get("profile") or {}
        r2 = {c[:-3]: float(prof[c]) for c in pcols if c.endswith(".r2") and prof.get(c) is not None}
        best = max(r2, key=r2.get) if r2 else None
        rows.append([m["panel"], m["wgt"], m["chr"], m["p0"], m["p1"], *[prof.get(c) for c in pcols], best])
    n_traits = len({a[0] for a in assoc})
    best_p = min((a[6] for a in assoc if a[6] is not None), key=lambda v: float(v), default=None)
    data = {"tables": {
        "models": table(cols, rows, keep=("Panel",), id="models", tsv=f"{slug(gene['id'])}.models.tsv"),
        "assoc": table(ASSOC_TABLE, assoc, empty="No significant association.", keep=("Trait", "TWAS Z", "TWAS P"), id="assoc", sort=["TWAS P", 1], names=names,
                       tsv=f"{slug(gene['id'])}.associations.tsv"),
    }, "gene": {"id": gene["id"], "z": [[a[0], a[1], a[5]] for a in assoc]}}
    where = f"chr{gene['chr']}:{gene['p0']}-{gene['p1']}" if gene.get("chr") else ""
    body = (
        f'<nav class="crumbs"><a href="{root}genes.html">Genes</a> › <span>{esc(gene["id"])}</span></nav>\n'
        f'<h1>{esc(gene["id"])} <small>{esc(where)}</small></h1>\n'
        + stat_cards([
            ("models", len(gene["models"]), "nmodels"), ("panels", len({m["panel"] for m in gene["models"]}), "npanels"),
            ("associated traits", n_traits, "ntraits"), ("best TWAS P", best_p or "–", "bestp"),
        ])
        + section(f'Models <span class="count">{len(rows)}</span>',
                  '<div data-table="models"></div>' if rows else '<p class="note">Not in the weights lists.</p>', "sec-models",
                  "One row per reference panel: cis-heritability and cross-validation R² of each model (FUSION profile).")
        + section(f'Trait associations <span class="count">{len(assoc)}</span>',
                  '<div class="plot small" id="genez"></div><div data-table="assoc"></div>' if assoc
                  else '<p class="note">No significant association with any trait.</p>', "sec-assoc",
                  "Models of this gene with TWAS P below each trait's threshold; the locus column opens the "
                  "post-process locus that holds it.")
    )
    return page(site, gene["id"], "gene", root, body, data, active="genes")


def render_home(site: str, counts: list[tuple[str, object, str]], top: list[list], panels: list[list],
                names: dict[str, str]) -> str:
    """The home page: counts, search, the traits with most associated genes, the panels."""
    data = {"tables": {
        "top": table([("Trait", T, ""), ("Significant models", N, ""), ("Genes", N, ""), ("Loci", N, "")], top,
                     id="top", names=names, sort=["Genes", -1], page=10, search=False),
        "panels": table([("Panel", S, ""), ("Models", N, ""), ("With profile", N, "Models with a FUSION profile row"),
                         ("Mean HSQ", N, "Mean cis-heritability (profile)"), ("Mean best CV R²", N, "")],
                        panels, id="panels", page=10, search=False),
    }}
    body = (
        f'<div class="hero"><h1>{esc(site)}</h1><p class="lead">Transcriptome-wide association results: search a trait '
        "to see its associated genes and loci, a locus for its conditional analysis, or a gene for every trait it "
        'associates with.</p><input type="search" id="hsearch" class="big" placeholder="Search traits and genes…" '
        'autocomplete="off" aria-label="Search"><div class="gresults" id="hresults"></div></div>\n'
        + stat_cards(counts)
        + '<div class="grid2">'
        + section("Traits with the most associated genes", '<div data-table="top"></div>'
                  '<p><a href="traits.html">All traits →</a></p>')
        + section("Reference panels", '<div data-table="panels"></div><p><a href="genes.html">All genes →</a></p>')
        + "</div>"
    )
    return page(site, "Home", "home", "", body, data)


def render_index(site: str, kind: str) -> str:
    """The traits or genes index: a searchable, sortable, paginated table of lazily loaded data."""
    if kind == "traits":
        body = ('<h1>Traits</h1><p class="lead">Click a column to sort; type to filter; click a tag to show its traits.</p>'
                '<div class="tagbar" id="tagbar"></div><div data-table="index"></div>')
        data = {"lazy": {"index": {"src": "data/traits-index.js", "name": "traits-index"}}}
    else:
        body = ('<h1>Genes</h1><p class="lead">Every gene of the weights lists and every gene with a significant '
                'association. Click a column to sort; type to filter.</p><div data-table="index"></div>')
        data = {"lazy": {"index": {"src": "data/genes-index.js", "name": "genes-index"}}}
    return page(site, kind.capitalize(), kind, "", body, data, active=kind)

