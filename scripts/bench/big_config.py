#!/usr/bin/env python3
"""Writes a large nginx configuration: SERVERS server blocks with three locations each and UPSTREAMS
upstreams of two servers, the shape of a shared hosting front tier. Used to time `-t` (and a reload).
Usage: big_config.py DIR [SERVERS=5000] [UPSTREAMS=1000] [PORT=8080]"""
import os, sys

out = sys.argv[1]
servers = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
upstreams = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
port = int(sys.argv[4]) if len(sys.argv) > 4 else 8080
os.makedirs(os.path.join(out, "logs"), exist_ok=True)
lines = ["worker_processes 1;", "error_log logs/error.log;", "pid logs/nginx.pid;",
         "events { worker_connections 1024; }", "http {",
         "    access_log logs/access.log;",
         "    proxy_http_version 1.1;",
         "    proxy_set_header Connection \"\";"]
for u in range(upstreams):
    lines += [f"    upstream app{u} {{",
              f"        server 127.0.0.1:{20000 + 2 * (u % 500)} max_fails=3 fail_timeout=10s;",
              f"        server 127.0.0.1:{20001 + 2 * (u % 500)} max_fails=3 fail_timeout=10s;",
              "        keepalive 16;", "    }"]
for s in range(servers):
    u = s % upstreams
    lines += ["    server {",
              f"        listen 127.0.0.1:{port};",
              f"        server_name site{s}.example.com;",
              "        location / {",
              f"            proxy_pass http://app{u};",
              "            proxy_set_header Host $host;",
              "        }",
              "        location /api/ {",
              f"            proxy_pass http://app{u};",
              "            proxy_read_timeout 30s;",
              "        }",
              "        location = /health { return 200 \"ok\\n\"; }",
              "    }"]
lines.append("}")
with open(os.path.join(out, "nginx.conf"), "w") as f:
    f.write("\n".join(lines) + "\n")
