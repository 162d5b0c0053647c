"""Small helpers with the reference's module paths (``tracr.utils.errors``)."""
