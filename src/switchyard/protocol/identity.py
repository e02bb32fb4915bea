"""Charging station identities: the last URL segment and the Basic-auth username.

OCPP 2.0.1 part 4: at most 48 characters and no `:` (it would split the Basic credentials). We
also refuse `/` (it would be a path separator once percent-decoded), control characters, and the
dot segments `.` and `..`.
"""

MAX_IDENTITY = 48


def identity_problem(identity: str) -> str | None:
    """Why `identity` cannot be a station identity, or None when it can."""
    if not identity:
        return "must not be empty"
    if len(identity) > MAX_IDENTITY:
        return f"has {len(identity)} characters; at most {MAX_IDENTITY} allowed"
    if ":" in identity:
        return "must not contain ':' (it is the Basic-auth username)"
    if "/" in identity or not identity.isprintable():
        return "must not contain '/' or control characters"
    if identity in (".", ".."):
        return "must not be '.' or '..' (they are path steps in a URL)"
    return None
