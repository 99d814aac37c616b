"""`assoc-test`: FUSION.assoc_test.R, for one or many traits and chromosomes.

Steps, in order:
1. `run.run_batch` reads each trait's GWAS once (`io.sumstats`), each chromosome's LD panel once
   and the weights list, and walks the genes;
2. `gene.prepare_gene`: one weight file matched to the panel, allele flips and LD (shared by traits);
3. `gene.GeneTester`: per trait, the model choice, IMPG imputation of missing Z, the TWAS z,
   permutations and `coloc` (FUSION's COLOC step);
4. `run.write_result`: FUSION's table (`io.assoc_output`), OUT.MHC and the coloc.susie tables.
"""
