"""Field extractors: one module per field family, composed by ``extract_fields``."""
