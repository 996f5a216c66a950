"""The bundled demo incident: a checkout API failing after a deploy that shrank its database pool."""
