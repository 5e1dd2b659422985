"""cpom: CPOM contracts from cadrage to renouvellement."""
