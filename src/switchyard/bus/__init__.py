"""How parts of one node hear about what happens to stations (and, later, how nodes hear each other)."""
