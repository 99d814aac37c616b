"""Run pyfocus for the comparison (see SOURCE.md); run with pyfocus installed.

`db WEIGHTS.tsv DB`: build a FOCUS weight database with pyfocus's own `build_model` (the function
`focus import` calls; its gene-annotation step queries an online service this machine cannot reach).
`finemap ARGS...`: pyfocus's `focus` script with ARGS, its table written with 10 significant digits
instead of 3 (pyfocus.write_output's float_format; nothing else changed).
"""

import runpy
import shutil
import sys

import pandas as pd
import pyfocus as pf

if sys.argv[1] == "finemap":
    def write_output(results, output, append=False):
        results.to_csv(output, sep="\t", mode="a" if append else "w", header=not append, index=False, na_rep="NA",
                       float_format="%.10g")

    pf.write_output = write_output
    sys.argv = ["focus", *sys.argv[2:]]
    runpy.run_path(shutil.which("focus"), run_name="__main__")
    sys.exit(0)

wt_path, db_path = sys.argv[2:4]
ses = pf.load_db(db_path)
panels = {}
wt = pd.read_csv(wt_path, sep="\t", dtype={"chrom": str, "CHR": str})
for (gid, panel), g in wt.groupby(["ID", "PANEL"], sort=False):
    if panel not in panels:
        panels[panel] = pf.RefPanel(ref_name=panel, tissue=panel, assay="")
    r = g.iloc[0]
    gene = {"geneid": gid, "txid": None, "name": gid, "type": None, "chrom": str(r["CHR"]),
            "txstart": int(r["P0"]), "txstop": int(r["P1"])}
    snps = g[["snp", "chrom", "pos", "a1", "a0"]].reset_index(drop=True)
    model = pf.build_model(gene, snps, panels[panel], g["effect"].to_numpy(), None,
                           {"cv.R2": float(r["CVR2"]), "cv.R2.pval": float(r["CVPV"])}, r["MODEL"])
    ses.add(model)
ses.commit()
