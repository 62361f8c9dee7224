"""Analysis of stored answers with pandas: frames, aggregates, suppression, gap matrix.
No Flask here: the CLI and the staff views are two thin callers of the same functions."""
