"""Public pages kept whole for anonymous visitors (production).

``ckanext.govshare.page_cache.ttl`` (0, off, by default; 60 s in
``config/production.ini.tmpl``): see :mod:`.pages` for what is kept and for
whom, and :mod:`.writes` for how every write to the database or the search
index makes the kept pages unreachable at once.
"""
