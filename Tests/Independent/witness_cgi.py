#!/usr/bin/env python3
"""A web server on 127.0.0.1 that serves a CGI program (RFC 3875), for the
tlog-witness tests: every request runs the program with the CGI environment
and the body on stdin, and the program's `Status:`, `Content-Type:` and body
become the HTTP response. (Python's CGIHTTPRequestHandler answers 200
whatever the Status header says, so it cannot carry a 409.)

Usage: witness_cgi.py CONFIG [--tls CERT KEY]. Prints "port N" on stdout.
CONFIG is a JSON file read at each request, so a test can change it between
requests: {"argv": [program, args...], "forge": false}. With "forge", each
signature line of a 200 reply has one bit of its signature flipped, as a
server that forges cosignatures would send. Each request is logged on
stderr as: POST /path old=N -> STATUS."""
import base64
import http.server
import json
import os
import socketserver
import ssl
import subprocess
import sys

args = sys.argv[1:]
tls = None
if "--tls" in args:
    i = args.index("--tls")
    tls = (args[i + 1], args[i + 2])
    del args[i:i + 3]
config_path = args[0]


def forge(body):
    out = []
    for line in body.decode("utf-8").split("\n"):
        if line.startswith("\u2014 "):
            name, blob = line[2:].rsplit(" ", 1)
            raw = bytearray(base64.b64decode(blob))
            raw[-1] ^= 1
            line = "\u2014 %s %s" % (name, base64.b64encode(bytes(raw)).decode())
        out.append(line)
    return "\n".join(out).encode("utf-8")


class CGIServer(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def run_cgi(self, method):
        with open(config_path) as f:
            config = json.load(f)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTENT_", "REQUEST_", "HTTP_"))}
        env.update({
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": self.path,
            "PATH_INFO": "",
        })
        if method == "POST":
            env["CONTENT_LENGTH"] = str(length)
            env["CONTENT_TYPE"] = self.headers.get("Content-Type", "")
        p = subprocess.run(config["argv"], input=body, env=env, capture_output=True)
        sep = p.stdout.find(b"\r\n\r\n")
        head, reply = (p.stdout[:sep], p.stdout[sep + 4:]) if sep >= 0 else (b"", b"")
        status, ctype = 500, "text/plain"
        for line in head.decode("latin-1").split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k.lower() == "content-type":
                ctype = v.strip()
        if status == 200 and config.get("forge"):
            reply = forge(reply)
        first = body.split(b"\n", 1)[0].decode("latin-1")
        sys.stderr.write("%s %s %s -> %d\n" % (method, self.path, first.replace(" ", "="), status))
        sys.stderr.flush()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_POST(self):
        self.run_cgi("POST")

    def do_GET(self):
        self.run_cgi("GET")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


httpd = Server(("127.0.0.1", 0), CGIServer)
if tls:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tls[0], tls[1])
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
print("port %d" % httpd.server_address[1], flush=True)
httpd.serve_forever()
