#!/usr/bin/env python3
"""HTTP(S) servers on the loopback interface for the HTTP client's tests.

Usage: hostile_http.py MODE [DIR] [--tls CERT KEY]. Listens on 127.0.0.1 (a
free port), prints "port N" on stdout, and answers every request as MODE says:

  serve           the files of DIR (a tiles directory), like http.server, also
                  as a proxy would be asked for them (GET http://host/path)
  chunk-huge      chunked, first chunk size 7fffffffffffffff, then a trickle
  chunk-negative  chunked, chunk size -10
  chunk-closed    chunked, chunk size 7fffffffffffffff, 3 bytes, then closes
  trickle         Content-Length 8192, then one byte a second
  stall           the status line and headers, then nothing
  endless         200 with no length, bytes until the client goes away
  huge-length     Content-Length 1073741824, then bytes until the client goes away
  redirect-loop   302 to the same path
  garbage         a reply that is not HTTP

With --tls, speaks HTTPS with the given certificate chain and key."""
import http.server
import socketserver
import ssl
import sys
import time
import urllib.parse

args = sys.argv[1:]
tls = None
if "--tls" in args:
    i = args.index("--tls")
    tls = (args[i + 1], args[i + 2])
    del args[i:i + 3]
mode = args[0]
directory = args[1] if len(args) > 1 else "."


class Hostile(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def endless(self):
        try:
            while True:
                self.wfile.write(b"x" * 65536)
        except OSError:
            pass

    def trickle(self, head):
        """head, then one byte a second until the client goes away."""
        self.wfile.write(head)
        try:
            while True:
                self.wfile.flush()
                time.sleep(1)
                self.wfile.write(b"x")
        except OSError:
            pass

    def do_GET(self):
        w = self.wfile
        if mode == "chunk-huge" or mode == "chunk-negative":
            size = b"7fffffffffffffff" if mode == "chunk-huge" else b"-10"
            self.trickle(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\n")
        elif mode == "chunk-closed":
            w.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc")
        elif mode == "trickle":
            self.trickle(b"HTTP/1.1 200 OK\r\nContent-Length: 8192\r\n\r\n")
        elif mode == "stall":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            w.flush()
            time.sleep(3600)
        elif mode == "endless":
            w.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
            self.endless()
        elif mode == "huge-length":
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n")
            self.endless()
        elif mode == "redirect-loop":
            w.write(b"HTTP/1.1 302 Found\r\nLocation: " + self.path.encode() + b"\r\nContent-Length: 0\r\n\r\n")
        elif mode == "garbage":
            w.write(b"\x00\x01 this is not HTTP\r\n\r\n")
        self.close_connection = True

    do_POST = do_GET


class Files(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=directory, **k)

    def translate_path(self, path):
        # A request through a proxy names the whole URL.
        return super().translate_path(urllib.parse.urlsplit(path).path)

    def log_message(self, fmt, *a):
        sys.stderr.write(fmt % a + "\n")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Files if mode == "serve" else Hostile)
if tls:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls[0], tls[1])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("port", server.server_address[1], flush=True)
server.serve_forever()
