# Generates glmnet_fixture/*.txt: R glmnet 4.1-6 cv.glmnet outputs on toy genotype data,
# the reference for tests/test_compute_weights.py::test_cv_glmnet_matches_r.
# Run from tests/data/cw: Rscript make_glmnet_fixture.R
suppressMessages(library(glmnet))
dir.create("glmnet_fixture", showWarnings = FALSE)
cases = list(c(120, 300, 11), c(200, 80, 12), c(97, 150, 13), c(90, 520, 14), c(14, 30, 15))
for (cs in cases) {
  n = cs[1]; p = cs[2]; sd0 = cs[3]
  set.seed(sd0)
  maf = runif(p, 0.05, 0.5)
  x = sapply(maf, function(f) rbinom(n, 2, f))
  x[, 3] = 0  # a constant column: cv.glmnet is called on polymorphic columns only
  x = x[, apply(x, 2, sd) > 0]
  b = rep(0, ncol(x)); b[sample(ncol(x), 5)] = rnorm(5, 0, 0.5)
  y = as.vector(x %*% b + rnorm(n))
  set.seed(sd0 + 100)
  cv = cv.glmnet(x = x, y = y, alpha = 0.5, nfold = 5, intercept = T, standardize = F, keep = TRUE)
  tag = sprintf("glmnet_fixture/n%d_p%d", n, ncol(x))
  write(t(x), paste0(tag, ".x.txt"), ncolumns = ncol(x))
  writeLines(sprintf("%.17g", y), paste0(tag, ".y.txt"))
  writeLines(as.character(sd0 + 100), paste0(tag, ".seed.txt"))
  writeLines(as.character(cv$foldid), paste0(tag, ".foldid.txt"))
  writeLines(sprintf("%.17g %.17g %.17g", cv$lambda, cv$cvm, cv$cvsd), paste0(tag, ".cv.txt"))
  writeLines(sprintf("%.17g", as.vector(coef(cv, s = "lambda.min"))), paste0(tag, ".coef.txt"))
  writeLines(sprintf("%.17g", cv$lambda.min), paste0(tag, ".lambdamin.txt"))
}
