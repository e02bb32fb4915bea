"""Identifiers for stored objects.

Ids are 24 lowercase hex characters (4 bytes of Unix time, 8 random bytes), the shape of the ids
in the eDRV API, so clients written against it keep working, and ids sort roughly by creation time.
"""

import os
import time


def new_id() -> str:
    return int(time.time()).to_bytes(4, "big").hex() + os.urandom(8).hex()


def is_id(value: str) -> bool:
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)
