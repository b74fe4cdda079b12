"""verify: read, fingerprint, archive and corroborate received official documents."""
