"""The paging parameters every list route takes."""

from typing import Annotated

from fastapi import Query

# Far beyond any real list, and small enough for every database's integer (an offset of 2**63 is a 500).
MAX_OFFSET = 1_000_000_000

Limit = Annotated[int, Query(ge=1, le=1000, description="at most this many items")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="skip this many items")]
