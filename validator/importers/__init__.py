"""importers: other systems' exports -> YAML for this repository (`dutyguard import ...`)."""
