"""The importer's corpus of real (mostly bad) files; regenerate with `make_corpus.py`."""
