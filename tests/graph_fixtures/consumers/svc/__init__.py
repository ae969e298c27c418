"""One consumer of every library the map names destinations for."""
