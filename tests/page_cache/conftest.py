"""The page cache's index tests run on both engines, as the search tests do."""
from tests.search.conftest import search_backend  # noqa: F401 (a fixture)
