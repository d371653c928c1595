"""All SQL of the actions API, one module per aggregate as in domain/; the only layer that touches the session.

Functions flush, never commit: the request's session commits once (common/database.py).
"""
