"""Mechanism every Techniekpact process shares: settings, database, errors, auth, observability.

Nothing of the domain lives here; each service owns its own models and rules.
"""
