"""ngreport pipeline: orchestration, I/O, store and outputs."""
__version__ = "0.1.0"
