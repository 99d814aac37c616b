"""`post-process`: FUSION.post_process.R.

Steps, in order (`run.run_post_process`):
1. `options`: the flags; `inputs`: the TWAS table, predicted expression in the LD reference, the
   aligned GWAS and the gene list;
2. `run`: joint/conditional selection (`core.postproc`), loci, conditional GWAS, FUSION's files
   and report; or `modes`: the --omnibus and --ldsc modes instead;
3. `plot_pages` assembles the locus and correlation plots, `draw` draws them with matplotlib;
4. `results`: the run's log and what it produced.
"""
