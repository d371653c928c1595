"""`techniekpact seed`: the two real pacts in `seeds/` (YAML), loaded through the services' own APIs.

The YAML is the transcription of the plans. `documents` reads it; `checks` checks it for internal
consistency (every reference resolves, every code has its shape, the printed UWV totals equal the
sum of their parts) against the services' own vocabularies; `load` sends it to the services the way
any client would, so every validation of the services applies. Every write is create-if-absent or
an upsert that leaves unchanged data alone, which is what makes a second run change nothing.
"""
