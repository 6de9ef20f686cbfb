"""Fuzzing budgets: a bounded ``ci`` profile for every test run, ``deep`` for `make fuzz`.

``BATON_FUZZ=deep`` selects the deep profile (many more examples per property and per
API operation); anything else, or nothing, the ci profile. The ci profile keeps the whole
folder within its budget (well under 3 minutes on 2 cores) and draws the same examples
every run, so what fails in CI fails the same way on a laptop.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

from tests.fuzz.budget import DEEP, profile_name

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,  # a shared CI machine is slow now and then: no per-example time limit
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
settings.register_profile(
    DEEP,
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
settings.load_profile(profile_name())
