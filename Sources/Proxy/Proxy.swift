// Proxy: see docs/ARCHITECTURE.md
