"""The applications tests' agency, for the agency that answers data requests."""
from tests.applications.conftest import agency  # noqa: F401
