"""The applications tests' agency, for the profile tests of their moves."""
from tests.applications.conftest import agency  # noqa: F401
