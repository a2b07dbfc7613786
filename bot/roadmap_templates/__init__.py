"""Built-in learning roadmaps (YAML data, one file each)."""
