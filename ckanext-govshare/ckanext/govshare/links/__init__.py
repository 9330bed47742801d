"""Links: which URLs the portal stores and shows as links.

One rule, read everywhere: a URL is safe when it is relative (an address on
this portal) or its scheme is one of CKAN's ``ckan.valid_url_schemes``
(``http``, ``https``, ``ftp`` by default; the option CKAN's own ``h.is_url``
reads). ``javascript:``, ``data:``, ``vbscript:`` … are refused by the
``govshare_url`` validator on every URL field (schemas, core group and user
forms) and never rendered as a link or image source, also for values stored
before the validator (``h.govshare_safe_url``), nor redirected to by the
download routes (``tiers/views.py``).
"""
