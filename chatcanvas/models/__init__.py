"""Models that ship with chatcanvas, with the code that trains them."""
