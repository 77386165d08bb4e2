// Gzip: see docs/ARCHITECTURE.md
