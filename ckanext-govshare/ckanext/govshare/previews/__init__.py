"""Previews and online query (在线查询, Qingyang 2021 art. 24).

CKAN's DataStore holds the rows of CSV and XLSX files, loaded by
ckanext-xloader on the jobs worker (:mod:`.loader`); CKAN's table view
(``datatables_view``) shows them and ``datastore_search`` is the online
query; ckanext-geoview's ``geojson_view`` draws GeoJSON files on a plain
background (no base tiles: they come from the internet). Who may read rows
is the tier policy's question, asked by the chained auth functions of
:mod:`ckanext.govshare.tiers.logic.auth`; this folder adds what the
DataStore itself would let through (:mod:`.logic.action`) and the templates
that make the views run under the portal's Content-Security-Policy.
"""
