#!/usr/bin/env python3
"""A throwaway RFC 3161 timestamp authority for tests: `openssl ts -reply`
behind an HTTP server on the loopback interface.

Usage: tsa_server.py DIR. Creates DIR/ca.pem (the CA to verify with) and a
TSA certificate signed by it, listens on 127.0.0.1 (a free port), prints
"port N" on stdout, answers POSTs of application/timestamp-query, and exits
after 20 requests or 120 seconds, whichever comes first."""
import http.server
import os
import subprocess
import sys
import threading

d = sys.argv[1]


def sh(*args):
    subprocess.run(args, cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Test TSA CA", "-days", "2",
   "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
   "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Test TSA")
with open(os.path.join(d, "ext.cnf"), "w") as f:
    f.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n")
sh("openssl", "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
   "-out", "tsa.pem", "-days", "2", "-extfile", "ext.cnf")
with open(os.path.join(d, "serial"), "w") as f:
    f.write("01\n")
with open(os.path.join(d, "tsa.cnf"), "w") as f:
    f.write("""[ tsa ]
default_tsa = tsa1
[ tsa1 ]
serial = ./serial
crypto_device = builtin
signer_cert = ./tsa.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")

lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        ok = self.headers.get("Content-Type") == "application/timestamp-query"
        with lock:
            with open(os.path.join(d, "q.tsq"), "wb") as f:
                f.write(body)
            r = subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq",
                                "-out", "r.tsr"], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            reply = open(os.path.join(d, "r.tsr"), "rb").read() if r.returncode == 0 else b""
        if not ok or not reply:
            self.send_response(400)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
server.timeout = 1
print("port %d" % server.server_address[1], flush=True)
threading.Timer(120, lambda: os._exit(0)).start()
for _ in range(20):
    server.handle_request()
os._exit(0)
