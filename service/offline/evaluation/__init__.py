"""`etiquette eval`: reported events and people against labelled real clips."""
