"""Readers and writers for the files FUSION users already have (I/O lives only here)."""
