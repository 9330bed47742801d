"""The audit trail: hash-chained, append-only events, and their check
(``ckan govshare audit verify``)."""
