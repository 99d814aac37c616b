"""One function per page kind: home, traits/genes indices, trait, locus and gene pages."""

from __future__ import annotations

import re

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
    fmt_g,
    fmt_mb,
    fmt_num,
    page,
    section,
    slug,
    stat_cards,
    table,
    tags_html,
)

GL = "G"  # column type: list of gene ids
SAFE_PAGE = re.compile(r"^[A-Za-z0-9_-]+$")

HIT_TABLE = [
    ("Gene", G, "Gene; opens its page"),
    ("Phenotype", S, "Phenotype (weights ID) when it is not the gene ID"),
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
    ("Note", S, "MHC: in the MHC region (--mhc; FUSION's .dat.MHC), shown but not counted; not significant: shown as a model of a locus"),
]
HIT_SRC = ["ID", "PANEL", "CHR", "P0", "HSQ", "MODEL", "NWGT", "MODELCV.R2",
           "TWAS.Z", "TWAS.P", "COLOC.PP3", "COLOC.PP4", "JOINT", "JOINT.Z", "JOINT.P"]

LOCI_TABLE = [
    ("Locus", L, "Opens the locus page"),
    ("Chr", S, ""),
    ("P0", N, "Locus start (bp)"),
    ("P1", N, "Locus end (bp)"),
    ("Hit genes", N, "Significant models in the locus (post-process HIT.GENES)"),
    ("Joint models", N, "Models kept in the joint model (post-process JOINT.GENES)"),
    ("Joint genes", N, "Distinct genes among the joint models"),
    ("Best TWAS P", N, ""),
    ("Best SNP P", N, "Best GWAS SNP P in the locus"),
    ("Cond. SNP P", N, "That SNP's P after conditioning on the joint model"),
    ("Var. explained", N, "Share of the top SNP's chi² explained by the joint model"),
    ("Joint model genes", GL, ""),
]

LOCUS_TABLE = [
    ("Gene", G, ""), ("Phenotype", S, "Phenotype (weights ID) when it is not the gene ID"), ("Panel", S, ""), ("P0", N, ""), ("P1", N, ""), ("HSQ", N, "cis-heritability of expression"),
    ("eQTL R²", N, "R² of the best eQTL (EQTL.R2)"), ("Model", S, "Model FUSION tested"), ("#Wgt", N, "SNPs with a non-zero weight (NWGT)"),
    ("CV R²", N, "Cross-validation R² of the model"), ("CV P", N, "Cross-validation P of the model"),
    ("eQTL GWAS Z", N, "GWAS Z of the best eQTL (EQTL.GWAS.Z)"), ("TWAS Z", N, "Marginal TWAS Z"),
    ("TWAS P", N, "Marginal TWAS P"),
    ("PIP", N, "Fine-mapping posterior inclusion probability (.focus)"), ("Cred. set", S, "In the credible set (.focus)"),
    ("PP3", N, "COLOC PP3: distinct causal variants"), ("PP4", N, "COLOC PP4"),
    ("Joint", J, "joint: in the joint model; cond: dropped"),
    ("Joint Z", N, "Joint Z (joint) or conditional Z (cond)"), ("Joint P", N, "Joint P (joint) or conditional P (cond)"),
    ("Top SNP cor.", N, "Correlation of predicted expression with the locus' top GWAS SNP"),
]

PLEIO_TABLE = [
    ("Trait", T, ""),
    ("χ² ratio", N, "Mean TWAS χ² of the other trait at this trait's joint models, over its mean χ² at all models"),
    ("Genes+", N, "Genes of this trait's joint models with P < 0.05 / (this trait's significant models) in the other trait"),
    ("Genes++", N, "Genes of this trait's joint models significant in the other trait (its own threshold)"),
    ("% genes++", N, "Genes++ as a percentage of this trait's joint-model genes"),
    ("Corr.", N, "Pearson correlation of the two traits' Z at the Genes+ models (NA below 4 models)"),
    ("Corr. P", N, ""), ("Genes+ list", GL, ""),
]

PANEL_COUNTS = [
    ("Panel", S, ""), ("Models tested", N, ""), ("Significant", N, "Significant models (MHC excluded)"),
    ("% significant", N, ""), ("Mean χ²", N, "Mean TWAS Z² of the panel's models"),
]

ASSOC_TABLE = [
    ("Trait", T, ""), ("Panel", S, ""), ("Phenotype", S, "Phenotype (weights ID) when the gene has several"),
    ("Model", S, ""), ("#Wgt", N, "SNPs with a non-zero weight"),
    ("CV R²", N, ""), ("TWAS Z", N, ""), ("TWAS P", N, ""), ("PP4", N, "COLOC PP4"),
    ("Joint", J, "Status in the trait's joint model"), ("Locus", L, ""),
]
ASSOC_P = 7  # index of TWAS P in ASSOC_TABLE rows

HEAT_HEAD = [
    ("Trait", T, ""), ("χ² ratio", N, "Mean χ² over the gene's models divided by the trait's mean χ² over all models"),
    ("Mean χ²", N, "Mean TWAS Z² over the gene's models"), ("Max χ²", N, "Largest TWAS Z² of the gene's models"),
]

TRAITS_INDEX = [
    ("Trait", T, ""), ("ID", S, ""), ("N", N, "GWAS sample size"), ("Tags", TAGS, ""),
    ("Models tested", N, ""), ("Significant models", N, "MHC excluded"), ("Genes", N, "Genes with a significant model"),
    ("Loci", N, "Post-process loci"), ("Joint genes", N, "Genes with a model in the loci's joint models"),
    ("Download", "a", "All result files of the trait (.tar.gz)"),
]

GENES_INDEX = [
    ("Gene", G, ""), ("Symbol", S, ""), ("Chr", S, ""), ("P0", N, ""), ("P1", N, ""), ("Models", N, "Models in the weights lists"),
    ("Panels", S, ""), ("Traits", N, "Traits with a significant association"), ("Best TWAS P", N, ""),
    ("Best trait", T, ""),
]

PANELS_TABLE = [
    ("Panel", S, ""), ("Tissue", S, ""), ("Modality", S, ""), ("N", N, "Reference panel sample size"),
    ("Models", N, "Models in the weights lists"), ("With profile", N, "Models with a FUSION profile row"),
    ("Mean HSQ", N, "Mean cis-heritability (profile)"), ("Mean best CV R²", N, ""),
    ("Associations", N, "Significant associations over all traits (MHC excluded)"),
]


def model_label(m: dict, gid: str) -> str:
    """A gene model's column label: its panel, and its phenotype when that is not the gene's own ID."""
    return m["panel"] if m["pheno"] == gid else f"{m['panel']} · {m['pheno']}"


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
    for row, sig, msig, gene in zip(s["hits"], s["sig"], s["mhc_sig"], s["hit_gene_of"]):
        cells = [gene, row[col["ID"]] if row[col["ID"]] != gene else None] + [row[col[c]] for c in HIT_SRC[1:]]
        lid = row[col["LOCUS"]]
        cells.append([labels.get(lid, lid), locus_href(s["id"], lid)] if lid else None)
        notes = [x for x in (row[col["MHC"]], None if sig or msig else "not significant") if x]
        cells.append(", ".join(notes) or None)
        rows.append(cells)
    return table(HIT_TABLE, rows, keep=("Gene", "Panel", "TWAS Z", "TWAS P"), sort=["TWAS P", 1], id="hits",
                 tsv=f"{s['id']}.associations.tsv")


def _trait_notes(s: dict) -> str:
    """What a trait page says about its associations when there is something to explain."""
    notes = []
    thr = fmt_g(s["threshold"])
    if s["n_hits"] == 0 and s.get("n_mhc_hits"):
        notes.append(f"No association outside the MHC: all {s['n_mhc_hits']} model(s) with TWAS P &lt; {thr} are in the MHC "
                     "region, shown below but not counted (as FUSION's post-process leaves the MHC out).")
    elif s["n_hits"] == 0:
        notes.append(f"No model reaches TWAS P &lt; {thr} for this trait: no significant association.")
    elif s.get("n_mhc_hits"):
        notes.append(f"{s['n_mhc_hits']} more significant model(s) in the MHC region are shown but not counted.")
    notes += [esc(n) for n in s.get("notes", [])]
    return "".join(f'<p class="note">{n}</p>' for n in notes)


def _loci_note(s: dict) -> str:
    """Why a trait has no loci."""
    if not s.get("has_post"):
        return "No post-process outputs for this trait (no post column in the trait table)."
    if s["n_hits"] == 0:
        return "No locus: the trait has no significant association."
    return "Post-process reported no locus for this trait."


def render_trait(site: str, s: dict, pleio: list[list], names: dict[str, str], nav_pages: list | None = None) -> str:
    """A trait's page: facts, Manhattan plot, associations, loci, pleiotropy, per-panel counts, downloads."""
    root = "../"
    tid = s["id"]
    loci_rows = [
        [[locus_label(loc), locus_href(tid, loc["id"])], loc["chr"], loc["P0"], loc["P1"], loc["HIT.GENES"],
         loc["JOINT.GENES"], loc.get("n_joint_genes"), loc["BEST.TWAS.P"], loc["BEST.SNP.P"], loc["COND.SNP.P"], loc["VAR.EXP"],
         loc["joint_genes"]]
        for loc in s["loci"]
    ]
    data = {
        "tables": {
            "hits": hits_table(s),
            "loci": table(LOCI_TABLE, loci_rows, keep=("Locus",), id="loci", tsv=f"{tid}.loci.tsv"),
            "pleio": table(PLEIO_TABLE, pleio, id="pleio", sort=["Genes+", -1], names=names, tsv=f"{tid}.pleiotropy.tsv",
                           empty="No other trait shares this trait's associated models."),
            "panels": table(PANEL_COUNTS, s["panels"], id="panelcounts", sort=["Significant", -1]),
        },
        "manhattan": {"src": f"data/manhattan/{tid}.js", "name": f"manhattan/{tid}", "thr": s["threshold"]},
    }
    extra = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in s.get("extra", {}).items())
    n_shown = len(s["hits"])
    body = (
        f'<nav class="crumbs"><a href="{root}traits.html">Traits</a> › <span>{esc(s["name"])}</span></nav>\n'
        f'<h1>{esc(s["name"])} <small>{esc(tid)}</small></h1>\n'
        + (f'<p class="lead">{esc(s["description"])}</p>' if s.get("description") else "")
        + f'<div class="tags">{tags_html(s["tags"], root)}</div>'
        + (f'<dl class="meta">{extra}</dl>' if extra else "")
        + stat_cards([
            ("GWAS N", s["N"] or "–", "n"), ("models tested", s["n_tested"], "tested"),
            ("P threshold", fmt_g(s["threshold"]), "thr"), ("significant models", s["n_hits"], "nhits"),
            ("genes", s["n_hit_genes"], "ngenes"), ("loci", s["n_loci"], "nloci"), ("joint genes", s["n_joint_genes"], "njoint"),
        ] + ([("MHC models (not counted)", s["n_mhc_hits"], "nmhc")] if s.get("n_mhc_hits") else []))
        + _trait_notes(s)
        + section("TWAS associations across the genome", '<div class="plot" id="manhattan"></div>', "sec-manhattan",
                  "Each dot is a model (gene × panel): −log10 TWAS P, coloured by the sign of Z when significant. "
                  "Hover or tap for details, click to open the gene; drag to zoom, double-click to reset.")
        + section(f'Associations <span class="count">{s["n_hits"]}</span>',
                  '<div data-table="hits"></div>' if n_shown else '<p class="note">No significant association.</p>', "sec-hits",
                  "Models with TWAS P below the threshold, and any other model of a post-process locus.")
        + section(f'Loci <span class="count">{s["n_loci"]}</span>',
                  '<div data-table="loci"></div>' if s["loci"] else f'<p class="note">{_loci_note(s)}</p>',
                  "sec-loci")
        + section(f'Pleiotropic associations <span class="count">{len(pleio)}</span>', '<div data-table="pleio"></div>', "sec-pleio",
                  "Every other trait associated with this trait's joint-model genes (significant models when there are no loci); "
                  "statistics as defined by TWAS_HUB (hover a column title).")
        + section("Associations by panel", '<div data-table="panels"></div>', "sec-panels")
        + section("Downloads", downloads_html([tuple(f) for f in s["files"]], root), "sec-files")
    )
    return page(site, s["name"], "trait", root, body, data, active="traits", nav_pages=nav_pages)


def render_locus(site: str, s: dict, loc: dict, nav: tuple = (None, None), nav_pages: list | None = None) -> str:
    """A locus page: report facts, GWAS before/after conditioning plot, models with joint statistics and PIPs."""
    root = "../../"
    tid = s["id"]
    rows = [[m.get("GENE") or m["ID"], m["ID"] if m.get("GENE") not in (None, m["ID"]) else None]
            + [m.get(c) for c in LOCUS_MODEL_COLS[1:]] for m in loc["models"]]
    plot = None
    if loc["cond"]:
        plot = {
            **loc["cond"], "chr": loc["chr"], "p0": int(float(loc["P0"])), "p1": int(float(loc["P1"])),
            "models": [[m.get("GENE") or m["ID"], m["PANEL"], int(float(m["P0"])), int(float(m["P1"])), m["JOINT"]]
                       for m in loc["models"] if m["P0"] and m["P1"]],
        }
    data = {"tables": {"models": table(LOCUS_TABLE, rows, keep=("Gene", "Panel", "TWAS Z", "TWAS P", "Joint"),
                                       id="models", sort=["TWAS P", 1], tsv=f"{tid}.{loc['id']}.models.tsv",
                                       mark=["Cred. set", "yes", "credset"])},
            "locus": plot}
    region = f"chr{loc['chr']}:{loc['P0']}-{loc['P1']}"
    prev, nxt = nav
    locnav = (
        '<nav class="locnav">'
        + (f'<a href="{esc(prev["id"])}.html" rel="prev">← {esc(locus_label(prev))}</a>' if prev else "<span></span>")
        + (f'<a href="{esc(nxt["id"])}.html" rel="next">{esc(locus_label(nxt))} →</a>' if nxt else "<span></span>")
        + "</nav>\n"
    )
    has_pip = any(m.get("PIP") is not None for m in loc["models"])
    body = (
        f'<nav class="crumbs"><a href="{root}traits.html">Traits</a> › <a href="{root}traits/{tid}.html">{esc(s["name"])}</a>'
        f' › <span>{esc(locus_label(loc))}</span></nav>\n'
        + locnav
        + f'<h1>{esc(s["name"])}: locus {esc(locus_label(loc))} <small>{esc(region)} · {esc(fmt_mb(loc["P0"], loc["P1"]))}</small></h1>\n'
        + stat_cards([
            ("hit models", loc["HIT.GENES"], "hit"), ("joint models", loc["JOINT.GENES"], "jointm"),
            ("joint genes", loc.get("n_joint_genes") or "–", "joint"),
            ("best TWAS P", fmt_num(loc["BEST.TWAS.P"]), "btp"), ("best SNP P", fmt_num(loc["BEST.SNP.P"]), "bsp"),
            ("cond. SNP P", fmt_num(loc["COND.SNP.P"]), "csp"), ("variance explained", fmt_num(loc["VAR.EXP"]), "vexp"),
        ] + ([("null model PIP" + (" (in credible set)" if loc.get("null_credset") else ""), fmt_num(loc["null_pip"]), "nullpip")]
             if loc.get("null_pip") is not None else []))
        + section("GWAS before and after conditioning on the joint model",
                  '<div class="plot" id="locusplot"></div>' if plot else '<p class="note">No .cond.csv for this locus.</p>',
                  "sec-plot",
                  "−log10 GWAS P of each SNP (grey) and after conditioning on the jointly significant models "
                  "(colour); models of the locus below (green: joint, grey: conditionally dropped). Drag to zoom; tap for details.")
        + section(f'Models in the locus <span class="count">{len(rows)}</span>', '<div data-table="models"></div>', "sec-models",
                  "Marginal TWAS statistics and the joint (kept) or conditional (dropped) statistics of post-process"
                  + ("; PIP and credible set from fine-mapping (.focus)." if has_pip else "."))
        + section("Downloads", downloads_html([(f, size) for f, size in loc["files"]] or
                                              ([tuple(s["archive"])] if s.get("archive") else []), root), "sec-files")
    )
    return page(site, f"{s['name']} {locus_label(loc)}", "locus", root, body, data, active="traits", nav_pages=nav_pages)


def render_gene(site: str, gene: dict, profile_cols: list[str], assoc: list[list], names: dict[str, str],
                heat_src: str | None = None, nav_pages: list | None = None) -> str:
    """A gene page: its models (phenotypes, tissues, modalities, profile, the model FUSION tested), every
    trait x model TWAS Z (lazily loaded heatmap) and its significant trait associations."""
    root = "../"
    pcols = [c for c in profile_cols if c in ("nsnps", "hsq", "hsq.se", "hsq.pv") or c.endswith(".r2")]
    labels = {"nsnps": ("#SNPs", "SNPs in the cis window"), "hsq": ("HSQ", "cis-heritability"),
              "hsq.se": ("HSQ SE", ""), "hsq.pv": ("HSQ P", "")}
    cols = [("Panel", S, ""), ("Phenotype", S, "Phenotype (weights ID) when it is not the gene ID"),
            ("Tissue", S, ""), ("Modality", S, ""), ("Weights", S, "Weights file"), ("Chr", S, ""), ("P0", N, ""), ("P1", N, "")]
    cols += [(labels[c][0], N, labels[c][1]) if c in labels else (c.replace(".r2", " R²"), N, f"Cross-validation R² of {c[:-3]}")
             for c in pcols]
    cols += [("Model tested", S, "The model FUSION used for the TWAS test (MODEL column of assoc-test)"),
             ("#Wgt", N, "SNPs with a non-zero weight in that model"), ("CV R²", N, "Cross-validation R² of that model"),
             ("CV P", N, "Cross-validation P of that model")]
    rows = []
    for m in gene["models"]:
        prof = m.get("profile") or {}
        info = m.get("info") or [None] * 5
        rows.append([m["panel"], m["pheno"] if m["pheno"] != gene["id"] else None, m.get("tissue") or None,
                     m.get("modality") or None, m["wgt"], m["chr"], m["p0"], m["p1"], *[prof.get(c) for c in pcols],
                     info[0], info[1], info[2], info[3]])
    n_traits = len({a[0] for a in assoc})
    best_p = min((a[ASSOC_P] for a in assoc if a[ASSOC_P] is not None), key=lambda v: float(v), default=None)
    data = {"tables": {
        "models": table(cols, rows, keep=("Panel",), id="models", tsv=f"{slug(gene['id'])}.models.tsv"),
        "assoc": table(ASSOC_TABLE, assoc, empty="No significant association.", keep=("Trait", "TWAS Z", "TWAS P"), id="assoc", sort=["TWAS P", 1], names=names,
                       tsv=f"{slug(gene['id'])}.associations.tsv"),
    }, "gene": {"id": gene["id"], "z": [[a[0], a[1], a[ASSOC_P - 1]] for a in assoc]}}
    if heat_src:
        data["lazy"] = {"heat": {"src": heat_src, "name": heat_src[len("data/"):-len(".js")], "head": HEAT_HEAD,
                                 "tsv": f"{slug(gene['id'])}.z.tsv"}}
    where = f"chr{gene['chr']}:{gene['p0']}-{gene['p1']}" if gene.get("chr") else ""
    sym = f" · {gene['symbol']}" if gene.get("symbol") else ""
    body = (
        f'<nav class="crumbs"><a href="{root}genes.html">Genes</a> › <span>{esc(gene["id"])}</span></nav>\n'
        f'<h1>{esc(gene["id"])}{esc(sym)} <small>{esc(where)}</small></h1>\n'
        + stat_cards([
            ("models", len(gene["models"]), "nmodels"), ("panels", len({m["panel"] for m in gene["models"]}), "npanels"),
            ("associated traits", n_traits, "ntraits"), ("best TWAS P", fmt_num(best_p) if best_p else "–", "bestp"),
        ])
        + section(f'Models <span class="count">{len(rows)}</span>',
                  '<div data-table="models"></div>' if rows else '<p class="note">Not in the weights lists.</p>', "sec-models",
                  "One row per model (panel × phenotype): cis-heritability and cross-validation R² of each method "
                  "(FUSION profile), and the model assoc-test used with its CV R² and P.")
        + section(f'Trait associations <span class="count">{len(assoc)}</span>',
                  '<div class="plot small" id="genez"></div><div data-table="assoc"></div>' if assoc
                  else '<p class="note">No significant association with any trait.</p>', "sec-assoc",
                  "Models of this gene with TWAS P below each trait's threshold; the locus column opens the "
                  "post-process locus that holds it.")
        + (section("TWAS Z in every trait", '<div data-table="heat"></div>', "sec-heat",
                   "Every trait × every model of the gene, weak results included (as TWAS hub's gene pages): "
                   "TWAS Z coloured by sign and size, with the mean and max χ² over the gene's models and their ratio "
                   "to the trait's mean χ².") if heat_src else "")
    )
    return page(site, gene["id"], "gene", root, body, data, active="genes", nav_pages=nav_pages)


def render_home(site: str, counts: list[tuple[str, object, str]], top: list[list], panels: list[list],
                names: dict[str, str], home_html: str | None = None, nav_pages: list | None = None) -> str:
    """The home page: the user's text (or a default), counts, search, the traits with most associated genes."""
    data = {"tables": {
        "top": table([("Trait", T, ""), ("Significant models", N, ""), ("Genes", N, ""), ("Loci", N, "")], top,
                     id="top", names=names, sort=["Genes", -1], page=10, search=False),
        "panels": table([("Panel", S, ""), ("Models", N, ""), ("Associations", N, "")],
                        [[r[0], r[4], r[8]] for r in panels], id="panels", page=10, search=False),
    }}
    lead = (f'<div class="prose hero-text">{home_html}</div>' if home_html else
            '<p class="lead">Transcriptome-wide association results: search a trait '
            "to see its associated genes and loci, a locus for its conditional analysis, or a gene for every trait it "
            "associates with.</p>")
    body = (
        f'<div class="hero"><h1>{esc(site)}</h1>{lead}<input type="search" id="hsearch" class="big" placeholder="Search traits and genes…" '
        'autocomplete="off" aria-label="Search"><div class="gresults" id="hresults"></div></div>\n'
        + stat_cards(counts)
        + '<div class="grid2">'
        + section("Traits with the most associated genes", '<div data-table="top"></div>'
                  '<p><a href="traits.html">All traits →</a></p>')
        + section("Reference panels", '<div data-table="panels"></div><p><a href="panels.html">All panels →</a> · '
                  '<a href="genes.html">All genes →</a></p>')
        + "</div>"
    )
    return page(site, "Home", "home", "", body, data, nav_pages=nav_pages)


def render_panels(site: str, panels: list[list], nav_pages: list | None = None) -> str:
    """The panels page: tissue, modality, N, models, profile summaries and associations per panel."""
    data = {"tables": {"panels": table(PANELS_TABLE, panels, keep=("Panel", "Models"), id="panels", tsv="panels.tsv")}}
    body = ('<h1>Reference panels</h1><p class="lead">Expression (or other molecular phenotype) reference panels whose '
            'models were tested. Tissue, modality and N come from the --panels table.</p><div data-table="panels"></div>')
    return page(site, "Panels", "panels", "", body, data, active="panels", nav_pages=nav_pages)


def render_content(site: str, title: str, html_text: str, key: str, nav_pages: list | None = None) -> str:
    """One of the user's Markdown pages (About, Usage, citation, ...), already rendered safely."""
    return page(site, title, "content", "", f'<article class="card prose">{html_text}</article>', None, active=key,
                nav_pages=nav_pages)


def render_index(site: str, kind: str, nav_pages: list | None = None) -> str:
    """The traits or genes index: a searchable, sortable, paginated table of lazily loaded data."""
    if kind == "traits":
        body = ('<h1>Traits</h1><p class="lead">Click a column to sort; type to filter; click a tag to show its traits.</p>'
                '<div class="tagbar" id="tagbar"></div><div data-table="index"></div>')
        data = {"lazy": {"index": {"src": "data/traits-index.js", "name": "traits-index"}}}
    else:
        body = ('<h1>Genes</h1><p class="lead">Every gene of the weights lists and every gene with a significant '
                'association. Click a column to sort; type to filter.</p><div data-table="index"></div>')
        data = {"lazy": {"index": {"src": "data/genes-index.js", "name": "genes-index"}}}
    return page(site, kind.capitalize(), kind, "", body, data, active=kind, nav_pages=nav_pages)
