"""Command modules of `python -m kondusif`; each defines register(subparsers)."""
