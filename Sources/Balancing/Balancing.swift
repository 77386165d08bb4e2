// Balancing: see docs/ARCHITECTURE.md
