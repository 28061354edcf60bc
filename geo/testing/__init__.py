"""geo/testing"""
