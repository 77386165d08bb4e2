#!/usr/bin/env python3
"""Print COUNT distinct free TCP ports on 127.0.0.1, taken below the kernel's ephemeral range so the bench's
own outgoing connections (wrk, the proxies' upstream side) can never be handed one of them."""
import random
import socket
import sys

count = int(sys.argv[1])
with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
    ephemeral_low = int(f.read().split()[0])
low, high = 20000, max(20000 + 10 * count, ephemeral_low)
ports = []
for port in random.sample(range(low, high), min(high - low, 50 * count)):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        ports.append(port)
    except OSError:
        continue
    finally:
        s.close()
    if len(ports) == count:
        break
if len(ports) < count:
    sys.exit("free_ports: not enough free ports")
print(" ".join(map(str, ports)))
