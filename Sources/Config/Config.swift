// Config: see docs/ARCHITECTURE.md
