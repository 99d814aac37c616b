# Rebuild the derived fixtures (run in this directory with R >= 3.5: Rscript make_fixtures.R).
load("GENE6_030.wgt.RDat")
n <- 12
# legacy: FUSION output as written by old R (format 2, stringsAsFactors, integer cm, no N.tot),
# with the read.table "T" -> TRUE quirk in the a1 column
w <- wgt.matrix[1:n, , drop=FALSE]
s <- snps[1:n, ]
s$V2 <- factor(s$V2); s$V3 <- as.integer(s$V3); s$V5 <- TRUE; s$V6 <- factor(s$V6)
rownames(s) <- NULL
local({ wgt.matrix <- w; snps <- s
  save(wgt.matrix, snps, cv.performance, hsq, hsq.pv, file="legacy_v2.wgt.RDat", version=2) })
# edge: NA/NaN weights, character chr, double N.tot, NA hsq SE, plus extra objects that use
# ALTREP (compact 1:n, deferred strings), a closure, a list and an environment
local({
  wgt.matrix <- w; wgt.matrix[2, "lasso"] <- NA; wgt.matrix[3, "enet"] <- NaN
  snps <- snps[1:n, ]; snps$V1 <- "X"; rownames(snps) <- NULL
  hsq <- c(0.25, NA); N.tot <- 400
  extra.seq <- 1:n; extra.chr <- as.character(101:105); extra.fun <- function(x) x + 1
  extra.list <- list(a = 1, b = "z"); extra.env <- new.env(); assign("k", 3L, envir = extra.env)
  save(wgt.matrix, snps, cv.performance, hsq, hsq.pv, N.tot, extra.seq, extra.chr, extra.fun,
       extra.list, extra.env, file = "edge_v3.wgt.RDat")
})
# no wgt.matrix: a valid R data file that is not a FUSION weight file
local({ snps <- snps[1:n, ]; save(snps, cv.performance, file = "no_wgt_matrix.RDat") })
# mismatch: wgt.matrix has 3 rows, snps 2
local({ wgt.matrix <- w[1:3, ]; snps <- snps[1:2, ]; save(wgt.matrix, snps, file = "mismatch.RDat") })
# third-party layout: wgt.matrix and cv.performance as data.frames (rownames = SNP ids)
local({
  wgt.matrix <- data.frame(SUMMIT = w[1:3, "top1"]); row.names(wgt.matrix) <- snps$V2[1:3]
  cv.performance <- data.frame(SUMMIT = c(0.5, 0.01)); rownames(cv.performance) <- c("rsq", "pval")
  snps <- snps[1:3, ]
  save(wgt.matrix, snps, cv.performance, file = "dataframe_wgt.RDat")
})
# byte code: FUSION-like file that also holds JIT/compiler-compiled functions
local({
  wgt.matrix <- w[1:3, ]; snps <- snps[1:3, ]
  f <- function(x, y = c(a = 1)) { z <- x + 1; if (z > 2) list(z, y) else sum(z, y[["a"]], na.rm = TRUE) }
  g <- compiler::cmpfun(function(v) { for (i in seq_along(v)) v[i] <- v[i]^2 * pi; attr(v, "k") <- quote(a + b); v })
  for (i in 1:3) { f(i); g(1:3) }
  save(wgt.matrix, snps, f, g, file = "bytecode_extra.RDat")
})
