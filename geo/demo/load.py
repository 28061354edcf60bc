def load(*a, **k): pass
def has_data(*a, **k): pass
