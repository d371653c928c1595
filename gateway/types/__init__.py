"""The GraphQL types front ends see (../shared/DESIGN.md, "Front ends rely on these GraphQL names"), one module
per service that owns the data.

Each type wraps the record a service answered (`data`, private to Python) and resolves the fields
that live in another service through the request's DataLoaders; a type of another service is
named lazily (`strawberry.lazy`), so the modules need not import each other's classes first.
Fields that cross to another service are nullable: when that service fails, only those fields
become null, with an error each.
"""
