#!/usr/bin/env python3
"""ws_count.py PORT N: one WebSocket tunnel (ws_load.py's handshake and 32-byte frame), N messages sent one at a
time, each echo read whole before the next. bench.sh's callgrind phase counts the proxy's instructions per
echoed message with it (scenario ws_msg): a fixed count, where ws_load.py runs for a time."""
import sys

from ws_load import FRAME, handshake


def main(port, n):
    s = handshake(port)
    s.setblocking(True)
    for i in range(n):
        s.sendall(FRAME)
        due = len(FRAME)
        while due > 0:
            data = s.recv(65536)
            if not data:
                sys.exit(f"ws_count: the tunnel closed after {i} messages")
            due -= len(data)
    s.close()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
