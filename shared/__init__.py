"""The project's shared package: event contracts, messaging plumbing, settings, logging
and health. Business rules live in the services, never here."""
