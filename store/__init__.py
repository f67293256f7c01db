"""The data layer: Peewee models, the database connection, schema versions and queries.

Nothing here knows about people's rights; the access gate scopes every query it builds.
"""
