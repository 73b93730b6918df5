"""Use cases: one function per command, each in a unit of work, seeing infrastructure only through `ports`."""
