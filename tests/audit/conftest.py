from tests.hashing import cheap_password_hashes  # noqa: F401 (autouse)
