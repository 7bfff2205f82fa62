"""A small CS231n-style deep-learning package: layers, a fully-connected network, update rules and a solver."""
