"""The applications tests' agency: error reports are cases of the same workflow."""
from tests.applications.conftest import agency  # noqa: F401
