"""Persistence: the async engine, the tables, and one repository per concept."""
