"""The GraphQL types front ends see (../shared/DESIGN.md, "Front ends rely on these GraphQL names"), by the
service that owns their data: metrics.py, partners.py, and actions.py with progress.py for actions_api.

Each type wraps the record a service answered (`data`, private to Python) and resolves the fields
that live in another service through the request's DataLoaders. A type of another service is
named lazily (`strawberry.lazy`, read when the schema is built), so the service modules may refer
to each other both ways. Fields that cross to another service are nullable: when that service
fails, only those fields become null, with an error each.
"""
