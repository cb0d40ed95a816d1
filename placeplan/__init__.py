"""placeplan: plan specialist school places for children with SEND."""

__version__ = "0.1.0"
