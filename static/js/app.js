// Small shared behaviours. Kept dependency-free (htmx and Bootstrap are vendored beside).
