"""Flow analytics: metrics and forecasts over a history of items moving through stages."""
