"""The etiquette monitor, installed under one name: etiquette.vision, etiquette.models,
etiquette.rules, etiquette.calibration and etiquette.service. In the repository these
are the top-level folders; the links here give them their installed names."""
