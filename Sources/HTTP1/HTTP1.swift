// HTTP1: see docs/ARCHITECTURE.md
