"""All SQL of metrics_api, one module per part of the domain; the only layer that touches the session.

Functions here flush and never commit: the request's session commits once (common/database.py).
"""
