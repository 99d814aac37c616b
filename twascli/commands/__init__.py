"""One module per subcommand: each parses FUSION's flags and calls the core."""
