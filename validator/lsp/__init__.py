"""dutyguard lsp: a Language Server for the YAML of the repository (SPEC section 5)."""
