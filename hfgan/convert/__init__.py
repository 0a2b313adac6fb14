"""Readers for other projects' weights; ``hfgan convert <format> SRC DST`` writes a normal hfgan pipeline folder."""
