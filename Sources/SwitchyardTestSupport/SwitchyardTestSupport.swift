// SwitchyardTestSupport: see docs/ARCHITECTURE.md
