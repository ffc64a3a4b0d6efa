"""QuickBooks Online. So far: the OAuth endpoints; the adapter comes with issue 5."""
