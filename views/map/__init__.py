"""views/map"""
