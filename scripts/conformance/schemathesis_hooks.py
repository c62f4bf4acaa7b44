"""Schemathesis hooks for scripts/schemathesis (loaded through SCHEMATHESIS_HOOKS).

A tus PATCH body (`application/offset+octet-stream`, documented as binary) is sent as
the bytes it is: the same serializer as `application/octet-stream`, which schemathesis
knows but does not apply to tus's media type by itself.
"""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
