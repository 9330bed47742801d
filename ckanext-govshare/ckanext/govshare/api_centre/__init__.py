"""The API centre (``/api-centre``): the Action API as a developer needs it.

* ``reference.py`` — the actions shown (every registered ``govshare_*``
  action and a few core ones a data user needs), each with its docstring
  read at request time, its parameters, and who may call it, found by asking
  the auth function (never by calling the action);
* ``examples.py`` — an example call of each action (URL, curl, ckanapi)
  with names from the live catalog, and the limits the portal applies;
* ``views.py`` — the page.
"""
