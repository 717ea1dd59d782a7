"""One module per verb: `configure(parser)` adds its arguments, `run(args)` returns the exit code.

Modules import heavy dependencies inside `run`, so that start-up stays small.
"""
