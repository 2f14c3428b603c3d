"""Build, lock and artefact tooling (never deployed)."""
