"""One module per marketplace: its HTTP paths (under the real layout), auth, errors and push payloads."""
