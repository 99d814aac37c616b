"""FUSION's utils/ scripts, one module each: `profile` (profile_wgt.R), `make_score` (make_score.R)
and `compare_models` (compare_models.R). Each returns the exact text the R script writes, so the
CLI only prints it."""
