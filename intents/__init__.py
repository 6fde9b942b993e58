"""Understanding: the intent schema, recognisers and spoken responses."""
