"""The ground floor: what every layer shares and nothing of ours below it.

Frame schemas (:mod:`core.schema`), the one config loader (:mod:`core.config`), the
input error and its message shape (:mod:`core.errors`), the table reader
(:mod:`core.readers`) and the one writer of run folders (:mod:`core.output`).
``forecast/`` and ``staffing/`` import only this package; see docs/architecture.md.
"""
