"""Operating a live database: migrations, drift, refresh status and the trailing-edge refresher,
the alignment validator, and the command line over them."""
