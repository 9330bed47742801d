"""Cheaper password hashes for the test packages that make many users.

CKAN hashes every new user's password with passlib's ``pbkdf2_sha512`` at
its default 25,000 rounds: about 0.14 s a user on this machine, idle, and
most tests here make five or six users (half or more of their set-up time).
The hash and its check stay real (salted PBKDF2-SHA512, verified at log-in),
with fewer rounds; nothing a test checks depends on the rounds, and a hash
made at these rounds is not "upgraded" at log-in because the default is the
same while the package runs.

A package's ``conftest.py`` imports :func:`cheap_password_hashes`; it is
package-scoped, so it is set before the package's module-scoped fixtures
make their users, and the default comes back after the package.
"""
from __future__ import annotations

import pytest

#: PBKDF2 rounds while the package runs (passlib's minimum is 1)
ROUNDS = 100


@pytest.fixture(scope="package", autouse=True)
def cheap_password_hashes():
    from passlib.hash import pbkdf2_sha512

    default = pbkdf2_sha512.default_rounds
    pbkdf2_sha512.default_rounds = ROUNDS
    yield
    pbkdf2_sha512.default_rounds = default
