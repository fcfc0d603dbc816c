"""certify's session engines, laid out as Django's own (SESSION_ENGINE names one):

- `certify.sessions.db`: sessions in the database, each read with one hand-written query;
- `certify.sessions.cached_db`: read from Redis, kept in the database, and served from the
  database alone while Redis is down.
"""
