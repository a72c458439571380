# Writes a log's input on stdout: SIZE evidence records in all, the lines of
# RECORDS (a JSON Lines file) spread evenly among filler records of other
# contracts, so that finding them means finding a few entries in a large log.
# Usage: python3 bench/spread_records.py SIZE RECORDS
import hashlib, sys

size = int(sys.argv[1])
records = open(sys.argv[2]).read().splitlines()
step = max(1, size // max(1, len(records)))
out = sys.stdout
r = 0
for i in range(size - len(records)):
    if r < len(records) and i % step == 0:
        out.write(records[r] + "\n"); r += 1
    d = hashlib.sha256(b"filler %d" % i).hexdigest()
    out.write('{"id":"F%09d/esign/doc.pdf","contract":"F%09d","stage":"esign","alg":"sha256","digest":"%s"}\n' % (i, i, d))
for rec in records[r:]:
    out.write(rec + "\n")
