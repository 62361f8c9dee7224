"""The condition language: the safe expression parser and evaluator (expression.py) and the
editor's rules that write and read conditions without code (rules.py)."""
