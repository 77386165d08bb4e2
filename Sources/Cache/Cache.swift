// Cache: see docs/ARCHITECTURE.md
