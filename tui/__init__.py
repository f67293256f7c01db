"""The Textual app, the command-line entry point, widgets shared by screens, and styles."""
