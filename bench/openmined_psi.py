#!/usr/bin/env python3
"""Baseline for evpsi's P-256 DH-PSI: OpenMined PSI (pip: openmined-psi),
server with N items, client with N items, intersection revealed to the
client, the server's set sent raw (as evpsi sends it). Prints seconds."""
import sys
import time

import private_set_intersection.python as psi

n = int(sys.argv[1])
overlap = n // 2
server_items = ["item-%d" % i for i in range(n)]
client_items = ["item-%d" % i for i in range(n - overlap, 2 * n - overlap)]
t0 = time.time()
client = psi.client.CreateWithNewKey(True)
server = psi.server.CreateWithNewKey(True)
setup = psi.ServerSetup()
setup.ParseFromString(server.CreateSetupMessage(0.0, len(client_items), server_items, psi.DataStructure.RAW).SerializeToString())
request = client.CreateRequest(client_items)
response = server.ProcessRequest(request)
intersection = client.GetIntersection(setup, response)
elapsed = time.time() - t0
assert len(intersection) == overlap, len(intersection)
print("%.3f" % elapsed)
