"""The chain entry's leaf, written from DESIGN.md: SHA-256(0x00 || the RFC 8785
form of {"seq","time","record"}). Shared by the independent checkers."""
import json

from rfc9162 import h

try:
    import rfc8785

    def jcs(v):
        return rfc8785.dumps(v)
except ImportError:  # plain strings and integers only: sorted compact JSON is JCS
    def jcs(v):
        return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_leaf(seq, time, record):
    return h(b"\x00" + jcs({"seq": seq, "time": time, "record": record}))
