"""The throughput report keeps each figure's best round (bench/throughput.py)."""
from bench.throughput import MINIMAL_WRITE, Result, best_rounds, report


def _result(scenario: str, rate: float, errors: int = 0, backend: str = "SQLite", connections: int = 50) -> Result:
    return Result(backend, scenario, connections, rate, 10.0, 50.0, int(rate * 10), errors)


def test_each_figure_is_its_best_round_with_every_rounds_rate_and_all_errors():
    rounds = [
        _result("bare Flask route", 1348, backend="-"), _result("page submission", 429, errors=1),
        _result("bare Flask route", 3100, backend="-"), _result("page submission", 401),
        _result("bare Flask route", 2900, backend="-"), _result("page submission", 460, errors=2),
    ]
    best, rates = best_rounds(rounds)
    assert [(r.scenario, r.requests_per_second, r.errors) for r in best] == [
        ("bare Flask route", 3100, 0), ("page submission", 460, 3)]
    assert rates[("SQLite", "page submission", 50)] == [429, 401, 460]


def test_the_ratio_compares_best_with_best():
    rounds = [_result("bare Flask route", 1000, backend="-"), _result(MINIMAL_WRITE, 600),
              _result("page view", 200), _result("page submission", 400),
              _result("bare Flask route", 2000, backend="-"), _result(MINIMAL_WRITE, 900),
              _result("page view", 250), _result("page submission", 300)]
    costs = {"bare Flask route": 0.2, MINIMAL_WRITE: 0.5, "page view": 3.0, "page submission": 1.0}
    text = report(rounds, 10, ["SQLite"], costs, rounds=2)
    assert "| SQLite | page submission | 50 | 400 | 400 / 300 | 10.0 ms | 50.0 ms | 0.20 | 0 |" in text
    assert "| SQLite | minimal write (reference) | 50 | 900 | 600 / 900 |" in text and "0.45" in text
    assert "measured in 2 rounds" in text
    assert "Target met for 0 of 1 page-submission figures" in text
