"""GovShare's DCAT feeds: a DCAT-AP 3 profile with the openness tiers.

* ``publication.py`` — what the feeds may publish, per tier (the one place
  that decides);
* ``profiles.py`` — ``govshare_dcat_ap_3``, the RDF profile run after
  ckanext-dcat's ``euro_dcat_ap_3``;
* ``logic/action.py`` — ckanext-dcat's actions, chained so that closed
  datasets never reach a serializer and the GovShare profile always runs.
"""
