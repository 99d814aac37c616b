"""twascli: a fast, drop-in Python re-implementation of the FUSION TWAS toolkit."""

__version__ = "0.1.0"
