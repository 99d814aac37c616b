"""`compute-weights`: FUSION.compute_weights.R, one gene or a batch of genes.

Steps, in order (`gene.compute_gene`):
1. samples of .fam / --pheno / --covar matched, covariates regressed out (`gene.prepare_gene`);
2. heritability by PLINK GRM + GCTA REML (`core.heritability`), FUSION's skip rule;
3. cross-validation and full-sample weights of each model (`core.cv`), written as .wgt.RDat.
`batch.run_batch` runs many genes in worker processes and writes FUSION's .pos/.profile tables.
"""
