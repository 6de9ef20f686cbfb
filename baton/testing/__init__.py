"""Stand-ins and local services shared by the tests and the benchmarks.

The product never imports this package; ``tests/`` and ``bench/`` both do, so the benchmarks
need nothing from the test suite.
"""
