"""Pure numerical functions: arrays in, arrays out, no file access."""
