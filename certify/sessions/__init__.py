"""certify's session engines, laid out as Django's own (SESSION_ENGINE names one), and the user a
session is signed in as:

- `certify.sessions.db`: sessions in the database, each read with one hand-written query;
- `certify.sessions.cached_db`: read from Redis, kept in the database, and served from the
  database alone while Redis is down;
- `certify.sessions.auth`: Django's `get_user`, the user's row read with one hand-written query
  (the authentication middleware and the Run press load `request.user` with it);
- `certify.sessions.reads`: those hand-written reads, one SELECT by key made into the model
  instance the ORM would make.
"""
