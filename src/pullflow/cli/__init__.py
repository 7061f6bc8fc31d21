"""The command line: thin commands that parse, call a service, and render what it returns."""
