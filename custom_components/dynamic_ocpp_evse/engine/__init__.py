"""The pure core: allocation engine and control, free of Home Assistant, I/O and clocks."""
