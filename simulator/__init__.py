"""A closed-loop site simulator: the real engine and control against a modelled home.

It exists to prove, to ourselves and to users, that the controller is safe and uses the sun, and
to compare it on the same inputs with a naive follower, an evcc-style controller and the
physical optimum (docs/design.md §10).
"""
