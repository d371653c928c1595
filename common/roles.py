"""The scopes a token may carry and the roles that hold them: data only, so the CLI reads it at once."""

# Every scope a token may carry, and what it allows (README, "Who may do what").
SCOPES: dict[str, str] = {
    "partners:write": "push organisations for the token's `sources`, read its own push results; nothing else",
    "metrics:write": "feed observations for the token's `sources`, read its own batches; nothing else",
    "partners:admin": "the registry's work: organisations (create, change, lock, archive, merge), memberships, "
                      "contacts (write, erase), sign-ups (list, decide), source precedence, conflicts",
    "contacts:read": "personal data, besides the above: contact persons, sign-ups' contact name and e-mail",
    "actions:write": "pacts, action lines, goals, actions, milestones, results; draft and submit progress reports",
    "actions:approve": "approve or return progress reports, never one's own (four eyes)",
    "metrics:admin": "regions, measures, occupation classes",
}

# The roles and the scopes each holds; `techniekpact token --role` issues them. A machine role
# writes for sources, so its token needs `sources` too.
ROLES: dict[str, tuple[str, ...]] = {
    "municipal_system": ("partners:write",),
    "statistics_feed": ("metrics:write",),
    "partner_administrator": ("partners:admin", "contacts:read"),
    "coordinator": ("actions:write", "partners:admin", "contacts:read"),
    "trekker": ("actions:write",),
    "reviewer": ("actions:approve",),
    "statistics_administrator": ("metrics:admin",),
}
MACHINE_ROLES = frozenset({"municipal_system", "statistics_feed"})
