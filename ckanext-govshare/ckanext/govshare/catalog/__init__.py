"""The catalog (政务数据目录): the scheming schemas' validators, the search
index form of catalog fields, and the openness-tier facet."""
