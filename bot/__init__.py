"""studybot core: the platform-neutral rules of a study group (no I/O, no frameworks)."""
