"""Cheaper password hashes for the whole suite, which makes many users.

CKAN hashes every new user's password with passlib's ``pbkdf2_sha512`` at
its default 25,000 rounds: about 0.14 s a user on this machine, idle, and
many tests make five or six users (half or more of their set-up time), and
CKAN's factories make a site user after every reset.
The hash and its check stay real (salted PBKDF2-SHA512, verified at log-in),
with fewer rounds; nothing a test checks depends on the rounds, and a hash
made at these rounds is not "upgraded" at log-in because the default is the
same while the suite runs.

``tests/conftest.py`` imports :func:`cheap_password_hashes`; it is
session-scoped, so it is set before any module-scoped fixture makes its
users, and the default comes back at the end.
"""
from __future__ import annotations

import pytest

#: PBKDF2 rounds while the suite runs (passlib's minimum is 1)
ROUNDS = 100


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes():
    from passlib.hash import pbkdf2_sha512

    default = pbkdf2_sha512.default_rounds
    pbkdf2_sha512.default_rounds = ROUNDS
    yield
    pbkdf2_sha512.default_rounds = default
