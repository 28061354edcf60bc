"""geo/db"""
