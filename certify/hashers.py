"""The password hasher: Argon2id at OWASP's minimum settings.

Django's own Argon2 hasher spends 100 MiB and 8 lanes per hash: at ten sign-ups a second that is
a gigabyte in flight and both cores. OWASP's Password Storage Cheat Sheet gives m = 19 MiB,
t = 2, p = 1 as the floor for Argon2id; this hasher uses exactly that (same algorithm name, so a
hash made with other parameters still verifies and is rehashed at the next login).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
