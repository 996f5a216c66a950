"""The Textual app, its stylesheet and the CLI entry point."""
