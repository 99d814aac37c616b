# Generate R-reference cases for tests/test_rformat.py (run with R 4.2.x, x86-64):
#   Rscript tests/data/rformat/make_r_cases.R tests/data/rformat/r_cases.json
#   gzip -n -9 tests/data/rformat/r_cases.json
# Inputs are stored as C99 hex floats (sprintf("%a")) so Python reads the exact doubles;
# outputs are R's own strings.  Deterministic (set.seed).
args <- commandArgs(trailingOnly = TRUE)
out.file <- if (length(args)) args[1] else "r_cases.json"
set.seed(20240611)

hex1 <- function(v) {
  if (is.na(v) && !is.nan(v)) return("NA")
  if (is.nan(v)) return("NaN")
  if (is.infinite(v)) return(if (v > 0) "Inf" else "-Inf")
  sprintf("%a", v)
}
hex <- function(x) vapply(x, hex1, "")
js <- function(s) {
  s <- gsub("\\", "\\\\", s, fixed = TRUE)
  s <- gsub("\"", "\\\"", s, fixed = TRUE)
  s <- gsub("\t", "\\t", s, fixed = TRUE)
  s <- gsub("\n", "\\n", s, fixed = TRUE)
  paste0("\"", s, "\"")
}
jarr <- function(s) paste0("[", paste(js(s), collapse = ","), "]")

# ---- value generators -------------------------------------------------------
one.value <- function() {
  k <- sample(1:14, 1, prob = c(6, 2, 4, 3, 4, 2, 2, 1, 1, 1, 2, 1, 1, 1))
  s <- sample(c(-1, 1), 1)
  switch(k,
    s * 10^runif(1, -30, 30),                                   # 1 broad magnitudes
    s * 10^runif(1, -323, 308),                                 # 2 extreme magnitudes
    s * round(runif(1) * 10^sample(-3:9, 1), sample(0:8, 1)),   # 3 short decimals
    s * (sample(0:9999, 1) + 0.5) * 10^sample(-12:12, 1),       # 4 decimal ties
    s * (10^sample(1:8, 1) - sample(c(1, 2, 4, 5), 1) * 10^sample(-6:0, 1)), # 5 9.9996-like
    s * sample(0:2e9, 1),                                       # 6 integers as doubles
    2 * pnorm(-abs(rnorm(1, sd = sample(c(1, 3, 10, 30), 1)))), # 7 p-values
    s * rnorm(1, sd = 5),                                       # 8 z-scores
    10^sample(-20:20, 1) * s,                                   # 9 exact powers of ten
    s * (1 - 10^-sample(1:17, 1)) * 10^sample(-5:5, 1),         # 10 just below powers
    s * sample(c(9.9996, 0.00012345, 99.95, 0.15, 1.25, 2.675, 0.125, 1.005, 999.5,
                 99999.6, 9.995, 0.9999, 1e-300, 123456789, 1e5, 1e15, 1e16, 0.1 + 0.2,
                 1 / 3, 2 / 3, 5e-324, 1.797e308, 4.5, 0.045, 12345.5, 1.5e-5), 1),
    s * runif(1),                                               # 12 uniform
    s * round(runif(1), sample(1:4, 1)) + s * sample(c(0, 5e-16, -5e-16, 1e-12), 1),
    s * sample(1:100, 1) / sample(c(3, 7, 9, 11, 13, 1000, 1024), 1)
  )
}
specials <- function() sample(list(0, -0, NA_real_, NaN, Inf, -Inf), 1)[[1]]
gen.vec <- function(n) {
  x <- vapply(seq_len(n), function(i) one.value(), 0)
  if (runif(1) < 0.3) x[sample(n, 1)] <- specials()
  if (runif(1) < 0.2) x[sample(n, 1)] <- 0
  x
}
gen.digits <- function() sample(c(1:22), 1, prob = c(2, 6, 8, 3, 3, 2, 6, 2, 1, 1, 1, 4, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1))

lines <- character(0)
add <- function(s) lines[length(lines) + 1] <<- s

# ---- format(x, digits, nsmall) and trim=TRUE -------------------------------
for (i in 1:6000) {
  x <- gen.vec(sample(1:8, 1))
  d <- gen.digits()
  ns <- if (runif(1) < 0.15) sample(1:6, 1) else 0L
  add(sprintf('{"fn":"format","digits":%d,"nsmall":%d,"x":%s,"out":%s}', d, ns,
              jarr(hex(x)), jarr(format(x, digits = d, nsmall = ns))))
  if (i %% 3 == 0)
    add(sprintf('{"fn":"format_trim","digits":%d,"nsmall":0,"x":%s,"out":%s}', d,
                jarr(hex(x)), jarr(format(x, digits = d, trim = TRUE))))
}
# one-value vectors around rounding/widening edges, every digits setting
edge <- c(9.9996, 99.96, 999.6, 9999.6, 99999.6, 0.99996, 9.5, 95, 0.95, 9.995, 99.995,
          0.00012345, 1234.5, 12345.5, 0.15, 0.25, 2.675, 1.005, 1e-300, 123456789,
          99999999.5, 1e5, 1e15, 1e16, 1e22, 1e23, 1e27, 1e28, 5e-324)
for (v in edge) for (s in c(1, -1)) for (d in 1:16) {
  x <- s * v
  add(sprintf('{"fn":"format","digits":%d,"nsmall":0,"x":%s,"out":%s}', d,
              jarr(hex(x)), jarr(format(x, digits = d))))
}
# |kp| = 23..27: R's long double power table holds 1e23..1e27 as *double* literals
for (i in 1:1500) {
  d <- sample(10:15, 1)
  kp <- sample(c(-(23:27), 23:27), 1)
  x <- sample(c(-1, 1), 1) * runif(1, 1, 10) * 10^(kp + d - 1)
  add(sprintf('{"fn":"format","digits":%d,"nsmall":0,"x":%s,"out":%s}', d,
              jarr(hex(x)), jarr(format(x, digits = d))))
}
for (x in c(9.186591821883195e-11, 1.120487148114505e-12, 1.3277443157866049e-11))
  add(sprintf('{"fn":"format","digits":15,"nsmall":0,"x":%s,"out":%s}',
              jarr(hex(x)), jarr(format(x, digits = 15))))
# all-non-finite and empty-ish vectors
for (x in list(NA_real_, c(NA_real_, NaN), c(Inf, NA), c(-Inf, NaN, NA), c(NA_real_, 1), c(NaN, -1e-10)))
  add(sprintf('{"fn":"format","digits":3,"nsmall":0,"x":%s,"out":%s}',
              jarr(hex(x)), jarr(format(x, digits = 3))))

# ---- as.character / cat / write.table of single doubles --------------------
for (i in 1:3000) {
  x <- one.value()
  if (runif(1) < 0.05) x <- specials()
  add(sprintf('{"fn":"as_character","x":%s,"out":%s}', jarr(hex(x)),
              jarr(if (is.na(x) && !is.nan(x)) "NA" else as.character(x))))
  add(sprintf('{"fn":"cat","x":%s,"out":%s}', jarr(hex(x)), jarr(capture.output(cat(x)))))
}
for (i in 1:300) {
  x <- gen.vec(sample(1:6, 1))
  add(sprintf('{"fn":"write_table_raw","x":%s,"out":%s}', jarr(hex(x)),
              jarr(capture.output(write.table(data.frame(x = x), quote = FALSE,
                                              row.names = FALSE, col.names = FALSE)))))
}

# ---- round(x, digits) ------------------------------------------------------
for (i in 1:10000) {
  d <- sample(c(-3:12, 3, 3, 3, 2, 2, 1), 1)
  k <- runif(1)
  x <- if (k < 0.4) {
    # decimal half-way points and neighbours at `d` digits
    (sample(0:99999, 1) + 0.5) / 10^d * sample(c(-1, 1), 1) *
      (1 + sample(c(0, 0, 1e-16, -1e-16, 2.2e-16), 1))
  } else if (k < 0.7) one.value() else round(runif(1), sample(1:6, 1))
  add(sprintf('{"fn":"round","digits":%d,"x":%s,"out":%s}', d, jarr(hex(x)), jarr(hex(round(x, d)))))
}

# ---- integer / logical vectors ---------------------------------------------
for (i in 1:300) {
  n <- sample(1:6, 1)
  x <- as.integer(sample(c(-1, 1), n, TRUE) * floor(10^runif(n, 0, 9.3)))
  if (runif(1) < 0.3) x[sample(n, 1)] <- NA_integer_
  add(sprintf('{"fn":"format_integer","x":%s,"out":%s}',
              jarr(ifelse(is.na(x), "NA", as.character(x))), jarr(format(x))))
}
for (x in list(c(TRUE, FALSE), c(TRUE, NA), NA, c(NA, FALSE), TRUE))
  add(sprintf('{"fn":"format_logical","x":%s,"out":%s}',
              jarr(ifelse(is.na(x), "NA", as.character(x))), jarr(format(x))))

# ---- data frames: write.table(format(df, digits=d)) -------------------------
for (i in 1:200) {
  n <- sample(1:6, 1)
  d <- sample(c(2, 3, 3, 7), 1)
  chr <- sample(c("rs41049493", "rs3502274", "a", "GENE22_001", "top1", "lasso"), n, TRUE)
  if (runif(1) < 0.4) chr[sample(n, 1)] <- NA
  lg <- sample(c(TRUE, FALSE, NA), n, TRUE)
  df <- data.frame(S = chr, X = gen.vec(n), Y = gen.vec(n), L = lg,
                   I = as.integer(sample(1:500, n)), stringsAsFactors = FALSE)
  trim <- runif(1) < 0.25
  sep <- if (trim) "," else "\t"
  txt <- capture.output(write.table(format(df, digits = d, trim = trim), quote = FALSE,
                                    row.names = FALSE, sep = sep))
  add(sprintf('{"fn":"df","digits":%d,"trim":%s,"sep":%s,"S":%s,"X":%s,"Y":%s,"L":%s,"I":%s,"out":%s}',
              d, if (trim) "true" else "false", js(sep),
              jarr(ifelse(is.na(chr), "NA", chr)), jarr(hex(df$X)), jarr(hex(df$Y)),
              jarr(ifelse(is.na(lg), "NA", as.character(lg))), jarr(as.character(df$I)),
              jarr(txt)))
}

con <- file(out.file, "w")
writeLines(c(sprintf('{"r_version":%s,"cases":[', js(R.version.string)),
             paste0(lines, c(rep(",", length(lines) - 1), "")), "]}"), con)
close(con)
cat("wrote", length(lines), "cases to", out.file, "\n")
