"""Independent RFC 8785 canonicalization for the tests: reads JSON Lines,
writes for each line the lowercase hex of its canonical bytes (rfc8785 on
PyPI) and the SHA-256 of them, tab-separated."""
import hashlib
import json
import sys

import rfc8785

for line in sys.stdin:
    if not line.strip():
        continue
    canonical = rfc8785.dumps(json.loads(line))
    print(canonical.hex() + "\t" + hashlib.sha256(canonical).hexdigest())
