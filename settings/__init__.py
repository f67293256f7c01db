"""The person's settings: the configuration file and the environment, read once at start."""
