"""Exports for analysts (plain Python, no Flask): CSV, Excel, SPSS, codebook and the formats others
register in ``formats.py``; ``source`` reads the responses, ``jobs`` builds large files in the
background."""
