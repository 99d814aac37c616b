# Reference outputs of coloc 6.0.1 (+ susieR 0.12.35) for tests/test_coloc.py.
# Usage: R_LIBS=/path/to/lib/with/coloc Rscript make_reference.R BIN_DIR OUT_DIR
# BIN_DIR is written by make_inputs.py. Datasets are built exactly as FUSION.assoc_test.R does.
suppressMessages({library(coloc); library(jsonlite)})
args = commandArgs(trailingOnly = TRUE)
bin_dir = args[1]; out_dir = args[2]
num = function(x) { s = sprintf("%.17g", as.numeric(x)); s[is.na(x)] = "nan"; s }
rd = function(d, f, n) readBin(file.path(d, f), "double", n = n, size = 8, endian = "little")

fit_info = function(s) {
  list(V = num(s$V), pip = num(s$pip), niter = s$niter, converged = s$converged,
       elbo = num(s$elbo[length(s$elbo)]),
       lbf_variable_cs = lapply(as.integer(s$sets$cs_index), function(i) num(s$lbf_variable[i, ])),
       cs = lapply(s$sets$cs, function(x) as.integer(unname(x))),
       cs_index = as.integer(s$sets$cs_index),
       purity = if (is.null(s$sets$purity)) list() else lapply(seq_len(nrow(s$sets$purity)),
                  function(i) num(unlist(s$sets$purity[i, ]))))
}

tab_json = function(tb) {
  tb = as.data.frame(tb)
  lapply(tb, function(col) if (is.numeric(col)) num(col) else as.character(col))
}

for (case in list.dirs(bin_dir, full.names = FALSE, recursive = FALSE)) {
  d = file.path(bin_dir, case)
  meta = read.table(file.path(d, "meta.txt"), row.names = 1)
  p = meta["p", 1]; N1 = meta["N1", 1]; N2 = meta["N2", 1]; betase = meta["betase", 1] == 1
  snp = scan(file.path(d, "snp.txt"), what = "", quiet = TRUE)
  pos = scan(file.path(d, "pos.txt"), quiet = TRUE)
  LD = matrix(rd(d, "LD.bin", p * p), p, p)
  dimnames(LD) = list(snp, snp)
  d1 = list(beta = rd(d, "beta1.bin", p), varbeta = rd(d, "varbeta1.bin", p), LD = LD,
            snp = snp, position = pos, N = N1, type = "quant", sdY = 1)
  d2 = list(beta = rd(d, "beta2.bin", p), varbeta = rd(d, "varbeta2.bin", p), LD = LD,
            snp = snp, position = pos, type = "quant", sdY = 1)
  if (!betase) d2$N = N2   # FUSION: N only in the Z/GWASN branch
  out = list(case = case)

  abf = suppressWarnings(suppressMessages(capture.output(r <- coloc.abf(d1, d2))))
  out$abf_summary = num(r$summary)
  out$abf_snp = as.character(r$results$snp)
  out$abf_snp_pp_h4 = num(r$results$SNP.PP.H4)
  out$abf_priors = num(r$priors)
  # prior adjustment branch (nsnps * p1 >= 1)
  invisible(capture.output(r2 <- suppressWarnings(coloc.abf(d1, d2, p1 = 0.02, p2 = 0.5 / p, p12 = 1e-3))))
  out$abf_adj_summary = num(r2$summary)
  out$abf_adj_priors = num(r2$priors)

  run = function(a, b) tryCatch({
    invisible(capture.output(s <- suppressWarnings(suppressMessages(coloc.susie(a, b)))))
    s
  }, error = function(e) structure(list(msg = conditionMessage(e)), class = "err"))
  s = run(d1, d2)
  if (inherits(s, "err")) {
    out$susie_error = s$msg
    d2$N = N2   # also record the fit with N, for the SuSiE comparison
    s = run(d1, d2)
  }
  if (!is.null(s$summary)) {
    out$susie_summary = tab_json(s$summary)
    out$susie_results = if (is.null(s$results)) NULL else tab_json(s$results)
  } else {
    out$susie_summary = NULL
    out$susie_nsnps_na = is.data.frame(s) && is.na(s$nsnps[1])
  }
  invisible(capture.output(f1 <- suppressWarnings(suppressMessages(runsusie(d1)))))
  invisible(capture.output(f2 <- suppressWarnings(suppressMessages(runsusie(d2)))))
  out$fit1 = fit_info(f1)
  out$fit2 = fit_info(f2)
  if (case == "nocs") {
    # z at odds with the LD (SNPs 55 and 58 have r = 1): susie_rss's check_prior stops
    zz = rep(0, p); zz[55] = 8; zz[58] = -2
    dd = d1; dd$beta = zz / sqrt(N1)
    e = run(dd, dd)
    out$checkprior_error = if (inherits(e, "err")) e$msg else NULL
  }
  if (case == "multi") {
    # coloc.bf_bf on SuSiE log-BF rows whose SNP sets only partly overlap (trimming branch)
    b1 = f1$lbf_variable[f1$sets$cs_index, , drop = FALSE]
    b2 = f2$lbf_variable[f2$sets$cs_index, , drop = FALSE]
    colnames(b1) = colnames(b2) = snp
    # every pair trimmed: trait-1 signal (SNP 51) outside the shared SNPs 100..150
    bb = suppressWarnings(coloc.bf_bf(b1[, 1:150, drop = FALSE], b2[, 100:200, drop = FALSE]))
    out$bfbf_alltrim = list(summary = tab_json(bb$summary), has_results = !is.null(bb$results))
    # one of two pairs trimmed: trait-2 signal 2 (SNP 51) outside the shared SNPs 60..200
    bb = suppressWarnings(coloc.bf_bf(b1[, 60:200, drop = FALSE], b2[, 1:200, drop = FALSE]))
    out$bfbf_partial = list(summary = tab_json(bb$summary), results = tab_json(bb$results))
  }
  writeLines(toJSON(out, auto_unbox = TRUE, null = "null"), file.path(out_dir, paste0(case, ".R.json")))
  cat(case, "done\n")
}

# R's optimize() (Brent fmin), as optim(method = "Brent") calls it, on two test functions
tol = sqrt(.Machine$double.eps)
br = list(
  quad = num(optimize(function(x) (x - 1/3)^2, c(-30, 15), tol = tol)$minimum),
  wavy = num(optimize(function(x) sin(3 * x) + (x - 2)^2 / 10, c(-30, 15), tol = tol)$minimum),
  flat = num(optimize(function(x) -log(1 + exp(-x)), c(-30, 15), tol = tol)$minimum))
writeLines(toJSON(br, auto_unbox = TRUE), file.path(out_dir, "brent.R.json"))
