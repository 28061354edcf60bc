"""geo/rank"""
